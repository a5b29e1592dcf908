"""The pipeline on Spark by configuration (issue 16): `recon run --warehouse spark` closes two
cycles in one OUT, one after the other, and every canonical mart, the findings and the reports
are the same, row for row, as the default DuckDB run's over the same sources. The second
cycle's run leaves the first cycle's findings as they were (insert_overwrite of its partition).

Heavy (minutes of Spark per cycle on two cores): `make test-heavy`. The suite's share of Spark
is tests/dbt/test_spark_parity.py and tests/integration/test_quality_spark.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from recon_pipeline.generate import generate
from recon_pipeline.lib.warehouse.marts import open_marts
from tests.dbt.test_postgres_parity import MARTS
from tests.integration.pipeline import stable

pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.heavy]
CYCLES = ("2026-09", "2026-10")
RECON = Path(sys.executable).parent / "recon"


def _close(sources: Path, out: Path, cycle: str, warehouse: str) -> None:
    env = {**os.environ, "DAGSTER_HOME": str(out.parent / f"home-{warehouse}")}
    Path(env["DAGSTER_HOME"]).mkdir(exist_ok=True)
    done = subprocess.run(
        [str(RECON), "run", "--sources", str(sources), "--cycle", cycle, "--out", str(out),
         "--warehouse", warehouse], capture_output=True, text=True, env=env, timeout=1800,
        check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _rows(out: Path, warehouse: str, table: str) -> list[str]:
    with open_marts(out, warehouse) as con:
        relation = con.sql(f"select * from marts.{table}")
        names = [c[0] for c in relation.description]
        rows = [json.dumps(dict(zip(names, row, strict=True)), sort_keys=True, default=str)
                for row in relation.fetchall()]
    return sorted(rows)


def test_two_cycles_on_spark_equal_the_duckdb_run(tmp_path: Path) -> None:
    sources = generate(tmp_path / "sources", seed=3, scale=0.05, cycles=CYCLES,
                       clean=False).out
    outs = {w: tmp_path / w for w in ("duckdb", "spark")}
    findings_after_first: dict[str, list[str]] = {}
    for cycle in CYCLES:
        for warehouse, out in outs.items():
            _close(sources, out, cycle, warehouse)
        if cycle == CYCLES[0]:
            findings_after_first = {w: _rows(o, w, "fct_mismatches") for w, o in outs.items()}
            assert findings_after_first["spark"] == findings_after_first["duckdb"]
            assert findings_after_first["spark"], "the generated cycle plants findings"

    for table in [*MARTS, "fct_mismatches", "fct_recon_coverage"]:
        assert _rows(outs["spark"], "spark", table) == _rows(outs["duckdb"], "duckdb", table), table
    # the second cycle's run kept the first cycle's findings as they were
    first = [r for r in _rows(outs["spark"], "spark", "fct_mismatches")
             if json.loads(r)["cycle"] == CYCLES[0]]
    assert first == [r for r in findings_after_first["spark"]
                     if json.loads(r)["cycle"] == CYCLES[0]]
    for cycle in CYCLES:
        reports = {w: o / "reports" / cycle for w, o in outs.items()}
        assert (reports["spark"] / "mismatches.csv").read_bytes() == (
            reports["duckdb"] / "mismatches.csv").read_bytes(), cycle
        summaries = [json.loads((r / "summary.json").read_text()) for r in reports.values()]
        assert stable(summaries[0]) == stable(summaries[1]), cycle
