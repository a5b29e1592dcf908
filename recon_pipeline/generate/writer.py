"""Streaming, deterministic writers: JSON Lines (plain or gzip), CSV and the SQLite ledger."""

from __future__ import annotations

import gzip
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import orjson

from recon_pipeline.generate.catalog import ACCOUNT, GL_ACCOUNTS
from recon_pipeline.generate.model import Journal
from recon_pipeline.lib.cycles import day_of
from recon_pipeline.lib.money import exponent, format_major
from recon_pipeline.lib.reports import csvsafe


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        text = f"{value:f}"
        return orjson.Fragment(text.encode())
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(obj: Any) -> bytes:
    """One JSON line; decimals are written as exact JSON numbers."""
    return orjson.dumps(obj, default=_default)


class JsonLines:
    """A JSON Lines file written line by line, gzip-compressed when its name ends in .gz."""

    def __init__(self, root: Path, relative: str) -> None:
        self.relative = relative
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        self._raw: IO[bytes] = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._out: IO[bytes] | gzip.GzipFile = self._raw
        if relative.endswith(".gz"):
            self._out = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0,
                                      compresslevel=3)
        self._buffer: list[bytes] = []
        self.lines = 0
        self.objects = 0
        self.bytes = 0

    def write(self, obj: Any) -> int:
        """Append one object; returns its 1-based line number."""
        return self.raw(dumps(obj), objects=1)

    def page(self, objs: list[Any], url: str) -> int:
        """Append a Stripe list page holding ``objs`` as one line."""
        page = {"object": "list", "data": objs, "has_more": False, "url": url}
        return self.raw(dumps(page), objects=len(objs))

    def raw(self, line: bytes, objects: int = 1) -> int:
        """Append a line as given (used for malformed rows too)."""
        self._buffer.append(line + b"\n")
        self.lines += 1
        self.objects += objects
        self.bytes += len(line) + 1
        if len(self._buffer) >= 2048:
            self.flush()
        return self.lines

    def flush(self) -> None:
        """Write the buffered lines out."""
        self._out.write(b"".join(self._buffer))
        self._buffer.clear()

    def close(self) -> None:
        """Flush and close."""
        self.flush()
        if self._out is not self._raw:
            self._out.close()
        self._raw.close()


class CsvFile:
    """A UTF-8 CSV file with a header, written row by row."""

    def __init__(self, root: Path, relative: str, header: list[str]) -> None:
        self.relative = relative
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self._csv = csvsafe.writer(self._file)
        self._csv.writerow(header)
        self.lines = 1
        self.rows = 0

    def write(self, row: list[str]) -> int:
        """Append a row; returns its 1-based line number in the file (header is line 1)."""
        self._csv.writerow(row)
        self.lines += 1
        self.rows += 1
        return self.lines

    def raw(self, text: str) -> int:
        """Append a line as given (used for malformed rows)."""
        self._file.write(text + "\n")
        self.lines += 1
        self.rows += 1
        return self.lines

    def close(self) -> None:
        """Close the file."""
        self._file.close()


class Ledger:
    """The ERP's SQLite database: accounts, customer master and journal lines."""

    def __init__(self, path: Path, entities: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.unlink()
        self.db = sqlite3.connect(path)
        self.db.executescript("""
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE TABLE gl_accounts (account_code TEXT NOT NULL, name TEXT NOT NULL,
                role TEXT NOT NULL);
            CREATE TABLE erp_customers (customer_code TEXT NOT NULL, name TEXT,
                entity_code TEXT, currency TEXT, country TEXT, tax_id TEXT, external_ref TEXT);
            CREATE TABLE gl_journal_lines (entity_code TEXT NOT NULL, journal_id TEXT NOT NULL,
                line_no INTEGER NOT NULL, posting_date TEXT NOT NULL, period TEXT NOT NULL,
                account_code TEXT NOT NULL, debit TEXT NOT NULL, credit TEXT NOT NULL,
                currency TEXT NOT NULL, document_type TEXT NOT NULL, document_ref TEXT,
                customer_code TEXT, reversal_of TEXT);
        """)
        self.db.executemany("INSERT INTO gl_accounts VALUES (?, ?, ?)",
                            [(code, name, role) for code, role, name in GL_ACCOUNTS])
        self._lines: list[tuple[Any, ...]] = []
        self.journal_lines = 0
        self.customers = 0

    def customer(self, row: dict[str, str | None]) -> None:
        """Add a customer master record."""
        self.db.execute("INSERT INTO erp_customers VALUES (?, ?, ?, ?, ?, ?, ?)", (
            row["customer_code"], row["name"], row["entity_code"], row["currency"],
            row["country"], row["tax_id"], row["external_ref"]))
        self.customers += 1

    def journal(self, j: Journal) -> None:
        """Add a journal's lines."""
        date = day_of(j.posting_date).isoformat()
        for no, (role, debit, credit) in enumerate(j.lines, start=1):
            self._lines.append((
                j.entity, j.id, no, date, j.period, ACCOUNT[role],
                format_major(debit, j.currency, exponent(j.currency)),
                format_major(credit, j.currency, exponent(j.currency)),
                j.currency.upper(), j.doc_type, j.doc_ref, j.customer_code, j.reversal_of))
        if len(self._lines) >= 50_000:
            self.flush()

    def flush(self) -> None:
        """Insert the buffered journal lines."""
        self.db.executemany(
            "INSERT INTO gl_journal_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self._lines)
        self.journal_lines += len(self._lines)
        self._lines.clear()

    def close(self) -> None:
        """Index, commit and close."""
        self.flush()
        self.db.execute("CREATE UNIQUE INDEX gl_journal_lines_pk "
                        "ON gl_journal_lines (journal_id, line_no)")
        self.db.commit()
        self.db.close()
