"""The ERP connection dropped mid-read, for real: a proxy on loopback in front of PostgreSQL cuts
the ledger's connection after some bytes. A cut read starts again from scratch; an ERP that
cuts every attempt stops the run with one line and exit 2, no ledger kept."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from recon_pipeline.lib.extract import erp
from recon_pipeline.lib.extract.api import extract_object
from recon_pipeline.lib.extract.errors import SourceError
from tests.faults import CuttingProxy, small_sources
from tests.integration.test_cli import clean_env, recon
from tests.unit.extract.helpers import ERP_DDL

pytestmark = pytest.mark.postgres

PG = ("127.0.0.1", 5432)
LINES = 20_000


@pytest.fixture(scope="module")
def ledger() -> Iterator[tuple[str, Decimal, Decimal]]:
    """A PostgreSQL schema with a ledger of LINES journal lines (about 1.5 MB on the wire):
    its name, the sum of its debits and of its credits."""
    psycopg = pytest.importorskip("psycopg")
    schema = f"faults_{uuid.uuid4().hex[:10]}"
    with psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres",
                         autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {schema}")
        try:
            for table, ddl in ERP_DDL.items():
                db.execute(f"CREATE TABLE {schema}.{table} ({ddl})")
            db.execute(f"INSERT INTO {schema}.gl_accounts VALUES ('1100', 'Receivables', 'AR')")
            db.execute(
                f"INSERT INTO {schema}.gl_journal_lines SELECT 'DE01', 'J' || lpad(g::text, 6,"
                " '0'), 1 + g % 2, date '2026-09-30', '2026-09', '1100', (g % 1000) + 0.25,"
                " (g % 7) + 0.5, 'EUR', 'INVOICE', 'in_' || g, NULL, NULL"
                f" FROM generate_series(1, {LINES}) g")
            debit, credit = db.execute(
                f"SELECT sum(debit), sum(credit) FROM {schema}.gl_journal_lines").fetchone()
            yield schema, debit, credit
        finally:
            db.execute(f"DROP SCHEMA {schema} CASCADE")


def _url(port: int, schema: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/test?options=-csearch_path%3D{schema}"


@pytest.fixture
def fast_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(erp.ENV_ATTEMPTS, "3")
    monkeypatch.setenv(erp.ENV_RETRY_DELAY, "0.05")


def _sources(tmp_path: Path) -> Path:
    root = tmp_path / "sources"
    (root / "erp").mkdir(parents=True)
    return root


def test_a_read_cut_once_is_read_again_in_full(ledger: tuple[str, Decimal, Decimal],
                                               tmp_path: Path, fast_retry: None) -> None:
    schema, debit, credit = ledger
    with CuttingProxy(PG, trigger=b"gl_journal_lines", cut_after=50_000, cuts=1) as proxy:
        report = extract_object(_sources(tmp_path), "erp/gl_journal_lines", tmp_path / "out",
                                erp_url=_url(proxy.port, schema))
    assert proxy.cut == 1 and proxy.triggered == 2  # cut mid-ledger, then read again
    table = pq.read_table(tmp_path / "out" / "erp" / "gl_journal_lines.parquet")
    assert report.tables == {"gl_journal_lines": LINES} and table.num_rows == LINES
    assert pc.sum(table["debit"]).as_py() == debit
    assert pc.sum(table["credit"]).as_py() == credit
    assert table["_line"].to_pylist() == list(range(1, LINES + 1))  # no line twice, none lost
    assert not list((tmp_path / "out").rglob("*.tmp"))


def test_a_read_cut_every_time_gives_up_keeping_nothing(ledger: tuple[str, Decimal, Decimal],
                                                        tmp_path: Path,
                                                        fast_retry: None) -> None:
    schema, _, _ = ledger
    with CuttingProxy(PG, trigger=b"gl_journal_lines", cut_after=50_000, cuts=None) as proxy, \
            pytest.raises(SourceError, match=r"lost the connection to the ERP .* reading table "
                          r"gl_journal_lines, 3 attempts out of 3") as raised:
        extract_object(_sources(tmp_path), "erp/gl_journal_lines", tmp_path / "out",
                       erp_url=_url(proxy.port, schema))
    assert isinstance(raised.value, erp.ErpUnavailable)
    assert proxy.cut == 3
    assert "\n" not in str(raised.value)
    left = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert left == []  # no ledger, no counts, no temporaries


def test_retry_settings_are_bounded() -> None:
    assert erp.Retry.from_env({}) == erp.Retry(3, 0.5)
    assert erp.Retry.from_env({erp.ENV_ATTEMPTS: "4", erp.ENV_RETRY_DELAY: "0.2"}
                              ) == erp.Retry(4, 0.2)
    assert [erp.Retry(4, 0.5).delay(n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    for env in ({erp.ENV_ATTEMPTS: "0"}, {erp.ENV_ATTEMPTS: "x"},
                {erp.ENV_RETRY_DELAY: "-1"}, {erp.ENV_RETRY_DELAY: "nan"}):
        with pytest.raises(SourceError, match="RECON_ERP_"):
            erp.Retry.from_env(env)


def test_recon_run_on_an_erp_that_keeps_dropping_exits_2_in_one_line(
        ledger: tuple[str, Decimal, Decimal], tmp_path: Path) -> None:
    schema, _, _ = ledger
    sources = small_sources(tmp_path / "sources")
    out = tmp_path / "out"
    env = clean_env(RECON_ERP_RETRY_DELAY="0.05", DAGSTER_HOME=str(tmp_path))
    with CuttingProxy(PG, trigger=b"gl_journal_lines", cut_after=50_000, cuts=None) as proxy:
        done = recon("run", "--sources", str(sources), "--cycle", "2026-09", "--out",
                     str(out), "--erp-url", _url(proxy.port, schema), env=env)
    assert proxy.cut == 3
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    errors = done.stderr.strip().splitlines()
    assert len(errors) == 1, done.stderr
    assert "lost the connection to the ERP at postgresql+psycopg://postgres@127.0.0.1:" in errors[0]
    assert "gl_journal_lines, 3 attempts out of 3" in errors[0]
    assert errors[0].count("step ") == 1  # the ledger's step alone failed
    raw = out / "raw" / "2026-09"
    assert (raw / "erp" / "gl_accounts.parquet").is_file()  # the other ERP tables were read
    assert not (raw / "erp" / "gl_journal_lines.parquet").exists()
    assert not list(raw.rglob("*gl_journal_lines*"))
    assert not list(out.rglob("*.tmp"))
