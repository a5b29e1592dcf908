"""The close-cycle operations of the real code location: jobs, schedules and the late-data sensor.

Schedules and the sensor are evaluated the way the daemon does (``evaluate_tick``) on
``recon_pipeline.definitions.defs`` with an ephemeral Dagster instance. The state they look at
(reports, exception ledger, recorded source fingerprints) is written by the pipeline's own
functions (``write_reports``, the ``sources_inventory`` asset) on tiny files; the whole pipeline
is not run here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest

from recon_pipeline.definitions import defs
from recon_pipeline.defs.operations.schedules import load_close_schedule
from recon_pipeline.defs.shared.partitions import cycle_partitions
from recon_pipeline.defs.shared.resources import ReconSettings
from recon_pipeline.defs.shared.runs import PROVISIONAL_TAG
from recon_pipeline.defs.sources.assets import sources_inventory
from recon_pipeline.lib.config import CloseSchedule
from recon_pipeline.lib.reports import FINDINGS_SCHEMA, CycleInputs, write_reports

CLOSE_TICK = datetime(2026, 11, 4, 6, 0, tzinfo=UTC)
WAREHOUSE = ("recon/warehouse", "write")
STAGE_JOBS = {
    "extract_sources": {"sources"},
    "build_warehouse": {"canonical", "reconciliation"},
    "check_quality": {"quality"},
    "publish_reports": {"reports"},
}
WAREHOUSE_JOBS = ("close_cycle", "build_warehouse", "check_quality", "publish_reports")


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A tiny sources directory and an empty OUT, as the environment of the code location."""
    sources, out = tmp_path / "sources", tmp_path / "out"
    for name, text in {
        "billing/customers.jsonl": '{"id": "cus_1"}\n',
        "billing/invoices.jsonl": '{"id": "in_1"}\n',
        "payments/charges.jsonl": '{"id": "ch_1"}\n',
        "usage/events-2026-10.jsonl": '{"id": "e1"}\n',
        "reference/fx_rates.csv": "date,currency,rate_to_reporting\n",
    }.items():
        path = sources / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    out.mkdir()
    for key in [k for k in os.environ if k.startswith("RECON_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("RECON_SOURCES_DIR", str(sources))
    monkeypatch.setenv("RECON_OUT_DIR", str(out))
    return sources, out


def _inputs(cycle: str, *objects: str) -> CycleInputs:
    """A cycle's findings as the reconciliations hand them in: one unposted invoice each."""
    rows = [{
        "cycle": cycle, "recon": "billing_erp", "category": "invoice_not_posted",
        "severity": "error", "legal_entity": "US01", "customer_id": "cus_1", "object_id": o,
        "period_start": None, "related_id": None, "currency": "usd",
        "expected_amount": Decimal("120.00"), "actual_amount": Decimal("0.00"),
        "difference": Decimal("-120.00"), "leakage_amount": None,
        "leakage_amount_reporting": None, "detail": f"Invoice {o} is not posted in the ERP.",
    } for o in objects]
    return CycleInputs(cycle=cycle, findings=pa.Table.from_pylist(rows, schema=FINDINGS_SCHEMA),
                       rows_read={"billing": 5, "erp": 5}, objects_checked={"billing_erp": 5})


def _schedule_tick(
    name: str, instance: dg.DagsterInstance, at: datetime
) -> list[dg.RunRequest]:
    schedule = defs.resolve_schedule_def(name)
    context = dg.build_schedule_context(
        instance=instance, scheduled_execution_time=at, repository_def=defs.get_repository_def()
    )
    result = schedule.evaluate_tick(context)
    return list(result.run_requests or [])


def _sensor_tick(instance: dg.DagsterInstance, cursor: str | None) -> tuple[
        list[dg.RunRequest], str | None, str | None]:
    sensor = defs.resolve_sensor_def("late_source_data")
    context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs)
    result = sensor.evaluate_tick(context)
    return list(result.run_requests or []), result.cursor, result.skip_message


def _record_sources(instance: dg.DagsterInstance, cycle: str) -> None:
    """What a run of ``cycle`` does first: the inventory, which records the sources' fingerprint."""
    result = dg.materialize([sources_inventory], partition_key=cycle, instance=instance,
                            resources={"settings": ReconSettings()})
    assert result.success


# ---------------------------------------------------------------- jobs and groups


def test_every_stage_has_a_job_partitioned_by_cycle() -> None:
    specs = list(defs.resolve_all_asset_specs())
    for name in ("close_cycle", *STAGE_JOBS):
        job = defs.resolve_job_def(name)
        keys = set(job.asset_layer.executable_asset_keys)
        if name == "close_cycle":
            assert keys == {s.key for s in specs}
        else:
            assert keys == {s.key for s in specs if s.group_name in STAGE_JOBS[name]}, name
        if keys:  # check_quality selects nothing until the quality group exists
            assert job.partitions_def == cycle_partitions, name
    assert defs.resolve_job_def("extract_sources").asset_layer.executable_asset_keys
    assert defs.resolve_job_def("build_warehouse").asset_layer.executable_asset_keys


def _checks(job_name: str) -> set[dg.AssetCheckKey]:
    return set(defs.resolve_job_def(job_name).asset_layer.asset_graph.asset_check_keys)


def test_every_check_runs_in_exactly_one_stage() -> None:
    """dbt tests run with the warehouse; a check is never split from the op that computes it."""
    by_stage = {name: _checks(name) for name in STAGE_JOBS}
    everything = _checks("close_cycle")
    assert set().union(*by_stage.values()) == everything
    assert sum(len(checks) for checks in by_stage.values()) == len(everything)
    assert by_stage["build_warehouse"], "the dbt tests run in build_warehouse"
    dbt_checks = set(defs.get_assets_def(dg.AssetKey(["marts", "fct_mismatches"])).check_keys)
    assert dbt_checks <= by_stage["build_warehouse"]
    # No stage job runs an op of another stage for the checks it computes.
    graph = defs.resolve_asset_graph()
    for name in STAGE_JOBS:
        job = defs.resolve_job_def(name)
        own_ops = {graph.assets_def_for_key(k).node_def.name
                   for k in job.asset_layer.executable_asset_keys}
        assert set(job.graph.node_names()) == own_ops, name


def test_jobs_that_open_the_warehouse_run_one_at_a_time() -> None:
    for name in WAREHOUSE_JOBS:
        assert defs.resolve_job_def(name).run_tags.get(WAREHOUSE[0]) == WAREHOUSE[1], name
    assert WAREHOUSE[0] not in defs.resolve_job_def("extract_sources").run_tags


def test_assets_are_grouped_by_stage_of_the_data_flow() -> None:
    group = {s.key.to_user_string(): s.group_name for s in defs.resolve_all_asset_specs()}
    assert group["sources_inventory"] == "sources"
    assert group["raw/billing/invoices"] == "sources"
    assert group["raw/usage/events"] == "sources"
    assert group["staging/stg_billing__invoices"] == "canonical"
    assert group["intermediate/int_usage_events_deduplicated"] == "canonical"
    assert group["marts/fct_invoices"] == "canonical"
    assert group["marts/fct_mismatches"] == "reconciliation"
    assert group["marts/fct_recon_coverage"] == "reconciliation"
    assert group["marts/recon_billing_erp"] == "reconciliation"
    assert group["intermediate/int_recon_severities"] == "reconciliation"
    assert group["reports/cycle_reports"] == "reports"
    tags = {s.key.to_user_string(): s.tags for s in defs.resolve_all_asset_specs()}
    assert tags["staging/stg_billing__invoices"]["recon/system"] == "billing"
    assert tags["raw/payments/charges"]["recon/system"] == "payments"


# ---------------------------------------------------------------- schedules


def test_schedules_are_on_by_default_at_the_configured_times() -> None:
    close = defs.resolve_schedule_def("close_cycle_monthly")
    provisional = defs.resolve_schedule_def("provisional_cycle_daily")
    assert (close.cron_schedule, close.execution_timezone) == ("0 6 4 * *", "UTC")
    assert (provisional.cron_schedule, provisional.execution_timezone) == ("0 5 * * *", "UTC")
    assert close.job_name == provisional.job_name == "close_cycle"
    for schedule in (close, provisional):
        assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_recon_config_moves_the_schedules(tmp_path: Path) -> None:
    path = tmp_path / "recon.yml"
    path.write_text("schedule:\n  close_day_of_month: 6\n  provisional_hour_utc: 22\n")
    schedule = load_close_schedule({"RECON_CONFIG": str(path)})
    assert schedule == CloseSchedule(close_day_of_month=6, close_hour_utc=6,
                                     provisional_hour_utc=22)
    assert (schedule.close_cron, schedule.provisional_cron) == ("0 6 6 * *", "0 22 * * *")


def test_close_schedule_runs_the_month_just_ended(
    instance: dg.DagsterInstance, dirs: tuple[Path, Path]
) -> None:
    requests = _schedule_tick("close_cycle_monthly", instance, CLOSE_TICK)
    assert [r.partition_key for r in requests] == ["2026-10"]
    request = requests[0]
    assert request.tags["recon/trigger"] == "close"
    assert request.tags[WAREHOUSE[0]] == WAREHOUSE[1]
    assert PROVISIONAL_TAG not in request.tags
    following = _schedule_tick("close_cycle_monthly", instance,
                               datetime(2026, 12, 4, 6, tzinfo=UTC))
    assert [r.partition_key for r in following] == ["2026-11"]
    assert following[0].run_key != request.run_key


def test_close_schedule_also_runs_earlier_cycles_with_open_exceptions(
    instance: dg.DagsterInstance, dirs: tuple[Path, Path]
) -> None:
    _, out = dirs
    t0 = datetime(2026, 8, 4, 6, tzinfo=UTC)
    write_reports(out, _inputs("2026-07", "in_jul"), now=t0)
    write_reports(out, _inputs("2026-08", "in_aug"), now=t0 + timedelta(days=31))
    write_reports(out, _inputs("2026-09"), now=t0 + timedelta(days=62))
    write_reports(out, _inputs("2026-07"), now=t0 + timedelta(days=63))  # fixed: resolved
    requests = _schedule_tick("close_cycle_monthly", instance, CLOSE_TICK)
    assert [r.partition_key for r in requests] == ["2026-10", "2026-08"]
    assert requests[1].tags["recon/trigger"] == "recheck"
    assert requests[1].tags[WAREHOUSE[0]] == WAREHOUSE[1]
    assert len({r.run_key for r in requests}) == 2


def test_provisional_schedule_runs_the_open_month(
    instance: dg.DagsterInstance, dirs: tuple[Path, Path]
) -> None:
    requests = _schedule_tick("provisional_cycle_daily", instance,
                              datetime(2026, 11, 12, 5, tzinfo=UTC))
    assert [r.partition_key for r in requests] == ["2026-11"]
    assert requests[0].tags[PROVISIONAL_TAG] == "true"
    assert requests[0].tags[WAREHOUSE[0]] == WAREHOUSE[1]
    tomorrow = _schedule_tick("provisional_cycle_daily", instance,
                              datetime(2026, 11, 13, 5, tzinfo=UTC))
    assert tomorrow[0].run_key != requests[0].run_key


# ---------------------------------------------------------------- late data


def test_sensor_is_on_by_default_and_cheap_to_tick() -> None:
    sensor = defs.resolve_sensor_def("late_source_data")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.minimum_interval_seconds == 60
    assert sensor.job_name == "close_cycle"


def test_sensor_reruns_a_reconciled_cycle_once_per_change_of_its_sources(
    instance: dg.DagsterInstance, dirs: tuple[Path, Path]
) -> None:
    sources, out = dirs
    # 2026-10 was closed: its run recorded the sources and wrote the final reports.
    _record_sources(instance, "2026-10")
    write_reports(out, _inputs("2026-10", "in_1"), now=CLOSE_TICK)
    # 2026-11 only had a provisional run: not reconciled, not watched.
    _record_sources(instance, "2026-11")
    write_reports(out, _inputs("2026-11"), now=CLOSE_TICK, provisional=True)

    requests, cursor, skipped = _sensor_tick(instance, None)
    assert requests == []
    assert skipped

    # Late usage for October arrives.
    (sources / "usage" / "events-2026-10-late.jsonl").write_text('{"id": "e2"}\n')
    requests, cursor, _ = _sensor_tick(instance, cursor)
    assert [r.partition_key for r in requests] == ["2026-10"]
    digest = json.loads(cursor or "{}")["2026-10"]
    assert requests[0].run_key == f"2026-10:{digest}"
    assert requests[0].tags["recon/trigger"] == "late_data"
    assert "usage/events-2026-10-late.jsonl" in requests[0].tags["recon/sources_changed"]
    assert requests[0].tags[WAREHOUSE[0]] == WAREHOUSE[1]

    # The same change is not asked for again while the run waits in the queue; and a sensor
    # that lost its cursor asks with the same run key, which the daemon does not launch twice.
    again, cursor_again, _ = _sensor_tick(instance, cursor)
    assert again == []
    assert cursor_again == cursor
    assert [r.run_key for r in _sensor_tick(instance, None)[0]] == [requests[0].run_key]

    # The re-run records the sources as they are now: nothing left to do.
    _record_sources(instance, "2026-10")
    requests, cursor, _ = _sensor_tick(instance, cursor)
    assert requests == []
    assert json.loads(cursor or "{}") == {}

    # A further change (a file rewritten) is a new change: one more run.
    invoices = sources / "billing" / "invoices.jsonl"
    invoices.write_text('{"id": "in_1"}\n{"id": "in_2"}\n')
    requests, cursor, _ = _sensor_tick(instance, cursor)
    assert [r.partition_key for r in requests] == ["2026-10"]
    assert "billing/invoices.jsonl" in requests[0].tags["recon/sources_changed"]


def test_sensor_requests_nothing_without_reconciled_cycles(
    instance: dg.DagsterInstance, dirs: tuple[Path, Path]
) -> None:
    requests, cursor, skipped = _sensor_tick(instance, None)
    assert requests == []
    assert skipped
    assert json.loads(cursor or "{}") == {}
