"""Stage lines from a real in-process Dagster run (recon_pipeline.progress): a tiny graph of
two stages, its events tallied by the logger `recon run` adds to the close_cycle job."""

from __future__ import annotations

import io

import dagster as dg

from recon_pipeline.progress import StageProgress, progress_logger, step_stages


@dg.multi_asset(specs=[dg.AssetSpec(["raw", "billing", "invoices"], group_name="sources"),
                       dg.AssetSpec(["raw", "quarantine"], group_name="sources")])
def extract() -> object:
    yield dg.MaterializeResult(asset_key=["raw", "billing", "invoices"],
                               metadata={"dagster/row_count": 1200})
    yield dg.MaterializeResult(asset_key=["raw", "quarantine"], metadata={"dagster/row_count": 3})


REPORTS = ["reports", "cycle_reports"]


@dg.asset(key=REPORTS, group_name="reports", deps=[extract],
          check_specs=[dg.AssetCheckSpec("no_blocking_findings", asset=REPORTS),
                       dg.AssetCheckSpec("no_error_findings", asset=REPORTS)])
def cycle_reports() -> object:
    yield dg.MaterializeResult(metadata={"dagster/row_count": 41})
    yield dg.AssetCheckResult(check_name="no_blocking_findings", passed=False,
                              severity=dg.AssetCheckSeverity.ERROR)
    yield dg.AssetCheckResult(check_name="no_error_findings", passed=False,
                              severity=dg.AssetCheckSeverity.WARN)


def test_a_line_per_stage_with_its_counts() -> None:
    defs = dg.Definitions(assets=[extract, cycle_reports],
                          jobs=[dg.define_asset_job("close_cycle")])
    stages = step_stages(defs)
    assert stages == {"extract": "sources", "reports__cycle_reports": "reports"}
    terminal = io.StringIO()
    progress = StageProgress(stages, terminal)
    job = defs.resolve_job_def("close_cycle")
    job = job.with_logger_defs({**job.loggers, "recon_progress": progress_logger(progress)})
    result = job.execute_in_process(run_config={"loggers": {"recon_progress": {}}})
    assert result.success
    tallies = progress.finish()
    assert [t.name for t in tallies] == ["sources", "reports"]
    lines = terminal.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("  sources         2 tables, 1,200 rows read, 3 unreadable ")
    assert lines[1].startswith("  reports         41 findings, 2 checks, 2 failed (1 blocking) ")
    assert all(line.endswith(" s") for line in lines)
