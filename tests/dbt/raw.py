"""Raw zones for the dbt tests: Parquet files of the contract (SCHEMAS), written by hand.

Reference tables are written as the Dagster reference assets land them today (every column
text, the CSV's own column names); every other table has exactly its SCHEMAS schema.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from recon_pipeline.lib.extract.schemas import SCHEMAS

Rows = Sequence[Mapping[str, Any]]

#: Columns of the reference tables as landed (recon_pipeline/defs/reference/assets.py).
REFERENCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "legal_entities": ("entity_code", "name", "functional_currency", "country"),
    "fx_rates": ("date", "currency", "rate_to_reporting"),
}


def write_raw_zone(
    raw_dir: Path,
    rows: Mapping[tuple[str, str], Rows] | None = None,
    *,
    skip: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write every raw table under ``raw_dir`` (``OUT/raw/<cycle>``): ``rows`` where given,
    else empty; tables in ``skip`` get no file at all."""
    rows = rows or {}
    for (system, table), schema in SCHEMAS.items():
        if system == "reference" or (system, table) in skip:
            continue
        data = rows.get((system, table), [])
        lineage = [{"_file": f"{system}/{table}.jsonl", "_line": i + 1, **r} for i, r in
                   enumerate(data)]
        columns = {f.name: pa.array([r.get(f.name) for r in lineage], f.type) for f in schema}
        write_parquet(raw_dir / system / f"{table}.parquet", pa.table(columns, schema=schema))
    for table, names in REFERENCE_COLUMNS.items():
        if ("reference", table) in skip:
            continue
        data = rows.get(("reference", table), [])
        columns = {n: pa.array([_text(r.get(n)) for r in data], pa.string()) for n in names}
        write_parquet(raw_dir / "reference" / f"{table}.parquet", pa.table(columns))
    return raw_dir


def write_parquet(path: Path, table: pa.Table) -> None:
    """Write ``table`` to ``path``, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
