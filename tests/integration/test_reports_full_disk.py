"""A full disk while the reports step of a real run writes its files: the step fails with the
one line ``recon run`` prints, and the cycle's previous reports stay byte for byte.

The warehouse, raw zone and reports are the session's pipeline run's, copied; the reports
folder is a small tmpfs of its own, filled up before the step runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

from recon_pipeline.cli import _failures
from recon_pipeline.defs.reports.assets import cycle_reports
from recon_pipeline.defs.shared.resources import ReconSettings
from recon_pipeline.lib.reports.write import REPORT_FILES
from tests.faults import fill, small_filesystem
from tests.integration.pipeline import Run

CYCLE = "2026-09"


def test_a_full_disk_fails_the_reports_step_in_one_line(pipeline: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    # Not the signed packages the close workflow's tests may have made: a signed cycle's
    # reports are a restatement elsewhere.
    shutil.copytree(pipeline.out, out, ignore=shutil.ignore_patterns(
        "reports", "close", "logs", "dagster_home", "_tmp"), symlinks=True)
    with small_filesystem(out / "reports", "64m"):
        folder = out / "reports" / CYCLE
        shutil.copytree(pipeline.out / "reports" / CYCLE, folder)
        before = {name: (folder / name).read_bytes() for name in REPORT_FILES}
        filler = fill(out / "reports", leave=sum(map(len, before.values())) // 2)
        result = dg.materialize(
            [cycle_reports], partition_key=CYCLE, raise_on_error=False,
            resources={"settings": ReconSettings(sources_dir=str(pipeline.sources),
                                                 out_dir=str(out))})
        filler.unlink()
        assert not result.success
        failures = list(_failures(result))
        assert len(failures) == 1
        line, status = failures[0]
        assert "\n" not in line and "Traceback" not in line
        assert line.startswith(f"step reports__cycle_reports: cannot write the reports of {CYCLE}")
        assert "No space left on device" in line and "kept as they were" in line, line
        assert status == 1
        assert {name: (folder / name).read_bytes() for name in REPORT_FILES} == before
        assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]
