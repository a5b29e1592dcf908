"""erp/: the general ledger and customer master from any SQLAlchemy URL, in Arrow batches.

SQLite (the default ``erp/ledger.sqlite``) and PostgreSQL are read with their ADBC drivers,
which stream Arrow record batches; any other database through SQLAlchemy with
``yield_per``. Every column is selected as text (``CAST(x AS TEXT)``, NULL as ``''``), so
SQLite's TEXT amounts (``'1234.50'``) and PostgreSQL's NUMERIC(18,3) arrive alike and are
typed exactly by the same SQL. Rows come in key order (bytewise, NULLs first, on every
database); a row's ``_line`` is its 1-based ordinal in that order and its ``_file`` is
``erp/<table>``. Rows sharing a key (a broken ledger) come in the order of their text.

A connection that drops (or cannot be made) raises :class:`ErpDisconnected`; the caller reads
the table again from scratch on a new connection, up to :class:`Retry`'s attempts
(``RECON_ERP_ATTEMPTS``, ``RECON_ERP_RETRY_DELAY``), so a partial ledger is never kept.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.engine import URL, make_url

from recon_pipeline.lib.extract.errors import SourceError
from recon_pipeline.lib.extract.tabular import Col, TextSpec
from recon_pipeline.lib.sources import default_erp_url, sqlite_file_problem

BATCH_ROWS = 250_000
_SQLITE_BATCH = "adbc.sqlite.query.batch_rows"
_HINT = "check --erp-url / RECON_ERP_URL and RECON_ERP_PASSWORD"
ENV_ATTEMPTS = "RECON_ERP_ATTEMPTS"
ENV_RETRY_DELAY = "RECON_ERP_RETRY_DELAY"


class ErpUnavailable(SourceError):
    """The ERP lost the connection on every attempt: an ERP problem, exit status 2 in ``recon``
    like an ERP that does not answer before the run."""


class ErpDisconnected(SourceError):
    """The connection to the ERP dropped mid-read, or could not be made: worth a new attempt.

    ``table`` is the table being read (None while connecting), ``reason`` the driver's first line.
    """

    def __init__(self, message: str, url: URL, table: str | None, reason: str) -> None:
        super().__init__(message)
        self.url = url
        self.table = table
        self.reason = reason

    def gave_up(self, attempts: int) -> ErpUnavailable:
        """The one-line error once ``attempts`` attempts have all lost the connection."""
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''} out of {attempts}"
        if self.table is None:
            return ErpUnavailable(f"cannot reach the ERP at {display(self.url)} ({self.reason}),"
                                  f" {tries}; {_HINT}")
        return ErpUnavailable(f"lost the connection to the ERP at {display(self.url)} reading "
                              f"table {self.table}, {tries} ({self.reason}); nothing of the "
                              f"ledger was kept; {_HINT}, or raise {ENV_ATTEMPTS}")


@dataclass(frozen=True)
class Retry:
    """How often a read that lost its connection is started again: ``attempts`` in all, the
    first wait ``delay_s`` seconds, each next one twice the last."""

    attempts: int = 3
    delay_s: float = 0.5

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return self.delay_s * 2 ** (attempt - 1)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Retry:
        """``RECON_ERP_ATTEMPTS`` (1..10, default 3) and ``RECON_ERP_RETRY_DELAY`` (seconds,
        0..60, default 0.5).

        Raises:
            SourceError: a value out of those bounds, in one line.
        """
        env = os.environ if environ is None else environ
        attempts, delay = cls.attempts, cls.delay_s
        raw = env.get(ENV_ATTEMPTS, "").strip()
        if raw:
            if not raw.isdigit() or not 1 <= int(raw) <= 10:
                raise SourceError(f"{ENV_ATTEMPTS}={raw} is not a whole number from 1 to 10")
            attempts = int(raw)
        raw = env.get(ENV_RETRY_DELAY, "").strip()
        if raw:
            try:
                delay = float(raw)
            except ValueError:
                delay = -1.0
            if not 0 <= delay <= 60:
                raise SourceError(f"{ENV_RETRY_DELAY}={raw} is not a number of seconds "
                                  "from 0 to 60")
        return cls(attempts, delay)

GL_ACCOUNTS = TextSpec("erp", "gl_accounts", (
    Col("account_code", "str", "account_code", True), Col("name", "str", "name"),
    Col("role", "str", "role")))
ERP_CUSTOMERS = TextSpec("erp", "erp_customers", (
    Col("customer_code", "str", "customer_code", True), Col("name", "str", "name"),
    Col("entity_code", "str", "entity_code"), Col("currency", "cur", "currency"),
    Col("country", "str", "country"), Col("tax_id", "str", "tax_id"),
    Col("external_ref", "str", "external_ref")))
GL_JOURNAL_LINES = TextSpec("erp", "gl_journal_lines", (
    Col("entity_code", "str", "entity_code"), Col("journal_id", "str", "journal_id", True),
    Col("line_no", "int", "line_no", True), Col("posting_date", "date", "posting_date"),
    Col("period", "period", "period", True), Col("account_code", "str", "account_code", True),
    Col("debit", "money", "debit", True), Col("credit", "money", "credit", True),
    Col("currency", "cur", "currency", True),
    Col("document_type", "str", "document_type", True),
    Col("document_ref", "str", "document_ref"), Col("customer_code", "str", "customer_code"),
    Col("reversal_of", "str", "reversal_of")))
SPECS = (GL_ACCOUNTS, ERP_CUSTOMERS, GL_JOURNAL_LINES)
KEYS = {"gl_accounts": ("account_code",), "erp_customers": ("customer_code",),
        "gl_journal_lines": ("journal_id", "line_no")}


def record_sql(spec: TextSpec) -> str:
    """SQL of a row's text for quarantine: its columns as a JSON object."""
    pairs = ", ".join(f"'{c}', \"{c}\"" for c in spec.columns)
    return f"CAST(json_object({pairs}) AS VARCHAR)"


def default_url(sources: Path) -> str:
    """The default ERP: ``SOURCES/erp/ledger.sqlite``."""
    return default_erp_url(sources)


def display(url: URL) -> str:
    """The URL with its password masked, for messages."""
    return url.render_as_string(hide_password=True)


@contextmanager
def connect(url: str | URL) -> Iterator[Any]:
    """A DB-API connection to the ERP (ADBC for SQLite and PostgreSQL, else SQLAlchemy).

    Raises:
        SourceError: the URL is malformed, the SQLite file is missing or the server does not
            answer.
    """
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    try:
        if backend == "sqlite":
            import adbc_driver_sqlite.dbapi as sqlite

            database = parsed.database or ""
            if not database or not Path(database).is_file():
                raise SourceError(f"no ERP database at {database or '(none)'}: put "
                                  f"ledger.sqlite there, or {_HINT}")
            problem = sqlite_file_problem(Path(database))
            if problem:
                raise SourceError(f"the ERP database {database} {problem}: replace it with "
                                  f"the ERP's ledger.sqlite, or {_HINT}")
            conn: Any = sqlite.connect(f"{Path(database).resolve().as_uri()}?mode=ro")
        elif backend == "postgresql":
            import adbc_driver_postgresql.dbapi as postgresql

            libpq = parsed.set(drivername="postgresql")
            conn = postgresql.connect(libpq.render_as_string(hide_password=False))
        else:
            from sqlalchemy import create_engine

            conn = create_engine(parsed).connect()
    except SourceError:
        raise
    except Exception as exc:  # drivers raise their own types; each means "cannot connect"
        message = f"cannot reach the ERP at {display(parsed)} ({_first_line(exc)}); {_HINT}"
        if backend != "sqlite" and is_disconnect(exc):  # a local file has no link to drop
            raise ErpDisconnected(message, parsed, None, _first_line(exc)) from None
        raise SourceError(message) from None
    try:
        yield conn
    finally:
        with contextlib.suppress(Exception):  # a dropped connection may not close cleanly
            conn.close()


def read_table(conn: Any, url: str | URL, spec: TextSpec, batch_rows: int = BATCH_ROWS
               ) -> Iterator[pa.Table]:
    """Batches of an ERP table as text columns plus ``_line``, in key order.

    Raises:
        SourceError: the table is missing or cannot be read.
    """
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    # PostgreSQL sorts like SQLite: bytewise, NULLs first; so both give the same _line.
    collate = ' COLLATE "C" NULLS FIRST' if backend == "postgresql" else ""
    nulls = " NULLS FIRST" if backend == "postgresql" else ""
    columns = spec.columns
    # Key order only: the ledger's unique index serves it, with no sort of the whole table.
    # Table-qualified: a bare name would mean the text alias below, which no index serves.
    order = ", ".join(f"{spec.table}.{k}{collate if k != 'line_no' else nulls}"
                      for k in KEYS[spec.table])
    # Rows sharing a key (a ledger without its unique index) then by their text, so _line,
    # which decides the copy dbt keeps (macro raw_table), is the same on every database.
    rest = [c for c in columns if c not in KEYS[spec.table]]
    order += "".join(f", COALESCE(CAST({spec.table}.{c} AS TEXT), ''){collate}" for c in rest)
    # COALESCE: ADBC's SQLite driver types a column by its first rows; an all-NULL start
    # would make it an integer column. An empty cell reads as absent anyway.
    select = ", ".join(f"COALESCE(CAST({c} AS TEXT), '') AS {c}" for c in columns)
    query = f"SELECT {select} FROM {spec.table} ORDER BY {order}"
    line = 0
    try:
        for batch in _batches(conn, backend, query, columns, batch_rows):
            table = _utf8_checked(pa.table({c: batch.column(c).cast(pa.string())
                                            for c in columns}))
            ones = pa.nulls(table.num_rows, pa.int64()).fill_null(1)
            lines = pc.add(pc.cumulative_sum(ones), line)
            line += table.num_rows
            yield table.append_column("_line", lines)
    except SourceError:
        raise
    except Exception as exc:  # a missing table or column, a dropped connection
        message = (f"cannot read table {spec.table} of the ERP at {display(parsed)} "
                   f"({_first_line(exc)}); {_HINT}")
        if backend != "sqlite" and is_disconnect(exc):  # a local file has no link to drop
            raise ErpDisconnected(message, parsed, spec.table, _first_line(exc)) from None
        raise SourceError(message) from None


def _utf8_checked(table: pa.Table) -> pa.Table:
    """``table``, its cells that are not UTF-8 replaced, and why in a column ``_invalid``.

    SQLite hands ``CAST(x AS TEXT)`` of a BLOB, or of TEXT some tool wrote unchecked, over as
    it is, and such a string stopped DuckDB with a fatal error (found by test_erp_fuzz, issue
    13). Such a cell is decoded with U+FFFD for the quarantine record and its row quarantined
    as "invalid UTF-8 in <column>"; a table without one is returned as it is.
    """
    reasons: dict[int, str] = {}
    columns: dict[str, pa.ChunkedArray | pa.Array] = {}
    for name in table.column_names:
        column = table.column(name)
        try:
            column.validate(full=True)
        except pa.ArrowInvalid:
            raw = column.cast(pa.binary()).to_pylist()
            fixed = []
            for index, value in enumerate(raw):
                try:
                    fixed.append(None if value is None else value.decode())
                except UnicodeDecodeError:
                    fixed.append(value.decode(errors="replace"))
                    reasons.setdefault(index, f"invalid UTF-8 in {name}")
            columns[name] = pa.array(fixed, pa.string())
        else:
            columns[name] = column
    if not reasons:
        return table
    invalid = pa.array([reasons.get(i) for i in range(table.num_rows)], pa.string())
    return pa.table({**columns, "_invalid": invalid})


def is_disconnect(exc: BaseException) -> bool:
    """Whether ``exc`` means the connection failed (worth a new attempt), not the query.

    SQLAlchemy: an ``OperationalError`` or an invalidated connection; ADBC: its
    ``OperationalError``, or an I/O error from the Arrow stream (libpq's "server closed the
    connection unexpectedly" while copying rows).
    """
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, OperationalError):
        return True
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated)
    import adbc_driver_postgresql.dbapi as postgresql  # its errors are ADBC's, of every driver

    return isinstance(exc, (postgresql.OperationalError, OSError))


def _batches(conn: Any, backend: str, query: str, columns: list[str], batch_rows: int
             ) -> Iterator[pa.RecordBatch]:
    if backend in ("sqlite", "postgresql"):
        cursor = conn.cursor()
        if backend == "sqlite":
            cursor.adbc_statement.set_options(**{_SQLITE_BATCH: str(batch_rows)})
        try:
            cursor.execute(query)
            yield from cursor.fetch_record_batch()
        finally:
            cursor.close()
        return
    from sqlalchemy import text

    result = conn.execution_options(yield_per=batch_rows).execute(text(query))
    for rows in result.partitions(batch_rows):
        cells = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
        yield pa.RecordBatch.from_arrays([pa.array(c, pa.string()) for c in cells],
                                         names=columns)


def _parse(url: str | URL) -> URL:
    if isinstance(url, URL):
        return url
    try:
        return make_url(url)
    except Exception:
        raise SourceError("the ERP URL is not a SQLAlchemy URL: write it like "
                          "postgresql+psycopg://user@host:5432/db or "
                          "sqlite:////abs/path/ledger.sqlite") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
