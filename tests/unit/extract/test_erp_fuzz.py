"""The ERP reader under hostile ledger rows, generated (issue 13): a real SQLite file whose TEXT
amount, date and key columns hold three+ decimals, ``'1e400'``, ``''``, NaN, unicode digits,
formulas, markup, very long strings, BLOBs that are not UTF-8, REALs and NULL keys.

Whatever the rows, extraction never raises, rows read = loaded + quarantined (+ redelivered),
every quarantined row has a reason and its record, and a loaded row's amounts and dates are the
typed values of what was stored. Bounded: 40 + 30 examples, derandomized.
"""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.unit.extract.helpers import extract

FUZZ = settings(deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: The ERP's tables as a ledger may really hold them: TEXT everywhere but line_no, no NOT NULL.
DDL = {
    "gl_accounts": "account_code TEXT, name TEXT, role TEXT",
    "erp_customers": "customer_code TEXT, name TEXT, entity_code TEXT, currency TEXT, "
                     "country TEXT, tax_id TEXT, external_ref TEXT",
    "gl_journal_lines": "entity_code TEXT, journal_id TEXT, line_no INTEGER, posting_date TEXT, "
                        "period TEXT, account_code TEXT, debit TEXT, credit TEXT, currency TEXT,"
                        " document_type TEXT, document_ref TEXT, customer_code TEXT, "
                        "reversal_of TEXT",
}
COLUMNS = {t: [c.split()[0] for c in ddl.split(", ")] for t, ddl in DDL.items()}

HOSTILE = st.one_of(
    st.none(), st.just(""), st.text(max_size=12),
    st.sampled_from(["1e400", "-1e400", "NaN", "nan", "Infinity", "1.005", "12.3456", "0.1e1",
                     "١٢٣٫٤٥", "１２３", "1,234.50", " 12.50 ", "+12", "-0", "00012.5", "0x1F",
                     "=1+1", "+1+1", "@SUM(A1)", "=HYPERLINK(\"http://x\")",
                     "<script>alert(1)</script>", "\"><img src=x onerror=1>", "\x00", "\u202e",
                     "2026-02-30", "2026-9-1", "20260930", "2026-09-30T00:00:00", "9999-12-31",
                     "0000-01-01", "2026-13", "2026-00", "USD", "usd", "KWD", "JPY", "XYZ"]),
    st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=True, allow_infinity=True),
    st.binary(max_size=8), st.just(b"\xff\xfe\xc3"),
    st.integers(10_000, 200_000).map(lambda n: "9" * n),
)


def _good_line(n: int) -> dict[str, Any]:
    return {"entity_code": "DE01", "journal_id": f"J{n}", "line_no": 1,
            "posting_date": "2026-09-30", "period": "2026-09", "account_code": "1100",
            "debit": "12.50", "credit": "0.00", "currency": "EUR", "document_type": "INVOICE",
            "document_ref": "in_1", "customer_code": "C1", "reversal_of": None}


def _good_customer(n: int) -> dict[str, Any]:
    return {"customer_code": f"C{n}", "name": "Acme", "entity_code": "DE01", "currency": "EUR",
            "country": "DE", "tax_id": "DE123", "external_ref": "cus_1"}


@st.composite
def rows(draw: st.DrawFn, table: str) -> list[dict[str, Any]]:
    good = _good_line if table == "gl_journal_lines" else _good_customer
    out = []
    for n in range(draw(st.integers(1, 8))):
        row = good(n)
        for column in draw(st.lists(st.sampled_from(COLUMNS[table]), max_size=3, unique=True)):
            row[column] = draw(HOSTILE)
        out.append(row)
    return out


def _ledger(path: Path, table: str, values: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    for name, ddl in DDL.items():
        db.execute(f"CREATE TABLE {name} ({ddl})")
    db.execute("INSERT INTO gl_accounts VALUES ('1100', 'Receivables', 'AR')")
    marks = ", ".join("?" * len(COLUMNS[table]))
    db.executemany(f"INSERT INTO {table} VALUES ({marks})",
                   [tuple(r[c] for c in COLUMNS[table]) for r in values])
    db.commit()
    db.close()


def _check(table: str, values: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _ledger(root / "s" / "erp" / "ledger.sqlite", table, values)
        result = extract(root / "s", f"erp/{table}", root / "o")  # checks read = loaded + q.
        (count,) = result.counts
        assert count["rows_read"] == len(values)
        loaded = result.tables[table]
        assert count["rows_loaded"] == len(loaded)
        assert count["rows_quarantined"] == len(result.quarantine)
        event(f"loaded {len(loaded)} of {len(values)}")
        for bad in result.quarantine:
            assert bad["reason"] and bad["record"], bad
            assert bad["file"] == f"erp/{table}"
            event(bad["reason"].split(":", 1)[0])
        for row in loaded:
            for column in ("debit", "credit"):
                if column in row:
                    assert isinstance(row[column], Decimal) and row[column].is_finite()
                    assert abs(row[column]) < Decimal(10) ** 15
            if "posting_date" in row and row["posting_date"] is not None:
                assert isinstance(row["posting_date"], date)
        if table == "gl_journal_lines":  # a loaded line's debit is the one written
            keys = [(r["journal_id"], r["line_no"]) for r in values]
            written = {k: r for k, r in zip(keys, values, strict=True) if keys.count(k) == 1}
            for row in loaded:
                source = written.get((row["journal_id"], row["line_no"]))
                if source is not None and isinstance(source["debit"], str):
                    assert Decimal(source["debit"]) == row["debit"], (source, row)


@settings(FUZZ, max_examples=40)
@given(rows("gl_journal_lines"))
def test_hostile_ledger_lines_never_escape(values: list[dict[str, Any]]) -> None:
    _check("gl_journal_lines", values)


@settings(FUZZ, max_examples=30)
@given(rows("erp_customers"))
def test_hostile_erp_customers_never_escape(values: list[dict[str, Any]]) -> None:
    _check("erp_customers", values)
