"""Running the dbt project from tests: the environment's own dbt, private targets and schemas."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.dbt.raw import write_raw_zone
from tests.dbt.sample import SAMPLE

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
CYCLE = "2026-09"
PG_USER = os.environ.get("RECON_PG_USER", "postgres")
PG_URI = f"postgresql://{PG_USER}@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Dbt:
    """dbt on the project, with artifacts, logs and the warehouse under ``out``."""

    out: Path
    target: str = "duckdb"
    schema_prefix: str = ""
    project: Path = PROJECT
    #: Profile settings from the environment (``RECON_SPARK_*``, dbt_project/profiles.yml); the
    #: caller's own ``RECON_`` variables are never passed on.
    env: tuple[tuple[str, str], ...] = ()
    #: The folder of dbt's artifacts and logs, kept from one invocation to the next (dbt reads
    #: its previous parse, partial_parse.msgpack, from there); a new one per invocation if None.
    run_dir: Path | None = None

    def __call__(self, *args: str, cycle: str | None = CYCLE, **extra_vars: Any) -> DbtRun:
        """Run ``dbt <args>`` with the vars cycle, out_dir and schema_prefix (none at all when
        ``cycle`` is None, as on a clean checkout)."""
        run_dir = self.run_dir or self.out / "dbt" / f"{self.target}-{uuid.uuid4().hex[:8]}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("RECON_")}
        env |= {
            "DBT_TARGET_PATH": str(run_dir / "target"),
            "DBT_LOG_PATH": str(run_dir / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "RECON_PG_USER": PG_USER,
            **dict(self.env),
        }
        command = [str(DBT), *args, "--project-dir", str(self.project), "--profiles-dir",
                   str(self.project), "--target", self.target]
        if cycle is not None:
            dbt_vars = {"cycle": cycle, "out_dir": self.out.as_posix(),
                        "schema_prefix": self.schema_prefix, **extra_vars}
            command += ["--vars", json.dumps(dbt_vars)]
        done = subprocess.run(
            command,
            env=env, capture_output=True, text=True, timeout=600, check=False,
        )
        return DbtRun(done, run_dir / "target")


@dataclass(frozen=True)
class DbtRun:
    """One dbt invocation: its process and its target folder (run_results.json)."""

    process: subprocess.CompletedProcess[str]
    target_path: Path

    @property
    def ok(self) -> bool:
        return self.process.returncode == 0

    @property
    def output(self) -> str:
        return self.process.stdout + self.process.stderr

    def results(self) -> list[dict[str, Any]]:
        """The results of run_results.json."""
        data = json.loads((self.target_path / "run_results.json").read_text())
        return list(data["results"])


@pytest.fixture(scope="session")
def sample_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output directory whose raw zone holds the hand-made sample of tests/dbt/sample.py."""
    out = tmp_path_factory.mktemp("sample_out")
    write_raw_zone(out / "raw" / CYCLE, SAMPLE)
    return out


@pytest.fixture(scope="session")
def sample_duckdb(sample_out: Path) -> DbtRun:
    """``dbt build`` of the whole project on DuckDB over the sample (unit and data tests too)."""
    run = Dbt(sample_out)("build")
    assert run.ok, run.output
    return run


@pytest.fixture(scope="session")
def pg_prefix() -> Iterator[str]:
    """A schema prefix private to this test session; its schemas are dropped afterwards."""
    import psycopg

    prefix = f"t{uuid.uuid4().hex[:10]}_"
    yield prefix
    with psycopg.connect(PG_URI, autocommit=True) as db:
        schemas = db.execute(
            "select nspname from pg_namespace where starts_with(nspname, %s)", (prefix,)
        ).fetchall()
        for (schema,) in schemas:
            db.execute(f'drop schema if exists "{schema}" cascade')
