"""A whole run with the ERP on PostgreSQL (127.0.0.1:5432, trust auth) instead of SQLite."""

from __future__ import annotations

import csv
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pyarrow.parquet as pq
import pytest

from recon_pipeline.generate import generate
from tests.integration.test_cli import CYCLE, recon

pytestmark = pytest.mark.postgres

PG = "host=127.0.0.1 port=5432 dbname=test user=postgres"
LEDGER_DDL = (
    "create table gl_accounts (account_code text, name text, role text)",
    "create table erp_customers (customer_code text, name text, entity_code text, "
    "currency text, country text, tax_id text, external_ref text)",
    "create table gl_journal_lines (entity_code text, journal_id text, line_no integer, "
    "posting_date date, period text, account_code text, debit numeric(18, 3), "
    "credit numeric(18, 3), currency text, document_type text, document_ref text, "
    "customer_code text, reversal_of text)",
)


@pytest.fixture
def erp_database(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """Generated sources, and their SQLite ledger copied into a fresh PostgreSQL database."""
    sources = generate(tmp_path / "sources", seed=5, scale=0.1, cycles=(CYCLE, CYCLE),
                       history_months=1).out
    name = f"recon_erp_{os.getpid()}"
    with psycopg.connect(PG, autocommit=True) as admin:
        admin.execute(f"drop database if exists {name}")
        admin.execute(f"create database {name}")
    try:
        ledger = sqlite3.connect(sources / "erp" / "ledger.sqlite")
        with psycopg.connect(f"host=127.0.0.1 port=5432 dbname={name} user=postgres") as db:
            for ddl in LEDGER_DDL:
                db.execute(ddl)
            for table, width in (("gl_accounts", 3), ("erp_customers", 7),
                                 ("gl_journal_lines", 13)):
                rows = ledger.execute(f"select * from {table}").fetchall()
                marks = ", ".join(["%s"] * width)
                with db.cursor() as cur:
                    cur.executemany(f"insert into {table} values ({marks})", rows)
        ledger.close()
        yield sources, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG, autocommit=True) as admin:
            admin.execute(f"drop database if exists {name} with (force)")


def test_run_with_the_erp_on_postgres(erp_database: tuple[Path, str], tmp_path: Path) -> None:
    sources, url = erp_database
    (sources / "erp" / "ledger.sqlite").unlink()  # only PostgreSQL has the ledger now
    out = tmp_path / "out"
    done = recon("run", "--sources", str(sources), "--cycle", CYCLE, "--out", str(out),
                 "--erp-url", url)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with open(sources / "_truth" / "findings.csv", newline="", encoding="utf-8") as f:
        truth = {(r["category"], r["object_id"], r["period_start"])
                 for r in csv.DictReader(f) if r["cycle"] == CYCLE}
    rows = pq.read_table(out / "reports" / CYCLE / "mismatches.parquet").to_pylist()
    found = {(r["category"], r["object_id"],
              r["period_start"].isoformat() if r["period_start"] else "") for r in rows}
    assert found == truth
