"""The whole pipeline on generated sources: every planted finding reported, nothing else.

Runs ``recon run`` (Dagster in-process, extraction, dbt, reports) for every demo cycle on a
directory written by the project's generator, then compares the reports with the planted
truth: recall and precision 1.0 for every category, leakage to the cent, the output contract of
../shared/tools/check_outputs.py kept, quarantine equal to the planted malformed rows, and a
re-run that changes nothing.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from recon_pipeline.generate import generate

CYCLES = ("2026-08", "2026-09", "2026-10")
RECON = Path(sys.executable).parent / "recon"
pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Run:
    """A generated sources directory and the outputs of running every cycle on it."""

    sources: Path
    out: Path
    home: Path


def _recon_run(run: Run, cycle: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DAGSTER_HOME": str(run.home)}
    return subprocess.run(
        [str(RECON), "run", "--sources", str(run.sources), "--cycle", cycle, "--out",
         str(run.out)], capture_output=True, text=True, env=env, timeout=900, check=False)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("e2e")
    stats = generate(root / "sources", seed=7, scale=0.5, cycles=(CYCLES[0], CYCLES[-1]))
    run = Run(stats.out, root / "out", root / "dagster_home")
    run.home.mkdir()
    for cycle in CYCLES:
        done = _recon_run(run, cycle)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return run


def _truth(run: Run, cycle: str) -> dict[tuple[str, str, str], dict[str, str]]:
    with open(run.sources / "_truth" / "findings.csv", newline="", encoding="utf-8") as f:
        return {(r["category"], r["object_id"], r["period_start"]): r
                for r in csv.DictReader(f) if r["cycle"] == cycle}


def _reported(run: Run, cycle: str) -> dict[tuple[str, str, str], dict[str, object]]:
    rows = pq.read_table(run.out / "reports" / cycle / "mismatches.parquet").to_pylist()
    return {(r["category"], r["object_id"],
             r["period_start"].isoformat() if r["period_start"] else ""): r for r in rows}


@pytest.mark.parametrize("cycle", CYCLES)
def test_every_planted_finding_and_nothing_else(pipeline: Run, cycle: str) -> None:
    truth, reported = _truth(pipeline, cycle), _reported(pipeline, cycle)
    missing = sorted(set(truth) - set(reported))
    unplanted = sorted(set(reported) - set(truth))
    assert not missing, f"recall < 1: {missing[:10]}"
    assert not unplanted, f"precision < 1: {unplanted[:10]}"
    assert Counter(k[0] for k in truth) == Counter(k[0] for k in reported)
    for key, row in truth.items():
        got = reported[key]
        assert got["recon"] == row["recon"], key
        for column in ("leakage_amount", "leakage_amount_reporting"):
            expected = Decimal(row[column]) if row[column] else None
            assert got[column] == expected, (key, column, got[column], expected)


@pytest.mark.parametrize("cycle", CYCLES)
def test_leakage_totals_to_the_cent(pipeline: Run, cycle: str) -> None:
    truth = _truth(pipeline, cycle).values()
    expected = sum((Decimal(r["leakage_amount_reporting"]) for r in truth
                    if r["leakage_amount_reporting"]), Decimal(0))
    summary = json.loads((pipeline.out / "reports" / cycle / "summary.json").read_text())
    assert Decimal(summary["leakage_total_reporting"]) == expected


@pytest.mark.parametrize("cycle", CYCLES)
def test_output_contract_is_kept(pipeline: Run, cycle: str, shared_dir: Path) -> None:
    checker = shared_dir / "tools" / "check_outputs.py"
    done = subprocess.run([sys.executable, str(checker), str(pipeline.out), cycle],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


def test_quarantine_is_the_planted_malformed_rows(pipeline: Run) -> None:
    with open(pipeline.sources / "_truth" / "malformed.csv", newline="",
              encoding="utf-8") as f:
        planted = {(r["source"], r["file"], int(r["line"])) for r in csv.DictReader(f)}
    rows = pq.read_table(pipeline.out / "reports" / "2026-09" / "quarantine.parquet").to_pylist()
    assert {(r["source"], r["file"], r["line"]) for r in rows} == planted
    summary = json.loads((pipeline.out / "reports" / "2026-09" / "summary.json").read_text())
    assert summary["rows_quarantined"] == dict(Counter(s for s, _, _ in planted)) | {
        s: 0 for s in summary["rows_quarantined"] if s not in {p[0] for p in planted}}


def test_rerunning_a_cycle_changes_nothing(pipeline: Run) -> None:
    before = pq.read_table(pipeline.out / "reports" / "2026-09" / "mismatches.parquet")
    ledger_before = pq.read_table(pipeline.out / "exceptions.parquet")
    done = _recon_run(pipeline, "2026-09")
    assert done.returncode == 0, done.stderr[-2000:]
    after = pq.read_table(pipeline.out / "reports" / "2026-09" / "mismatches.parquet")
    ledger_after = pq.read_table(pipeline.out / "exceptions.parquet")
    assert sorted(after.column("exception_id").to_pylist()) == sorted(
        before.column("exception_id").to_pylist())
    assert ledger_after.num_rows == ledger_before.num_rows
    assert sorted(ledger_after.column("exception_id").to_pylist()) == sorted(
        ledger_before.column("exception_id").to_pylist())
