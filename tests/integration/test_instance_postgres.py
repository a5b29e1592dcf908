"""The Dagster instance on PostgreSQL (config/dagster_postgres.yaml): a real run is stored there.

A fresh database on the local server (127.0.0.1:5432, trust auth), DAGSTER_HOME holding the
repository's dagster_postgres.yaml as is, its DAGSTER_PG_* variables set, then the Dagster CLI
materializes one asset for one cycle in a subprocess. The run must be in the database's
``runs`` table, and an instance opened from the same file must report it as SUCCESS, with the
materialization in its event log.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import yaml

from recon_pipeline.generate import GenerateStats

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
DAGSTER = Path(sys.executable).parent / "dagster"
ADMIN = "host=127.0.0.1 port=5432 dbname=test user=postgres"
CYCLE = "2026-09"
ASSET = "sources_inventory"


@pytest.fixture
def database() -> Iterator[str]:
    """A fresh, empty database on the local server, dropped afterwards."""
    name = f"recon_dagster_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f"drop database if exists {name}")
        admin.execute(f"create database {name}")
    try:
        yield name
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f"drop database if exists {name} with (force)")


@pytest.fixture
def pg_env(database: str, tmp_path: Path, generated: GenerateStats) -> dict[str, str]:
    """The environment of a process using the PostgreSQL instance: DAGSTER_HOME and DAGSTER_PG_*."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "config" / "dagster_postgres.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECON_", "DAGSTER_"))}
    return env | {
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": "127.0.0.1",
        "DAGSTER_PG_PORT": "5432",
        "DAGSTER_PG_USER": "postgres",
        "DAGSTER_PG_PASSWORD": "",  # trust authentication; set, since the file requires it
        "DAGSTER_PG_DB": database,
        "RECON_SOURCES_DIR": str(generated.out),
        "RECON_OUT_DIR": str(tmp_path / "out"),
    }


def test_the_file_names_no_secret_and_keeps_the_run_queue() -> None:
    config = yaml.safe_load((ROOT / "config" / "dagster_postgres.yaml").read_text("utf-8"))
    db = config["storage"]["postgres"]["postgres_db"]
    connection = {k: v for k, v in db.items() if k != "scheme"}
    assert all(isinstance(v, dict) and set(v) == {"env"} for v in connection.values()), db
    assert "password" in connection
    local = yaml.safe_load((ROOT / "config" / "dagster.yaml").read_text("utf-8"))
    assert config["concurrency"] == local["concurrency"]
    assert {"key": "recon/warehouse", "value": "write", "limit": 1} in (
        config["concurrency"]["runs"]["tag_concurrency_limits"])


def test_a_cli_run_is_recorded_in_postgres(
    pg_env: dict[str, str], database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = time.monotonic()
    done = subprocess.run(
        [str(DAGSTER), "asset", "materialize", "-m", "recon_pipeline.definitions",
         "--select", ASSET, "--partition", CYCLE],
        cwd=ROOT, env=pg_env, capture_output=True, text=True, timeout=180, check=False)
    print(f"dagster asset materialize on the PostgreSQL instance: "
          f"{time.monotonic() - started:.1f} s")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (Path(pg_env["RECON_OUT_DIR"]) / "raw" / CYCLE / f"{ASSET}.json").is_file()

    # Straight from the database: Dagster's own tables, with the run in them.
    with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={database}") as db:
        tables = {r[0] for r in db.execute(
            "select table_name from information_schema.tables where table_schema = 'public'")}
        assert {"runs", "event_logs", "jobs", "instigators"} <= tables, tables
        rows = db.execute("select run_id, status from runs").fetchall()
        assert len(rows) == 1 and rows[0][1] == "SUCCESS", rows
        run_id = rows[0][0]
        materialized = db.execute(
            "select count(*) from event_logs where run_id = %s "
            "and dagster_event_type = 'ASSET_MATERIALIZATION'", (run_id,)).fetchone()
        assert materialized and materialized[0] == 1

    # Through Dagster: an instance from the same file sees the same run.
    import dagster as dg
    from dagster_postgres import PostgresRunStorage

    for key, value in pg_env.items():
        if key.startswith("DAGSTER_PG_"):
            monkeypatch.setenv(key, value)
    with dg.DagsterInstance.from_config(pg_env["DAGSTER_HOME"]) as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        runs = instance.get_runs()
        assert [r.run_id for r in runs] == [run_id]
        run = runs[0]
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert run.tags.get("dagster/partition") == CYCLE
        event = instance.get_latest_materialization_event(dg.AssetKey(ASSET))
        assert event is not None and event.run_id == run_id
        assert event.dagster_event is not None
        assert event.dagster_event.partition == CYCLE
