"""Tabular sources: the ERP ledger (SQLite) and the CRM and reference CSV files."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.oracle.common import parse_cycle
from tests.oracle.fields import (
    BAD_TIME,
    BAD_VALUE,
    INVALID_UTF8,
    MISSING_FIELD,
    UNREADABLE_FILE,
    WRONG_COLUMN_COUNT,
    WRONG_TYPE,
    RowError,
    currency_code,
    decimal_text,
)
from tests.oracle.model import (
    CrmAccount,
    ErpCustomer,
    FxRate,
    JournalLine,
    Skipped,
    Sources,
)

LEDGER = "erp/ledger.sqlite"
Row = Mapping[str, Any]

# ---------------------------------------------------------------- cell helpers


def text(row: Row, column: str) -> str | None:
    """Optional text cell: empty or null is None; numbers are taken as their digits."""
    value = row.get(column)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RowError(WRONG_TYPE, f"{column} is not text")
    value = str(value).strip()
    return value or None


def req_text(row: Row, column: str) -> str:
    """Required text cell."""
    value = text(row, column)
    if value is None:
        raise RowError(MISSING_FIELD, column)
    return value


def money(row: Row, column: str) -> Decimal:
    """A decimal amount: TEXT (SQLite), or a number (other engines), never a lossy float."""
    value = row.get(column)
    if value is None:
        raise RowError(MISSING_FIELD, column)
    if isinstance(value, str):
        return decimal_text(value, column)
    if isinstance(value, bool):
        raise RowError(WRONG_TYPE, f"{column} is not a decimal")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return decimal_text(repr(value), column)  # NUMERIC read back as REAL: its shortest repr
    raise RowError(WRONG_TYPE, f"{column} is not a decimal")


def opt_currency(row: Row, column: str) -> str | None:
    """Optional currency cell, upper-cased; unknown codes cannot be read."""
    value = text(row, column)
    return None if value is None else currency_code(value, column)


# ---------------------------------------------------------------- ERP ledger


def _parse_journal_line(row: Row) -> JournalLine:
    period = req_text(row, "period")
    try:
        parse_cycle(period)
    except ValueError:
        raise RowError(BAD_VALUE, f"period {period!r}") from None
    return JournalLine(
        entity_code=text(row, "entity_code"),
        journal_id=req_text(row, "journal_id"),
        period=period,
        account_code=req_text(row, "account_code"),
        debit=money(row, "debit"),
        credit=money(row, "credit"),
        currency=currency_code(req_text(row, "currency"), "currency"),
        document_type=req_text(row, "document_type").upper(),
        document_ref=text(row, "document_ref"),
        reversal_of=text(row, "reversal_of"),
    )


def _parse_erp_customer(row: Row) -> ErpCustomer:
    return ErpCustomer(
        customer_code=req_text(row, "customer_code"),
        name=text(row, "name"),
        entity_code=text(row, "entity_code"),
        currency=opt_currency(row, "currency"),
        country=text(row, "country"),
        tax_id=text(row, "tax_id"),
        external_ref=text(row, "external_ref"),
    )


def _table_rows(con: sqlite3.Connection, table: str) -> Iterator[tuple[int, Row]]:
    """(1-based ordinal in rowid order, row as a dict) of a table; nothing when it is absent."""
    exists = con.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    if not exists:
        return
    cursor = con.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
    names = [d[0] for d in cursor.description]
    for number, values in enumerate(cursor, 1):
        yield number, dict(zip(names, values, strict=True))


def read_ledger(root: Path, s: Sources) -> None:
    """gl_accounts, erp_customers and gl_journal_lines of ``erp/ledger.sqlite``."""
    path = root / LEDGER
    if not path.is_file():
        return

    def rows(table: str, parse: Callable[[Row], Any]) -> Iterator[Any]:
        for number, row in _table_rows(con, table):
            try:
                yield parse(row)
            except RowError as exc:
                # SPEC-AMBIGUITY: a ledger row's "line" is its 1-based ordinal in rowid order.
                detail = f"{table}: {exc.detail}"
                s.skipped.append(Skipped("erp", LEDGER, number, exc.reason, detail))

    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    con.text_factory = lambda b: b.decode("utf-8", errors="surrogateescape")
    try:
        for code, role in rows("gl_accounts", lambda r: (req_text(r, "account_code"),
                                                        text(r, "role"))):
            s.account_roles[code] = (role or "").upper()
        s.erp_customers.extend(rows("erp_customers", _parse_erp_customer))
        s.journal_lines.extend(rows("gl_journal_lines", _parse_journal_line))
    except sqlite3.DatabaseError as exc:
        s.skipped.append(Skipped("erp", LEDGER, 0, UNREADABLE_FILE, str(exc)))
    finally:
        con.close()


# ---------------------------------------------------------------- CSV files


def _quotes(text: str) -> str | None:
    """How the quotes of a CSV row's text are malformed ("closes mid-cell", "never closes"),
    or None: a quote opens a cell only at its start and must close at its end."""
    state = "start"  # start of a cell, unquoted, quoted, just after a quote in a quoted cell
    for ch in text:
        if state == "quoted":
            state = "quote" if ch == '"' else "quoted"
        elif state == "quote":
            if ch == '"':
                state = "quoted"  # a doubled quote
            elif ch in ",\r\n":
                state = "start"
            else:
                return "closes mid-cell"
        elif ch in ",\r\n":
            state = "start"
        elif state == "start" and ch == '"':
            state = "quoted"
        else:
            state = "unquoted"
    return "never closes" if state == "quoted" else None


class _Cursor:
    """The physical lines of a file from line ``at`` on (0-based), counting those read."""

    def __init__(self, lines: list[str], at: int) -> None:
        self.lines, self.at = lines, at

    def __iter__(self) -> _Cursor:
        return self

    def __next__(self) -> str:
        if self.at >= len(self.lines):
            raise StopIteration
        self.at += 1
        return self.lines[self.at - 1]


def _read_csv(
    root: Path, rel: str, parse: Callable[[Row], Any], skipped: list[Skipped]
) -> Iterator[Any]:
    """The rows of a UTF-8 CSV parsed by ``parse``; each error skipped at its physical start
    line (the header is line 1). docs/sources.md: a row spanning several lines that is
    malformed (its quotes, its column count, its bytes, its values) gives up its first line
    only, and reading resumes at the next line."""
    # SPEC-AMBIGUITY: a CSV row's "line" is the physical line it starts on, header = line 1.
    path = root / rel
    if not path.is_file():
        return
    source = rel.split("/", 1)[0]
    content = path.read_bytes().decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    lines = io.StringIO(content, newline="").readlines()
    cursor = _Cursor(lines, 0)
    header = [h.strip() for h in next(csv.reader(cursor), [])]
    at = cursor.at
    while at < len(lines):
        cursor = _Cursor(lines, at)
        error: RowError | None = None
        try:
            cells = next(csv.reader(cursor))
        except StopIteration:
            return
        except csv.Error as exc:
            cells, error = [], RowError(BAD_VALUE, str(exc))
        taken = lines[at:max(cursor.at, at + 1)]
        value = None
        if error is None and cells:
            error = _row_error(taken, cells, header)
            if error is None:
                try:
                    value = parse(dict(zip(header, cells, strict=True)))
                except RowError as exc:
                    error = exc
        if error is not None and len(taken) > 1:
            detail = f"unterminated quote: lines {at + 1}-{at + len(taken)}: {error.detail}"
            skipped.append(Skipped(source, rel, at + 1, BAD_VALUE, detail))
            at += 1  # the first line only; the next ones are read again
            continue
        if error is not None:
            skipped.append(Skipped(source, rel, at + 1, error.reason, error.detail))
        elif cells:
            yield value
        at += len(taken)


def _row_error(taken: list[str], cells: list[str], header: list[str]) -> RowError | None:
    quotes = _quotes("".join(taken))
    if quotes == "never closes" or (quotes and len(taken) > 1):
        return RowError(BAD_VALUE, f"unterminated quote: {quotes}")
    if len(cells) != len(header):
        return RowError(WRONG_COLUMN_COUNT, f"{len(cells)} columns, header has {len(header)}")
    if any(ch >= "\udc80" and ch <= "\udcff" for cell in cells for ch in cell):
        return RowError(INVALID_UTF8, "not UTF-8")
    return None


def _parse_crm(row: Row) -> CrmAccount:
    return CrmAccount(
        account_id=req_text(row, "account_id"),
        name=text(row, "name"),
        country=text(row, "country"),
        currency=opt_currency(row, "currency"),
        legal_entity=text(row, "legal_entity"),
        billing_customer_id=text(row, "billing_customer_id"),
        erp_customer_code=text(row, "erp_customer_code"),
        tax_id=text(row, "tax_id"),
        status=text(row, "status"),
    )


def _parse_fx(row: Row) -> FxRate:
    day = req_text(row, "date")
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise RowError(BAD_TIME, f"date {day!r}") from None
    rate = decimal_text(req_text(row, "rate_to_reporting"), "rate_to_reporting")
    if rate <= 0:
        raise RowError(BAD_VALUE, f"rate_to_reporting {rate}")
    return FxRate(parsed, currency_code(req_text(row, "currency"), "currency"), rate)


def _parse_entity(row: Row) -> tuple[str, dict[str, str | None]]:
    code = req_text(row, "entity_code")
    return code, {
        "name": text(row, "name"),
        "functional_currency": opt_currency(row, "functional_currency"),
        "country": text(row, "country"),
    }


def read_crm(root: Path, s: Sources) -> None:
    """crm/accounts.csv."""
    s.crm_accounts.extend(_read_csv(root, "crm/accounts.csv", _parse_crm, s.skipped))


def read_reference(root: Path, s: Sources) -> None:
    """reference/legal_entities.csv and reference/fx_rates.csv."""
    for code, entity in _read_csv(root, "reference/legal_entities.csv", _parse_entity, s.skipped):
        s.legal_entities[code] = entity
    s.fx_rates.extend(_read_csv(root, "reference/fx_rates.csv", _parse_fx, s.skipped))
