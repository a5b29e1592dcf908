"""One path for batch and stream: a cycle's raw tables include every landed event.

After an export object is extracted into ``OUT/raw/<cycle>/<source>/<table>.parquet``, the
events landed under ``OUT/raw/_stream/`` are merged into the same file, with the same schema:

- usage events: the export's events, plus the landed ones whose (``source``, ``id``) the export
  does not have (a CloudEvent delivered both ways is kept once);
- a Stripe object (charge, invoice, customer, ...): kept once, in its newest state, an exported
  object as of its file's modification time and an event's object as of the event's
  ``created``; an object's child rows (an invoice's lines, a subscription's items and
  discounts) come with the state that won.

The landed quarantine of the object is added to the cycle's quarantine, and a ``stream`` row to
its file counts (read = loaded + quarantined + replaced by a newer state).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from recon_pipeline.lib.extract.report import FileCount, ObjectReport, part_paths, write_counts
from recon_pipeline.lib.extract.schemas import QUARANTINE, SCHEMAS
from recon_pipeline.lib.extract.sink import write_table
from recon_pipeline.lib.sqltext import quote_literal
from recon_pipeline.lib.stream.landing import LANDING, SPECS

STREAM_FILE = "stream"


def stream_folder(out_dir: Path) -> Path:
    """The landing beside a cycle's raw folder: ``OUT/raw/<cycle>`` → ``OUT/raw/_stream``."""
    return out_dir.parent / LANDING


def _parts(folder: Path, source: str, table: str) -> str | None:
    found = sorted((folder / source / table).glob("*.parquet"))
    if not found:
        return None
    return "[" + ", ".join(quote_literal(p.as_posix()) for p in found) + "]"


def merge_stream(con: duckdb.DuckDBPyConnection, name: str, sources: Path, out_dir: Path,
                 report: ObjectReport) -> ObjectReport:
    """Merge the landed events of object ``name`` into its extracted tables (see module)."""
    spec = SPECS.get(name)
    folder = stream_folder(out_dir)
    if spec is None or not folder.is_dir():
        return report
    landed = _parts(folder, spec.source, spec.table)
    bad = _stream_quarantine(con, folder, name)
    if landed is None and bad.num_rows == 0:
        return report
    target = out_dir / spec.source / f"{spec.table}.parquet"
    columns = ", ".join(f'"{n}"' for n in SCHEMAS[(spec.source, spec.table)].names)
    read = kept = 0
    if landed is not None:
        _run(con, f"CREATE OR REPLACE TEMP TABLE s AS SELECT * FROM read_parquet({landed})")
        _run(con, f"CREATE OR REPLACE TEMP TABLE e AS SELECT * FROM read_parquet("
                    f"{quote_literal(target.as_posix())})")
        read = con.execute("SELECT count(*) FROM s").fetchall()[0][0]
        if name == "usage/events":
            merged = con.sql(f"""
                SELECT {columns} FROM e UNION ALL
                SELECT {columns} FROM s ANTI JOIN e USING (event_source, event_id)"""
            ).to_arrow_table()
            kept = merged.num_rows - con.execute("SELECT count(*) FROM e").fetchall()[0][0]
            write_table(target, merged.cast(SCHEMAS[(spec.source, spec.table)]))
        else:
            kept = _newest_wins(con, spec.source, spec.table, spec.tables[1:], folder, sources,
                                out_dir, columns)
    _add_quarantine(out_dir, name, bad)
    _quarantine_path, counts_path = part_paths(out_dir, name)
    report.files.append(FileCount(spec.source, STREAM_FILE, spec.table, read + bad.num_rows,
                                  kept, bad.num_rows, read - kept))
    write_counts(counts_path, report.files)
    return report


def _newest_wins(con: duckdb.DuckDBPyConnection, source: str, table: str,
                 children: tuple[str, ...], folder: Path, sources: Path, out_dir: Path,
                 columns: str) -> int:
    """Replace exported objects by newer event states; return the event states kept."""
    key = SCHEMAS[(source, table)].names[0]
    files = [r[0] for r in con.execute("SELECT DISTINCT _file FROM e").fetchall()]
    mtimes = pa.table({"_file": files, "_mtime_ms": [
        int((sources / f).stat().st_mtime * 1000) if (sources / f).is_file() else 0
        for f in files]})
    con.register("mtimes", mtimes)
    try:
        _run(con, f"""
            CREATE OR REPLACE TEMP TABLE w AS
            SELECT s.* FROM (SELECT * FROM s QUALIFY row_number() OVER (
                    PARTITION BY "{key}" ORDER BY _as_of DESC NULLS LAST, _event_key DESC) = 1) s
            LEFT JOIN (SELECT "{key}", max(_mtime_ms) AS at_ms
                       FROM e JOIN mtimes USING (_file) GROUP BY ALL) x USING ("{key}")
            WHERE x.at_ms IS NULL OR epoch_ms(s._as_of) > x.at_ms""")
    finally:
        con.unregister("mtimes")
    kept = con.execute("SELECT count(*) FROM w").fetchall()[0][0]
    target = out_dir / source / f"{table}.parquet"
    merged = con.sql(f"""
        SELECT {columns} FROM e ANTI JOIN w USING ("{key}")
        UNION ALL SELECT {columns} FROM w""").to_arrow_table()
    write_table(target, merged.cast(SCHEMAS[(source, table)]))
    for child in children:
        path = out_dir / source / f"{child}.parquet"
        schema = SCHEMAS[(source, child)]
        cols = ", ".join(f'c."{n}"' for n in schema.names)
        landed = _parts(folder, source, child)
        stream_rows = (f"UNION ALL SELECT {cols} FROM read_parquet({landed}) c "
                       f"JOIN w USING (_event_key)") if landed else ""
        rows = con.sql(f"""
            SELECT {cols} FROM read_parquet({quote_literal(path.as_posix())}) c
            ANTI JOIN w ON c."{key}" = w."{key}" {stream_rows}""").to_arrow_table()
        write_table(path, rows.cast(schema))
    return int(kept)


def _run(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    con.execute(sql).fetchall()


def _stream_quarantine(con: duckdb.DuckDBPyConnection, folder: Path, name: str) -> pa.Table:
    found = sorted((folder / "quarantine").glob("*.parquet"))
    if not found:
        return QUARANTINE.empty_table()
    files = "[" + ", ".join(quote_literal(p.as_posix()) for p in found) + "]"
    cols = ", ".join(QUARANTINE.names)
    return con.sql(f"SELECT {cols} FROM read_parquet({files}) WHERE object = ?",
                   params=[name]).to_arrow_table().cast(QUARANTINE)


def _add_quarantine(out_dir: Path, name: str, bad: pa.Table) -> None:
    path = part_paths(out_dir, f"{name}__stream")[0]
    if bad.num_rows:
        write_table(path, bad)
    else:
        path.unlink(missing_ok=True)
