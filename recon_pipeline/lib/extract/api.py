"""Public entry points: extract a whole sources directory, or one source object of it."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy.engine import URL

from recon_pipeline.lib.extract import reuse, sqlkit
from recon_pipeline.lib.extract.errors import SourceError
from recon_pipeline.lib.extract.lines import CHUNK_BYTES
from recon_pipeline.lib.extract.objects import OBJECTS, Options, clean_temp, run_object
from recon_pipeline.lib.extract.report import ExtractReport, ObjectReport, combine
from recon_pipeline.lib.sources import sources_dir_problem

#: The raw zone's folder of extraction spill files (DuckDB temp files): never published.
SPILL = "_tmp"


def check_sources(sources: Path) -> None:
    """Raise :class:`SourceError` unless ``sources`` is a sources directory (docs/sources.md)."""
    problem = sources_dir_problem(sources)
    if problem:
        raise SourceError(problem)


def extract_object(sources: Path, name: str, out_dir: Path, *,
                   erp_url: str | URL | None = None, chunk_bytes: int = CHUNK_BYTES,
                   workers: int = 2, memory_limit: str | None = None, fast: bool = True
                   ) -> ObjectReport:
    """Extract one source object (e.g. ``"billing/invoices"``, see ``OBJECTS``).

    Writes ``<out_dir>/<source>/<table>.parquet`` for each of its tables (invoices also
    writes ``invoice_lines``, subscriptions ``subscription_items`` and
    ``subscription_discounts``), and its quarantine rows and file counts under
    ``<out_dir>/_parts/``; :func:`combine_parts` gathers those. When its input files are the
    ones an earlier extraction into a raw zone beside ``out_dir`` read (same stat, same code),
    that extraction's outputs are linked instead of reading them again (``reuse``).

    Raises:
        SourceError: the sources directory, a required file or the ERP cannot be read.
    """
    check_sources(sources)
    if name not in OBJECTS:
        raise ValueError(f"unknown source object {name!r}; known: {', '.join(OBJECTS)}")
    started = time.perf_counter()
    inputs = reuse.stamp(sources, name, erp_url, out_dir)  # before reading: a later write
    # reads again
    if inputs is not None:
        reused = reuse.reuse(out_dir, name, inputs)
        if reused is not None:
            reused.seconds = time.perf_counter() - started
            return reused
    # Own spill folder with a unique name: objects, and runs sharing out_dir, may run at once.
    (out_dir / SPILL).mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=name.replace("/", "__") + ".", dir=out_dir / SPILL))
    con = sqlkit.connect(temp, memory_limit)
    try:
        report = run_object(con, name, sources, out_dir, erp_url,
                            Options(chunk_bytes, workers, fast))
    finally:
        con.close()
        clean_temp(temp)
    if inputs is not None:
        reuse.record(out_dir, inputs, report)
    return report


def extract_sources(sources: Path, erp_url: str | URL | None, out_dir: Path, *,
                    objects: Iterable[str] = OBJECTS, chunk_bytes: int = CHUNK_BYTES,
                    workers: int = 2, memory_limit: str | None = None) -> ExtractReport:
    """Extract every source object of ``sources`` (the ERP from ``erp_url``, by default
    ``SOURCES/erp/ledger.sqlite``) into ``out_dir``, then write ``quarantine.parquet`` and
    ``file_counts.parquet`` there.

    Raises:
        SourceError: the sources directory, a required file or the ERP cannot be read.
    """
    reports = [extract_object(sources, name, out_dir, erp_url=erp_url,
                              chunk_bytes=chunk_bytes, workers=workers,
                              memory_limit=memory_limit) for name in objects]
    combine_parts(out_dir)
    return ExtractReport(out_dir, reports)


def combine_parts(out_dir: Path) -> tuple[Path, Path]:
    """Gather the objects' parts into ``quarantine.parquet`` and ``file_counts.parquet``."""
    return combine(out_dir)
