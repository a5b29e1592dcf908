"""Any table of a cycle's outputs as a Polars DataFrame: ``recon_pipeline.load_table``.

For notebooks and ad-hoc analysis of one cycle under an output directory OUT::

    import recon_pipeline
    invoices = recon_pipeline.load_table("data/demo/out", "2026-09", "billing/invoices")
    findings = recon_pipeline.load_table("data/demo/out", "2026-09", "mismatches")

Names: a raw-zone table ``<system>/<table>`` (or ``raw/<system>/<table>``; lib/sources.py
lists them), ``quarantine`` and ``file_counts`` of the raw zone, and ``mismatches``, the
cycle's findings as reported (``provisional=True``: the latest provisional run's). Money stays
exact: Stripe amounts are integers in minor units, the rest Polars Decimals.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from recon_pipeline.lib.sources import RAW_TABLES

if TYPE_CHECKING:
    import polars as pl

#: Files of the raw zone of a cycle besides its tables.
RAW_FILES = ("quarantine", "file_counts")
#: Parquet files of a cycle's report folder.
REPORT_TABLES = ("mismatches",)


def table_names() -> list[str]:
    """Every name :func:`load_table` accepts (the ``raw/`` spellings aside)."""
    return [f"{s}/{t}" for s, t in RAW_TABLES] + [*RAW_FILES, *REPORT_TABLES]


def table_path(out: str | Path, cycle: str, table: str, *, provisional: bool = False) -> Path:
    """Where ``table`` of ``cycle`` lies under ``out``; ValueError for an unknown name."""
    from recon_pipeline.lib.reports.write import report_folder

    out = Path(out)
    name = table.removeprefix("raw/")
    if tuple(name.split("/")) in RAW_TABLES:
        return out / "raw" / cycle / f"{name}.parquet"
    if name in RAW_FILES:
        return out / "raw" / cycle / f"{name}.parquet"
    if name in REPORT_TABLES:
        return report_folder(out, cycle, provisional) / f"{name}.parquet"
    raise ValueError(f"unknown table {table!r}; known: {', '.join(table_names())}")


def load_table(
    out: str | Path, cycle: str, table: str, *, provisional: bool = False
) -> pl.DataFrame:
    """``table`` of ``cycle`` under the output directory ``out``, as a Polars DataFrame.

    Raises ValueError for an unknown table name and FileNotFoundError (saying which run
    writes it) when the cycle has not produced it.
    """
    import polars as pl

    path = table_path(out, cycle, table, provisional=provisional)
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: run the cycle first (recon run --cycle "
                                f"{cycle} --out {out})")
    return pl.read_parquet(path)
