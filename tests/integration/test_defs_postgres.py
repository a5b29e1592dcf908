"""The same project against PostgreSQL (127.0.0.1:5432, database ``test``, trust auth)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.integration.test_cli import CYCLE, recon, tiny_sources

pytestmark = pytest.mark.postgres

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
PG = "host=127.0.0.1 port=5432 dbname=test user=postgres"
__all__ = ["tiny_sources"]  # the fixture, re-used


@pytest.fixture
def raw_reference() -> Iterator[None]:
    """The raw zone's reference tables as a loader would put them in PostgreSQL: all text."""
    with psycopg.connect(PG, autocommit=True) as db:
        db.execute("drop schema if exists raw_reference cascade")
        db.execute("drop schema if exists staging cascade")
        db.execute("create schema raw_reference")
        db.execute(
            "create table raw_reference.legal_entities "
            "(entity_code text, name text, functional_currency text, country text)"
        )
        db.execute(
            "insert into raw_reference.legal_entities values "
            "('US01', 'Acme Inc', 'USD', 'US'), ('JP01', 'Acme KK', 'jpy', 'JP')"
        )
        db.execute(
            "create table raw_reference.fx_rates (date text, currency text, rate_to_reporting text)"
        )
        db.execute(
            "insert into raw_reference.fx_rates values "
            "('2026-09-30', 'JPY', '0.006685390000'), ('2026-09-30', 'usd', '1')"
        )
        yield
        db.execute("drop schema if exists raw_reference cascade")
        db.execute("drop schema if exists staging cascade")


def test_staging_models_build_on_postgres(raw_reference: None, tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RECON_")},
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        "DBT_PROFILES_DIR": str(DBT_PROJECT),
    }
    done = subprocess.run(
        [str(DBT), "build", "--target", "postgres", "--vars", json.dumps({"cycle": CYCLE})],
        cwd=DBT_PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with psycopg.connect(PG) as db:
        rates = db.execute(
            "select currency, rate_to_reporting::text from staging.stg_reference__fx_rates "
            "order by currency"
        ).fetchall()
        entities = db.execute(
            "select legal_entity_id, functional_currency "
            "from staging.stg_reference__legal_entities order by 1"
        ).fetchall()
    assert rates == [("JPY", "0.006685390000"), ("USD", "1.000000000000")]
    assert entities == [("JP01", "JPY"), ("US01", "USD")]


def test_run_with_the_erp_on_postgres(tiny_sources: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    done = recon(
        "run", "--sources", str(tiny_sources), "--cycle", CYCLE, "--out", str(out), "--erp-url", url
    )
    assert done.returncode == 0, done.stdout + done.stderr
