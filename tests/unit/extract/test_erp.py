"""The ERP ledger: exact amounts from SQLite TEXT and PostgreSQL NUMERIC, identical tables from
both, bad rows quarantined, and the SQLAlchemy path for other databases."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import create_engine

from recon_pipeline.generate import GenerateStats
from recon_pipeline.lib.extract import erp
from recon_pipeline.lib.extract.errors import SourceError
from tests.unit.extract.helpers import ERP_DDL, extract, reasons

TABLES = ("gl_accounts", "erp_customers", "gl_journal_lines")


def _ledger(path: Path, lines: list[tuple[object, ...]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    for table, ddl in ERP_DDL.items():
        db.execute(f"CREATE TABLE {table} ({ddl.replace('NUMERIC(18,3)', 'TEXT')})")
    db.execute("INSERT INTO gl_accounts VALUES ('1100', 'Receivables', 'AR')")
    db.executemany("INSERT INTO gl_journal_lines VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", lines)
    db.commit()
    db.close()


def _row(journal: str, no: object, debit: object, credit: object = "0.00", currency: str = "EUR",
         period: str = "2026-09", day: str = "2026-09-30") -> tuple[object, ...]:
    return ("DE01", journal, no, day, period, "1100", debit, credit, currency, "INVOICE",
            "in_1", None, None)


def test_sqlite_amounts_are_exact_and_bad_rows_quarantined(tmp_path: Path) -> None:
    _ledger(tmp_path / "s" / "erp" / "ledger.sqlite", [
        _row("J1", 1, "1234.50"), _row("J1", 2, "0.00", "1234.50"),
        _row("J2", 1, "0.10"), _row("J2", 2, "0.1"), _row("J2", 3, "0.10"),
        _row("J3", 1, "12.345"), _row("J4", 1, "1.00", currency="XYZ"),
        _row("J5", 1, "1.00", period="2026-13"), _row("J6", 1, "abc"),
        _row("J7", 1, "1.00", day="30/09/2026")])
    result = extract(tmp_path / "s", "erp/gl_journal_lines", tmp_path / "o")
    rows = result.tables["gl_journal_lines"]
    assert [(r["journal_id"], r["line_no"], r["debit"], r["credit"], r["_line"])
            for r in rows[:2]] == [("J1", 1, Decimal("1234.50"), Decimal("0.00"), 1),
                                   ("J1", 2, Decimal("0.00"), Decimal("1234.50"), 2)]
    assert sum(r["debit"] for r in rows if r["journal_id"] == "J2") == Decimal("0.30")
    assert result.arrow["gl_journal_lines"].schema.field("debit").type == pa.decimal128(18, 3)
    assert reasons(result) == [
        (6, "bad value: debit 12.345 has more decimals than EUR has (2)"),
        (7, "unknown currency: XYZ"), (8, "bad value: period 2026-13 is not a period (YYYY-MM)"),
        (9, "bad value: debit abc is not an amount with at most 3 decimals"),
        (10, "bad value: posting_date 30/09/2026 is not a date (YYYY-MM-DD)")]
    assert '"journal_id":"J3"' in result.quarantine[0]["record"]
    assert all(q["file"] == "erp/gl_journal_lines" for q in result.quarantine)


def test_amounts_carry_at_most_their_currencys_decimals(tmp_path: Path) -> None:
    """0 for JPY, 2 for USD, 3 for KWD (fils): a healthy KWD line is never quarantined."""
    _ledger(tmp_path / "s" / "erp" / "ledger.sqlite", [
        _row("K1", 1, "0.358", "0", currency="KWD"), _row("K1", 2, "0", "0.358", currency="KWD"),
        _row("K2", 1, "1234.5", currency="KWD"), _row("Y1", 1, "7350", currency="JPY"),
        _row("Y2", 1, "7350.00", currency="JPY"), _row("U1", 1, "19.99", currency="USD"),
        _row("Y3", 1, "7350.5", currency="JPY"), _row("U2", 1, "0.358", currency="USD"),
        _row("K3", 1, "0.3581", currency="KWD"), _row("B1", 1, "1.001", currency="bhd")])
    result = extract(tmp_path / "s", "erp/gl_journal_lines", tmp_path / "o")
    loaded = {(r["journal_id"], r["line_no"]): (r["debit"], r["credit"])
              for r in result.tables["gl_journal_lines"]}
    assert loaded == {
        ("K1", 1): (Decimal("0.358"), Decimal(0)), ("K1", 2): (Decimal(0), Decimal("0.358")),
        ("K2", 1): (Decimal("1234.5"), Decimal(0)), ("Y1", 1): (Decimal(7350), Decimal(0)),
        ("Y2", 1): (Decimal(7350), Decimal(0)), ("U1", 1): (Decimal("19.99"), Decimal(0)),
        ("B1", 1): (Decimal("1.001"), Decimal(0))}
    assert reasons(result) == [  # lines in key order: B1, K1, K1, K2, K3, U1, U2, Y1, Y2, Y3
        (5, "bad value: debit 0.3581 is not an amount with at most 3 decimals"),
        (7, "bad value: debit 0.358 has more decimals than USD has (2)"),
        (10, "bad value: debit 7350.5 has more decimals than JPY has (0)")]


def test_generated_ledger_matches_sqlite_text(generated: GenerateStats, tmp_path: Path) -> None:
    result = extract(generated.out, "erp/gl_journal_lines", tmp_path)
    assert result.quarantine == []
    db = sqlite3.connect(generated.out / "erp" / "ledger.sqlite")
    expected = db.execute("SELECT journal_id, line_no, debit, credit FROM gl_journal_lines "
                          "ORDER BY journal_id, line_no").fetchall()
    got = [(r["journal_id"], r["line_no"], r["debit"], r["credit"])
           for r in result.tables["gl_journal_lines"]]
    assert got == [(j, n, Decimal(d), Decimal(c)) for j, n, d, c in expected]


def test_sqlalchemy_batches_for_other_databases(generated: GenerateStats) -> None:
    engine = create_engine(f"sqlite:///{generated.out / 'erp' / 'ledger.sqlite'}")
    with engine.connect() as conn:
        batches = list(erp._batches(conn, "other", "SELECT account_code, role FROM gl_accounts"
                                    " ORDER BY account_code", ["account_code", "role"], 3))
    assert [b.num_rows for b in batches][:1] == [3]
    assert sum(b.num_rows for b in batches) == 8


def test_unreachable_erp_and_bad_urls_raise_source_error(tmp_path: Path) -> None:
    (tmp_path / "s" / "erp").mkdir(parents=True)
    with pytest.raises(SourceError, match="no ERP database at"):
        extract(tmp_path / "s", "erp/gl_accounts", tmp_path / "o")
    with pytest.raises(SourceError, match="cannot reach the ERP at postgresql://u:\\*\\*\\*@"):
        extract(tmp_path / "s", "erp/gl_accounts", tmp_path / "o",
                erp_url="postgresql://u:secret@127.0.0.1:1/none")
    with pytest.raises(SourceError, match="not a SQLAlchemy URL"):
        extract(tmp_path / "s", "erp/gl_accounts", tmp_path / "o", erp_url="::nope::")
    _ledger(tmp_path / "t" / "erp" / "ledger.sqlite", [])
    with pytest.raises(SourceError, match="cannot read table erp_customers"):
        sqlite3.connect(tmp_path / "t" / "erp" / "ledger.sqlite").execute(
            "DROP TABLE erp_customers").connection.commit()
        extract(tmp_path / "t", "erp/erp_customers", tmp_path / "o")


def test_a_ledger_file_that_is_not_sqlite_raises_source_error(tmp_path: Path) -> None:
    ledger = tmp_path / "s" / "erp" / "ledger.sqlite"
    ledger.parent.mkdir(parents=True)
    ledger.write_text("journal_id,line_no\nj1,1\n")
    with pytest.raises(SourceError, match=r"is not a SQLite database \(the file does not start"):
        extract(tmp_path / "s", "erp/gl_accounts", tmp_path / "o")
    assert ledger.read_text() == "journal_id,line_no\nj1,1\n"


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A private PostgreSQL schema, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    name = f"extract_{uuid.uuid4().hex[:10]}"
    with psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres",
                         autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {name}")
        try:
            yield name
        finally:
            db.execute(f"DROP SCHEMA {name} CASCADE")


@pytest.mark.postgres
def test_postgres_copy_gives_identical_tables(generated: GenerateStats, pg_schema: str,
                                              tmp_path: Path) -> None:
    import psycopg

    source = sqlite3.connect(generated.out / "erp" / "ledger.sqlite")
    with psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres") as db:
        for table, ddl in ERP_DDL.items():
            db.execute(f"CREATE TABLE {pg_schema}.{table} ({ddl})")
            names = [c.split()[0] for c in re.split(r",(?![^()]*\))", ddl)]
            rows = source.execute(f"SELECT {', '.join(names)} FROM {table} ORDER BY random()")
            with db.cursor().copy(f"COPY {pg_schema}.{table} ({', '.join(names)}) FROM STDIN"
                                  ) as copy:
                for row in rows:
                    copy.write_row(row)
    url = ("postgresql+psycopg://postgres@127.0.0.1:5432/test"
           f"?options=-csearch_path%3D{pg_schema}")
    for table in TABLES:
        lite = extract(generated.out, f"erp/{table}", tmp_path / "lite")
        pg = extract(generated.out, f"erp/{table}", tmp_path / "pg", erp_url=url)
        assert pq.read_table(tmp_path / "pg" / "erp" / f"{table}.parquet").num_rows > 0
        assert pg.arrow[table].equals(lite.arrow[table]), table
        assert pg.quarantine == lite.quarantine == []


def test_cells_that_are_not_utf8_are_quarantined(tmp_path: Path) -> None:
    """A BLOB (or unchecked TEXT) that is not UTF-8 in the ledger stopped DuckDB with a fatal
    error, for the whole extraction (found by test_erp_fuzz, issue 13); now its row is
    quarantined with the column named, and the other rows load."""
    _ledger(tmp_path / "s" / "erp" / "ledger.sqlite", [
        _row("J1", 1, "1.00"), _row("J2", 1, b"\xff\xfe"),
        ("DE01", "J3", 1, "2026-09-30", "2026-09", "1100", "1.00", "0", "EUR", "INVOICE",
         b"in_\xc3", None, None)])
    result = extract(tmp_path / "s", "erp/gl_journal_lines", tmp_path / "o")
    assert [r["journal_id"] for r in result.tables["gl_journal_lines"]] == ["J1"]
    assert reasons(result) == [(2, "invalid UTF-8 in debit"), (3, "invalid UTF-8 in document_ref")]
    assert '"journal_id":"J2"' in result.quarantine[0]["record"]
