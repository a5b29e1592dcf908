"""Land a CSV export unchanged, every column a string, as a Parquet file of the raw zone.

Dagster-free. Typing is the dbt staging models' job; landing only checks the header.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl


class LandingError(ValueError):
    """A source file cannot be landed; the message says which and why."""


def land_csv(source: Path, target: Path, columns: Sequence[str]) -> pl.DataFrame:
    """Write ``columns`` of the UTF-8 CSV ``source`` to ``target`` (Parquet, atomically).

    Columns beyond ``columns`` are dropped (sources.md: unnamed fields are ignored).
    """
    if not source.is_file():
        raise LandingError(f"{source} not found: the sources directory must have it")
    try:
        frame = pl.read_csv(source, infer_schema=False, encoding="utf8")
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as exc:
        raise LandingError(f"{source} is not a readable UTF-8 CSV: {exc}") from exc
    frame = frame.rename({name: name.lstrip("\ufeff").strip() for name in frame.columns})
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise LandingError(f"{source} lacks the columns {', '.join(missing)}")
    frame = frame.select(columns)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    frame.write_parquet(tmp)
    tmp.replace(target)
    return frame


def preview_markdown(frame: pl.DataFrame, rows: int = 5) -> str:
    """The first ``rows`` rows as a Markdown table."""
    head = frame.head(rows)
    lines = ["| " + " | ".join(head.columns) + " |", "|" + "---|" * len(head.columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in head.iter_rows()]
    return "\n".join(lines)
