"""usage/: CloudEvents 1.0 metering events from every ``*.jsonl`` and ``*.jsonl.gz``.

A repeated (``source``, ``id``) pair is a redelivery: the first occurrence (file path order,
then line order) is loaded, later ones are counted per file as ``rows_redelivered`` and not
loaded. Events are first staged in order, then the few duplicate keys are found with DuckDB
(64-bit hash candidates, then exact keys), and the staged rows are copied minus those.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from recon_pipeline.lib.extract.sink import ParquetSink
from recon_pipeline.lib.extract.spec import Spec, f
from recon_pipeline.lib.source_files import entries
from recon_pipeline.lib.sqltext import quote_literal

EVENTS = Spec(
    "usage", "events", (),
    fields=(
        f("event_source", "str", "source", required=True),
        f("event_id", "str", "id", required=True), f("type", "str", required=True),
        f("subject", "str", required=True),
        f("event_at", "time", "time", required=True, missing="usage event without a time",
          invalid="unparsable usage time"),
        f("value", "num", "data.value", required=True, nonneg=True,
          negative="negative usage value"),
        f("subscription_item_id", "str", "data.subscription_item"),
    ),
    output=("event_source", "event_id", "type", "subject", "event_at", "value",
            "subscription_item_id"),
    number_keys=("value",),
    optional=True,
)


def usage_files(sources: Path) -> list[tuple[Path, str]]:
    """Every usage file (sub-folders too), sorted by its path relative to ``sources``; links
    and FIFOs included, to be refused when read (lib/source_files.py)."""
    found = [p for p in entries(sources / "usage")
             if p.name.endswith((".jsonl", ".jsonl.gz"))
             and not any(part.startswith(".") for part in p.relative_to(sources).parts)]
    return sorted(((p, p.relative_to(sources).as_posix()) for p in found), key=lambda x: x[1])


def deduplicate(con: duckdb.DuckDBPyConnection, staged: Path, target: Path,
                schema: pa.Schema) -> dict[str, int]:
    """Copy ``staged`` to ``target`` without redeliveries; return redeliveries per file."""
    src = f"read_parquet({quote_literal(staged.as_posix())}, file_row_number = true)"
    dropped = con.sql(f"""
        WITH cand AS (SELECT hash(event_source, event_id) AS h FROM {src}
                      GROUP BY h HAVING count(*) > 1)
        SELECT file_row_number AS row, _file FROM (
            SELECT file_row_number, _file, row_number() OVER (
                PARTITION BY event_source, event_id ORDER BY file_row_number) AS n
            FROM {src} WHERE hash(event_source, event_id) IN (SELECT h FROM cand))
        WHERE n > 1""").to_arrow_table()
    per_file: dict[str, int] = {}
    for name in dropped.column("_file").to_pylist():
        per_file[name] = per_file.get(name, 0) + 1
    rows = dropped.column("row").cast(pa.int64())
    offset = 0
    with ParquetSink(target, schema) as sink:
        for batch in pq.ParquetFile(staged).iter_batches(batch_size=1 << 20):
            table = pa.Table.from_batches([batch])
            if len(rows):
                ones = pa.nulls(table.num_rows, pa.int64()).fill_null(1)
                index = pc.add(pc.cumulative_sum(ones), offset - 1)
                table = table.filter(pc.invert(pc.is_in(index, value_set=rows)))
            offset += batch.num_rows
            sink.write(table)
    return per_file
