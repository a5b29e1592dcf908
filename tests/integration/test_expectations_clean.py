"""A cycle with nothing planted: every expectation holds and the report is final."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from recon_pipeline.generate import generate

pytestmark = pytest.mark.slow
RECON = Path(sys.executable).parent / "recon"


def test_every_expectation_passes_on_a_clean_cycle(tmp_path: Path) -> None:
    stats = generate(tmp_path / "sources", seed=5, scale=0.4, cycles=("2026-09", "2026-09"),
                     clean=True)
    done = run_2026_09(stats.out, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((tmp_path / "out" / "reports" / "2026-09" / "summary.json").read_text())
    assert summary["findings_total"] == 0
    failed = [(e["suite"], e["failed"]) for e in summary["expectations"] if not e["success"]]
    assert not failed
    assert len(summary["expectations"]) == len(list(
        (Path(__file__).resolve().parents[2] / "expectations").glob("*.json")))
    assert (summary["status"], summary["final"]) == ("final", True)
    assert all(e["unexpected"] == 0 for e in summary["expectations"])


def run_2026_09(sources: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``recon run`` of 2026-09 on ``sources`` into tmp_path/out, with a Dagster home of its own."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    return subprocess.run(
        [str(RECON), "run", "--sources", str(sources), "--cycle", "2026-09", "--out",
         str(tmp_path / "out")], capture_output=True, text=True, timeout=900, check=False,
        env={**os.environ, "DAGSTER_HOME": str(home)})
