"""Extraction of one source object (one export file kind or ERP table) into its tables."""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlalchemy.engine import URL

from recon_pipeline.lib.extract import billing, erp, payments, tail, usage
from recon_pipeline.lib.extract.codeversion import code_digest
from recon_pipeline.lib.extract.errors import SourceError
from recon_pipeline.lib.extract.jsonl import JsonReader, file_quarantine, read_file
from recon_pipeline.lib.extract.lines import CHUNK_BYTES, Position
from recon_pipeline.lib.extract.report import FileCount, ObjectReport, part_paths, write_counts
from recon_pipeline.lib.extract.schemas import QUARANTINE, SCHEMAS
from recon_pipeline.lib.extract.sink import ParquetSink
from recon_pipeline.lib.extract.spec import Spec
from recon_pipeline.lib.extract.tabular import (
    Col,
    TextSpec,
    check_batch,
    csv_quarantine,
    iter_csv,
)
from recon_pipeline.lib.source_files import refusal
from recon_pipeline.lib.sources import ERP_FILE

CSV_FILES = {
    "crm/accounts": (TextSpec("crm", "accounts", (
        Col("account_id", "str", "account_id", True), Col("name", "str", "name"),
        Col("country", "str", "country"), Col("currency", "cur", "currency"),
        Col("legal_entity", "str", "legal_entity"),
        Col("billing_customer_id", "str", "billing_customer_id"),
        Col("erp_customer_code", "str", "erp_customer_code"), Col("tax_id", "str", "tax_id"),
        Col("status", "str", "status"))), "crm/accounts.csv"),
    "reference/legal_entities": (TextSpec("reference", "legal_entities", (
        Col("entity_code", "str", "entity_code", True), Col("name", "str", "name"),
        Col("functional_currency", "cur", "functional_currency"),
        Col("country", "str", "country"))), "reference/legal_entities.csv"),
    "reference/fx_rates": (TextSpec("reference", "fx_rates", (
        Col("rate_date", "date", "date", True), Col("currency", "cur", "currency", True),
        Col("rate_to_reporting", "dec", "rate_to_reporting", True))), "reference/fx_rates.csv"),
}
JSON_SPECS: dict[str, Spec] = {f"{s.source}/{s.table}": s
                               for s in (*billing.SPECS, *payments.SPECS)}
ERP_SPECS = {f"erp/{s.table}": s for s in erp.SPECS}
_log = logging.getLogger(__name__)
#: Every source object, in extraction order.
OBJECTS = (*JSON_SPECS, "usage/events", *ERP_SPECS, *CSV_FILES)


@dataclass(frozen=True)
class Options:
    """How hard to work: bytes per chunk, chunks in flight; ``fast``: JSON lines through the
    fast columnar pass where the spec has one (lib/extract/fastjson.py), else every line
    record by record (the same outputs, slower: kept to compare the two)."""

    chunk_bytes: int = CHUNK_BYTES
    workers: int = 2
    fast: bool = True


def json_files(sources: Path, spec: Spec) -> list[tuple[Path, str]]:
    """The files of a Stripe export: ``<stem>.jsonl`` and/or ``<stem>.jsonl.gz`` (anything by
    that name: a link or a FIFO is refused when read, see lib/source_files.py)."""
    found = [(sources / f"{stem}{ext}", f"{stem}{ext}") for stem in spec.stems
             for ext in (".jsonl", ".jsonl.gz") if os.path.lexists(sources / f"{stem}{ext}")]
    if not found and not spec.optional:
        stem = spec.stems[0]
        raise SourceError(f"{sources / stem}.jsonl (or .jsonl.gz) is missing: the "
                          f"{spec.source} export must include it (see docs/sources.md)")
    return found


def extract_json(con: duckdb.DuckDBPyConnection, name: str, files: list[tuple[Path, str]],
                 out_dir: Path, options: Options, staged: bool = False, *,
                 sources: Path, prior: tail.Prior | None = None,
                 read_to: dict[str, Position] | None = None) -> ObjectReport:
    """Read JSON Lines ``files`` with the spec ``name``; write its tables and parts.

    A file :func:`refusal` refuses is not read: one quarantine row stands for it. With
    ``read_to`` (a spec without child tables), every file read is fingerprinted there, and a
    file that only grew since ``prior`` read it is read from where that stopped, its earlier
    rows and quarantine copied from ``prior`` (lib/extract/tail.py)."""
    spec = JSON_SPECS.get(name, usage.EVENTS)
    if read_to is not None and spec.children:
        raise ValueError(f"{name}: reading on from a prefix needs a spec without child tables")
    report = ObjectReport(name, spec.table)
    reader = JsonReader(spec, use_fast=options.fast)
    quarantine_path, counts_path = part_paths(out_dir, name)
    earlier_zone = tail.Earlier(prior) if prior is not None and read_to is not None else None
    with ExitStack() as stack:
        sinks = {t: stack.enter_context(ParquetSink(_target(out_dir, spec.source, t, staged),
                                                    SCHEMAS[(spec.source, t)]))
                 for t in spec.tables}
        bad = stack.enter_context(ParquetSink(quarantine_path, QUARANTINE))
        for path, rel in files:
            reason = refusal(sources, path)
            if reason:
                bad.write(file_quarantine(spec.source, rel, reason))
                report.files.append(FileCount(spec.source, rel, spec.table, 0, 0, 0))
                continue
            loaded = dict.fromkeys(spec.tables, 0)
            read = quarantined = 0
            position = None
            if read_to is not None:
                position = tail.resume(prior, path, rel) or tail.fresh(path, rel)
                read_to[rel] = position
                if position.offset and earlier_zone is not None:
                    lines = position.first_line - 1
                    for rows in earlier_zone.rows(rel, lines):
                        sinks[spec.table].write(rows)
                        loaded[spec.table] += rows.num_rows
                    earlier = earlier_zone.quarantine(rel, lines)
                    bad.write(earlier)
                    quarantined += earlier.num_rows
                    read += loaded[spec.table] + earlier.num_rows
            unchanged = position is not None and position.whole
            for res in () if unchanged else read_file(
                    reader, con, path, rel, options.chunk_bytes, options.workers, position):
                for table, rows in res.tables.items():
                    sinks[table].write(rows)
                    loaded[table] += rows.num_rows
                bad.write(res.quarantine)
                read += res.rows_read
                quarantined += res.rows_quarantined
            report.files.append(FileCount(spec.source, rel, spec.table, read,
                                          loaded[spec.table], quarantined))
            report.files += [FileCount(spec.source, rel, t, loaded[t], loaded[t], 0)
                             for t in spec.tables[1:]]
        report.tables = {t: s.rows for t, s in sinks.items()}
    if not staged:
        write_counts(counts_path, report.files)
    return report


def _target(out_dir: Path, source: str, table: str, staged: bool) -> Path:
    name = f".{table}.staged.parquet" if staged else f"{table}.parquet"
    return out_dir / source / name


def extract_usage(con: duckdb.DuckDBPyConnection, sources: Path, out_dir: Path,
                  options: Options) -> ObjectReport:
    """Every usage file, redeliveries loaded once."""
    name, code = "usage/events", code_digest()
    read_to: dict[str, Position] = {}
    prior = tail.find_prior(out_dir, name, code)
    try:
        report = extract_json(con, name, usage.usage_files(sources), out_dir, options,
                              staged=True, sources=sources, prior=prior, read_to=read_to)
    finally:
        if prior is not None:
            prior.close()
    staged = _target(out_dir, "usage", "events", True)
    try:
        redelivered = usage.deduplicate(con, staged, out_dir / "usage" / "events.parquet",
                                        SCHEMAS[("usage", "events")])
        # Kept for the next run, which reads on from where this one stopped (tail.py).
        tail.record(out_dir, name, code, read_to, tail.keep(out_dir, name, staged))
    finally:
        staged.unlink(missing_ok=True)
    report.files = [FileCount(f.source, f.file, f.table, f.rows_read,
                              f.rows_loaded - redelivered.get(f.file, 0), f.rows_quarantined,
                              redelivered.get(f.file, 0)) for f in report.files]
    report.tables = {"events": sum(f.rows_loaded for f in report.files)}
    write_counts(part_paths(out_dir, "usage/events")[1], report.files)
    return report


def extract_csv(con: duckdb.DuckDBPyConnection, name: str, sources: Path, out_dir: Path
                ) -> ObjectReport:
    """A CSV file of crm/ or reference/."""
    spec, rel = CSV_FILES[name]
    path = sources / rel
    if not os.path.lexists(path):
        raise SourceError(f"{path} is missing: the {spec.source} export must include it "
                          "(see docs/sources.md)")
    reason = refusal(sources, path)
    if reason:
        return _refused_object(name, spec, rel, out_dir, reason)
    # Rows of several lines are checked by the reader, a group at a time, before their batch is
    # handed on: a malformed one gives up only its first line (docs/sources.md). They are
    # checked on their own cursor: the batches are checked on ``con`` in another thread.
    checker = con.cursor()

    def check(rows: pa.Table) -> dict[int, str]:
        bad = check_batch(checker, spec, rows, rel, "record")[1]
        return dict(zip(bad.column("line").to_pylist(), bad.column("reason").to_pylist(),
                        strict=True))

    try:
        return _text_object(con, name, spec, rel, out_dir, (
            (b.rows, csv_quarantine(spec.source, rel, b.bad)) for b in iter_csv(
                path, rel, spec.columns, check=check)), "record")
    finally:
        checker.close()


def _refused_object(name: str, spec: TextSpec, rel: str, out_dir: Path, reason: str
                    ) -> ObjectReport:
    """The outputs of an object whose one file is refused: no rows, its quarantine row."""
    report = ObjectReport(name, spec.table)
    quarantine_path, counts_path = part_paths(out_dir, name)
    with ParquetSink(out_dir / spec.source / f"{spec.table}.parquet",
                     SCHEMAS[(spec.source, spec.table)]), \
            ParquetSink(quarantine_path, QUARANTINE) as bad:
        bad.write(file_quarantine(spec.source, rel, reason))
    report.tables = {spec.table: 0}
    report.files = [FileCount(spec.source, rel, spec.table, 0, 0, 0)]
    write_counts(counts_path, report.files)
    return report


def extract_erp(con: duckdb.DuckDBPyConnection, name: str, url: str | URL, out_dir: Path,
                retry: erp.Retry | None = None) -> ObjectReport:
    """One ERP table, read again from scratch on a new connection when the connection drops
    (``retry``, by default from the environment); the outputs of a failed attempt are dropped
    unwritten (the sinks are atomic), so a partial table is never kept.

    Raises:
        SourceError: the ERP cannot be read, or lost the connection on every attempt.
    """
    spec = ERP_SPECS[name]
    retry = retry or erp.Retry.from_env()
    for attempt in range(1, retry.attempts + 1):
        try:
            with erp.connect(url) as conn:
                batches = ((b, None) for b in erp.read_table(conn, url, spec))
                return _text_object(con, name, spec, f"erp/{spec.table}", out_dir, batches,
                                    erp.record_sql(spec))
        except erp.ErpDisconnected as exc:
            if attempt == retry.attempts:
                raise exc.gave_up(attempt) from None
            _log.warning("%s; attempt %d of %d, next in %.2g s", exc, attempt,
                         retry.attempts, retry.delay(attempt))
            time.sleep(retry.delay(attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def _text_object(con: duckdb.DuckDBPyConnection, name: str, spec: TextSpec, rel: str,
                 out_dir: Path, batches: Iterator[tuple[pa.Table, pa.Table | None]],
                 record: str) -> ObjectReport:
    """Check and write batches of text rows; a batch is checked while the next one is read."""
    report = ObjectReport(name, spec.table)
    quarantine_path, counts_path = part_paths(out_dir, name)
    read = quarantined = 0
    with ParquetSink(out_dir / spec.source / f"{spec.table}.parquet",
                     SCHEMAS[(spec.source, spec.table)]) as sink, \
            ParquetSink(quarantine_path, QUARANTINE) as bad, \
            ThreadPoolExecutor(1, thread_name_prefix="check") as pool:
        pending: list[tuple[Future[tuple[pa.Table, pa.Table]], pa.Table | None]] = []
        for rows, early in _with_end(batches):
            if rows is not None:
                pending.append((pool.submit(check_batch, con, spec, rows, rel, record), early))
                read += rows.num_rows + (early.num_rows if early is not None else 0)
            while pending and (rows is None or len(pending) > 1):
                future, first = pending.pop(0)
                loaded, rejected = future.result()
                if first is not None:
                    rejected = pa.concat_tables([rejected, first]).sort_by("line")
                sink.write(loaded)
                bad.write(rejected)
                quarantined += rejected.num_rows
        report.tables = {spec.table: sink.rows}
    report.files = [FileCount(spec.source, rel, spec.table, read, report.tables[spec.table],
                              quarantined)]
    write_counts(counts_path, report.files)
    return report


def _with_end(batches: Iterator[tuple[pa.Table, pa.Table | None]]
              ) -> Iterator[tuple[pa.Table | None, pa.Table | None]]:
    yield from batches
    yield None, None


def run_object(con: duckdb.DuckDBPyConnection, name: str, sources: Path, out_dir: Path,
               erp_url: str | URL | None, options: Options) -> ObjectReport:
    """Extract the object ``name`` (one of :data:`OBJECTS`)."""
    started = time.perf_counter()
    if name in JSON_SPECS:
        files = json_files(sources, JSON_SPECS[name])
        report = extract_json(con, name, files, out_dir, options, sources=sources)
    elif name == "usage/events":
        report = extract_usage(con, sources, out_dir, options)
    elif name in ERP_SPECS:
        report = extract_erp(con, name, erp_url or _default_erp(sources), out_dir)
    elif name in CSV_FILES:
        report = extract_csv(con, name, sources, out_dir)
    else:
        raise ValueError(f"unknown source object {name!r}; known: {', '.join(OBJECTS)}")
    if name in JSON_SPECS or name == "usage/events":
        from recon_pipeline.lib.stream.merge import merge_stream

        report = merge_stream(con, name, sources, out_dir, report)
    report.seconds = time.perf_counter() - started
    return report


def _default_erp(sources: Path) -> str:
    """The ERP file of the sources directory, refused (one line) when it is not a regular
    file inside it: a database cannot be quarantined row by row."""
    path = sources / ERP_FILE
    reason = refusal(sources, path) if os.path.lexists(path) else None
    if reason:
        raise SourceError(f"{path} {reason}; replace it with the ERP's SQLite file")
    return erp.default_url(sources)


def clean_temp(path: Path) -> None:
    """Remove DuckDB's spill directory."""
    shutil.rmtree(path, ignore_errors=True)
