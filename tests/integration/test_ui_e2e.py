"""The Dagster UI end to end: `dagster dev` as `make dev` starts it, driven by a headless browser.

One `dagster dev -w workspace.yaml` (webserver and daemon) on a free port, its instance in a
private DAGSTER_HOME holding config/dagster.yaml (the run queue's one-writer limit), the
generated demo sources and a private output directory. Then:

- the code location loads without error (its load time is printed);
- the asset graph page renders (screenshot);
- one cycle, 2026-09, is materialized THROUGH THE UI (Materialize all, partition dialog,
  Launch) and succeeds (screenshot of the run page); its report equals the planted truth;
- the asset checks of that run (dbt tests) are recorded;
- a backfill of the two other demo cycles, launched through GraphQL, runs one cycle at a time
  (the queue limit on the run tag recon/warehouse); with the UI's run it closes the three demo
  cycles, and every cycle's report equals the truth, finding for finding; the backfill leaves
  the UI run's 2026-09 report as it was;
- schedules and sensors are listed, and turned on (and off again) through GraphQL.

Screenshots: the test's tmp dir, copied to /tmp/ui-screenshots/ for a human to look at.
Needs Debian's chromium (/usr/bin/chromium); Playwright never downloads a browser here.
"""

from __future__ import annotations

import csv
import itertools
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from recon_pipeline.generate import GenerateStats
from recon_pipeline.lib.reports.ids import exception_id
from tests.integration.ui.server import DagsterDev, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
LOCATION = "recon_pipeline"
JOB = "close_cycle"
CYCLES = ("2026-08", "2026-09", "2026-10")
UI_CYCLE = "2026-09"
#: The backfill's cycles: the others. The UI's run has closed 2026-09 already; the backfill
#: ran it a second time (a cycle's run, 60-70 s of the module's time) to compare the two reports,
#: every column but `status`, which tests/integration/test_end_to_end.py's re-run of a cycle
#: compares (test_rerunning_a_cycle_changes_nothing).
BACKFILL_CYCLES = tuple(c for c in CYCLES if c != UI_CYCLE)
#: An asset the dbt tests check (their results are asset checks on it).
CHECKED_ASSET = ["marts", "fct_mismatches"]
#: How the generic dbt tests name their checks.
DBT_TEST_PREFIXES = ("not_null_", "unique_", "accepted_values_", "relationships_")
WAREHOUSE_TAG = {"key": "recon/warehouse", "value": "write"}
SCREENSHOT_COPIES = Path("/tmp/ui-screenshots")
#: A cycle's run takes 1-2 min on two idle cores (the multiprocess executor starts a process
#: per step), several times that on a busy machine; the limits leave room for the latter.
RUN_TIMEOUT_S = 900
BACKFILL_TIMEOUT_S = 3 * RUN_TIMEOUT_S
#: Launching from the dialog (run created, queued) takes seconds, a minute on a busy machine.
LAUNCH_TIMEOUT_MS = 180_000

#: The columns a finding is compared on: its identity, its recon and its amounts.
Finding = tuple[str, str, str, str, Decimal | None, Decimal | None]


# --- the server and the browser -------------------------------------------------------------

@dataclass
class Stack:
    """The running server and what the tests need to know about it."""

    dev: DagsterDev
    out: Path
    sources: Path
    shots: Path
    answered_s: float
    loaded_s: float
    location: dict[str, Any]

    def shoot(self, page: Any, name: str) -> Path:
        """Screenshot ``page`` into the test's tmp dir and a copy into /tmp/ui-screenshots."""
        png = self.shots / f"{name}.png"
        page.screenshot(path=str(png), full_page=False)
        SCREENSHOT_COPIES.mkdir(parents=True, exist_ok=True)
        shutil.copy(png, SCREENSHOT_COPIES / png.name)
        assert png.stat().st_size > 10_000, f"{png} is nearly empty"
        return png


def _chromium() -> str:
    if not os.path.exists(CHROMIUM):
        message = "chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, generated: GenerateStats) -> Iterator[Stack]:
    """`dagster dev` in a private instance; stopped (its whole process group) afterwards."""
    _chromium()
    root = tmp_path_factory.mktemp("ui_e2e")
    home, out, shots = root / "dagster_home", root / "out", root / "screenshots"
    for folder in (home, out, shots):
        folder.mkdir()
    shutil.copy(ROOT / "config" / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECON_", "DAGSTER_"))}
    env |= {"RECON_SOURCES_DIR": str(generated.out), "RECON_OUT_DIR": str(out)}
    dev = DagsterDev(ROOT, home, env, root / "dagster_dev.log")
    dev.start()
    try:
        def answering() -> bool | None:
            assert dev.alive(), f"dagster dev exited:\n{dev.log_tail()}"
            return True if dev.answers() else None

        wait_for("the webserver to answer", answering, timeout_s=180)
        answered = time.monotonic() - dev.started_at
        # A load error fails here, with the error's message and stack.
        location = wait_for(f"code location {LOCATION}", lambda: dev.location(LOCATION),
                            timeout_s=180)
        loaded = time.monotonic() - dev.started_at
        yield Stack(dev, out, generated.out, shots, answered, loaded, location)
    finally:
        dev.stop()


@pytest.fixture(scope="module")
def page(stack: Stack) -> Iterator[Any]:
    """A headless Chromium page (Debian's browser, driven by Playwright)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), headless=True)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(120_000)  # two test workers share two cores in CI
            yield page
        finally:
            browser.close()


# --- GraphQL --------------------------------------------------------------------------------

RUNS = """
query Runs($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    __typename
    ... on Runs { results { runId jobName status startTime endTime tags { key value } } }
    ... on PythonError { message }
  }
}
"""

LAUNCH_BACKFILL = """
mutation Backfill($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""

BACKFILL = """
query Backfill($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill {
      status
      partitionNames
      runs { runId status startTime endTime tags { key value } }
      error { message }
    }
    ... on PythonError { message }
  }
}
"""

ASSET_CHECKS = """
query Checks($assetKey: AssetKeyInput!) {
  assetNodeOrError(assetKey: $assetKey) {
    __typename
    ... on AssetNode {
      assetChecksOrError {
        __typename
        ... on AssetChecks { checks { name } }
      }
    }
  }
}
"""

CHECK_EXECUTIONS = """
query Executions($assetKey: AssetKeyInput!, $checkName: String!) {
  assetCheckExecutions(assetKey: $assetKey, checkName: $checkName, limit: 20) {
    runId
    status
    partition
    evaluation { success severity }
  }
}
"""

START_SCHEDULE = """
mutation Start($selector: ScheduleSelector!) {
  startSchedule(scheduleSelector: $selector) {
    __typename
    ... on ScheduleStateResult { scheduleState { id status } }
    ... on PythonError { message }
  }
}
"""

STOP_SCHEDULE = """
mutation Stop($id: String!) {
  stopRunningSchedule(id: $id) {
    __typename
    ... on ScheduleStateResult { scheduleState { id status } }
    ... on PythonError { message }
  }
}
"""

START_SENSOR = """
mutation Start($selector: SensorSelector!) {
  startSensor(sensorSelector: $selector) {
    __typename
    ... on Sensor { name sensorState { id status } }
    ... on PythonError { message }
  }
}
"""

STOP_SENSOR = """
mutation Stop($id: String!) {
  stopSensor(id: $id) {
    __typename
    ... on StopSensorMutationResult { instigationState { status } }
    ... on PythonError { message }
  }
}
"""

INSTIGATORS = """
query Instigators($repo: RepositorySelector!) {
  repositoryOrError(repositorySelector: $repo) {
    ... on Repository {
      schedules { name scheduleState { id status } }
      sensors { name sensorState { id status } }
    }
  }
}
"""


def _repository(stack: Stack) -> dict[str, Any]:
    repositories = stack.location["repositories"]
    assert len(repositories) == 1, [r["name"] for r in repositories]
    return dict(repositories[0])


def _repo_selector(stack: Stack) -> dict[str, str]:
    return {"repositoryName": _repository(stack)["name"], "repositoryLocationName": LOCATION}


def _runs(stack: Stack, **run_filter: Any) -> list[dict[str, Any]]:
    found = stack.dev.graphql(RUNS, {"filter": run_filter})["runsOrError"]
    assert found["__typename"] == "Runs", found
    return list(found["results"])


def _tags(run: dict[str, Any]) -> dict[str, str]:
    return {t["key"]: t["value"] for t in run["tags"]}


def _succeeded(stack: Stack, run: dict[str, Any]) -> None:
    assert run["status"] == "SUCCESS", (
        f"run {run['runId']} {run['status']}:\n{stack.dev.run_errors(run['runId'])}\n"
        f"--- dagster dev log:\n{stack.dev.log_tail(2000)}")


# --- findings -------------------------------------------------------------------------------

def _truth(sources: Path, cycle: str) -> dict[str, Finding]:
    """exception_id -> the planted finding (the generator's _truth/findings.csv)."""
    with open(sources / "_truth" / "findings.csv", newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["cycle"] == cycle]
    truth: dict[str, Finding] = {}
    for r in rows:
        period = date.fromisoformat(r["period_start"]) if r["period_start"] else None
        truth[exception_id(r["category"], r["object_id"], period)] = (
            r["category"], r["object_id"], r["period_start"], r["recon"],
            Decimal(r["leakage_amount"]) if r["leakage_amount"] else None,
            Decimal(r["leakage_amount_reporting"]) if r["leakage_amount_reporting"] else None)
    return truth


def _reported(out: Path, cycle: str) -> dict[str, Finding]:
    """exception_id -> the finding as OUT/reports/<cycle>/mismatches.parquet reports it."""
    rows = pq.read_table(out / "reports" / cycle / "mismatches.parquet").to_pylist()
    reported = {r["exception_id"]: (
        r["category"], r["object_id"],
        r["period_start"].isoformat() if r["period_start"] else "", r["recon"],
        r["leakage_amount"], r["leakage_amount_reporting"]) for r in rows}
    assert len(reported) == len(rows), "an exception_id appears twice"
    return reported


def _assert_equal_findings(got: dict[str, Finding], expected: dict[str, Finding],
                           what: str) -> None:
    missing = sorted(set(expected) - set(got))
    unexpected = sorted(set(got) - set(expected))
    assert not missing, f"{what}: {len(missing)} findings missing, e.g. " + str(
        [expected[k] for k in missing[:5]])
    assert not unexpected, f"{what}: {len(unexpected)} findings not expected, e.g. " + str(
        [got[k] for k in unexpected[:5]])
    differ = [(k, got[k], expected[k]) for k in expected if got[k] != expected[k]]
    assert not differ, f"{what}: {len(differ)} findings differ (id, got, expected): {differ[:5]}"


def _report_rows(out: Path, cycle: str) -> list[dict[str, Any]]:
    """Every column of every finding of a cycle's report, but `status` (new/recurring depends
    on which cycles ran before), sorted by exception_id."""
    rows = pq.read_table(out / "reports" / cycle / "mismatches.parquet").to_pylist()
    return sorted(({k: v for k, v in r.items() if k != "status"} for r in rows),
                  key=lambda r: str(r["exception_id"]))


# --- the UI run and the backfill, once for the module ----------------------------------------

@dataclass
class UiRun:
    run: dict[str, Any]
    report: list[dict[str, Any]]
    findings: dict[str, Finding]
    seconds: float


@pytest.fixture(scope="module")
def ui_run(stack: Stack, page: Any) -> UiRun:
    """Cycle 2026-09 launched through the UI: job page, Materialize all, partition, Launch."""
    try:
        return _launch_through_the_ui(stack, page)
    except Exception:
        stack.shoot(page, "failed_ui_run")  # what the page showed when it went wrong
        raise


def _launch_through_the_ui(stack: Stack, page: Any) -> UiRun:
    page.goto(f"{stack.dev.url}/locations/{LOCATION}/jobs/{JOB}", wait_until="load")
    page.get_by_role("button", name=re.compile(r"Materialize all")).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_placeholder(re.compile(r"^ex:")).fill(UI_CYCLE)
    dialog.get_by_placeholder(re.compile(r"^ex:")).press("Enter")
    dialog.get_by_text("1 partition", exact=True).wait_for()
    stack.shoot(page, "2_partition_dialog")
    launched_at = time.time()
    started = time.monotonic()
    dialog.get_by_role("button", name="Launch 1 run").click()
    dialog.wait_for(state="hidden", timeout=LAUNCH_TIMEOUT_MS)

    def launched() -> dict[str, Any] | None:
        runs = [r for r in _runs(stack, pipelineName=JOB)
                if _tags(r).get("dagster/partition") == UI_CYCLE
                and _tags(r).get("dagster/from_ui") == "true"]
        return runs[0] if runs else None

    run_id = wait_for("the run launched from the UI", launched, timeout_s=120)["runId"]
    run = stack.dev.wait_for_run(run_id, RUN_TIMEOUT_S)
    seconds = time.monotonic() - started
    _succeeded(stack, run)
    assert run["startTime"] >= launched_at - 5
    page.goto(f"{stack.dev.url}/runs/{run_id}", wait_until="load")
    page.get_by_text("Success", exact=True).first.wait_for()
    page.wait_for_timeout(1500)  # the step timeline finishes drawing
    stack.shoot(page, "3_run_succeeded")
    return UiRun(run, _report_rows(stack.out, UI_CYCLE), _reported(stack.out, UI_CYCLE), seconds)


@dataclass
class Backfill:
    backfill_id: str
    runs: list[dict[str, Any]]
    seconds: float


@pytest.fixture(scope="module")
def backfill(stack: Stack, ui_run: UiRun) -> Backfill:
    """A backfill of the other demo cycles of close_cycle (all but the UI's), launched through
    GraphQL after the UI's run has finished."""
    del ui_run  # only its order: the backfill comes after the UI's run
    started = time.monotonic()
    launched = stack.dev.graphql(LAUNCH_BACKFILL, {"params": {
        "selector": {"partitionSetName": f"{JOB}_partition_set",
                     "repositorySelector": _repo_selector(stack)},
        "partitionNames": list(BACKFILL_CYCLES),
        "title": "UI end-to-end: the demo cycles the UI's run left",
    }})["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    backfill_id = launched["backfillId"]

    def done() -> dict[str, Any] | None:
        assert stack.dev.alive(), f"dagster dev exited:\n{stack.dev.log_tail()}"
        state = stack.dev.graphql(BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]
        assert state["__typename"] == "PartitionBackfill", state
        runs = state["runs"]
        finished = len(runs) == len(BACKFILL_CYCLES) and all(
            r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in runs)
        if any(r["status"] in ("FAILURE", "CANCELED") for r in runs):
            return state  # no use waiting for the others: the test fails anyway
        return state if finished or state["status"] in ("FAILED", "CANCELED") else None

    state = wait_for(f"backfill {backfill_id}", done, BACKFILL_TIMEOUT_S, interval_s=3)
    runs = [stack.dev.run(r["runId"]) for r in state["runs"]]
    for run in runs:
        _succeeded(stack, run)
    assert state["status"] in ("COMPLETED", "COMPLETED_SUCCESS", "REQUESTED"), state
    return Backfill(backfill_id, runs, time.monotonic() - started)


# --- the tests ------------------------------------------------------------------------------

def test_the_code_location_loads(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(f"\ndagster dev: webserver answered after {stack.answered_s:.1f} s, "
              f"code location {LOCATION} loaded after {stack.loaded_s:.1f} s")
    repository = _repository(stack)
    assert JOB in {p["name"] for p in repository["pipelines"]}
    assert repository["schedules"], "no schedule in the code location"
    assert stack.loaded_s < 120


def test_the_asset_graph_renders(stack: Stack, page: Any) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    page.goto(f"{stack.dev.url}/asset-groups", wait_until="load")
    page.get_by_text("Global asset lineage").wait_for()
    # The graph's own controls (zoom, settings) show once it is laid out; the navigation's
    # Settings button comes before them.
    page.locator("button:has([aria-label='zoom_in'])").wait_for()
    page.wait_for_timeout(1000)  # the graph's layout animation
    stack.shoot(page, "1_asset_graph_groups")  # the whole flow, one box per group
    # Every group open: the assets themselves (too many to fit, so a part of them).
    graph_settings = page.locator("button:has([aria-label='settings'])").last
    graph_settings.click()
    expand = page.get_by_role("menuitem", name=re.compile("Expand all groups"))
    expand.click()
    # Open the menu again only once it has closed: the menu now offers the opposite, the
    # groups are open. On a loaded machine a click while the menu was still closing was lost
    # and "Collapse all groups" never showed (seen twice in make test, once after waiting for
    # the menu to hide): a menu that did not open is closed and opened again.
    expand.wait_for(state="hidden")
    collapse = page.get_by_role("menuitem", name=re.compile("Collapse all groups"))
    for attempt in range(5):
        graph_settings.click()
        try:
            collapse.wait_for(timeout=20_000)
            break
        except PlaywrightTimeoutError:
            if attempt == 4:
                raise
            page.keyboard.press("Escape")
            page.wait_for_timeout(1000)
    page.keyboard.press("Escape")
    page.wait_for_timeout(1500)
    stack.shoot(page, "1_asset_graph_expanded")


def test_one_cycle_materialized_through_the_ui_equals_the_truth(
    stack: Stack, ui_run: UiRun, capsys: pytest.CaptureFixture[str]
) -> None:
    with capsys.disabled():
        print(f"\nUI run of {UI_CYCLE}: launched to SUCCESS in {ui_run.seconds:.0f} s")
    assert ui_run.run["jobName"] == JOB
    assert _tags(ui_run.run)["dagster/partition"] == UI_CYCLE
    _assert_equal_findings(ui_run.findings, _truth(stack.sources, UI_CYCLE),
                           f"UI run of {UI_CYCLE} against the truth")


def test_asset_checks_of_the_run_are_recorded(
    stack: Stack, ui_run: UiRun, capsys: pytest.CaptureFixture[str]
) -> None:
    asset_key = {"path": CHECKED_ASSET}
    node = stack.dev.graphql(ASSET_CHECKS, {"assetKey": asset_key})["assetNodeOrError"]
    assert node["__typename"] == "AssetNode", node
    assert node["assetChecksOrError"]["__typename"] == "AssetChecks", node
    names = sorted(c["name"] for c in node["assetChecksOrError"]["checks"])
    assert names, f"no asset check on {CHECKED_ASSET}"
    run_id = ui_run.run["runId"]
    outcomes: dict[str, str] = {}
    for name in names:
        executions = stack.dev.graphql(
            CHECK_EXECUTIONS, {"assetKey": asset_key, "checkName": name}
        )["assetCheckExecutions"]
        mine = [e for e in executions if e["runId"] == run_id]
        assert mine, f"check {name} on {CHECKED_ASSET} has no execution in run {run_id}"
        execution = mine[0]
        assert execution["partition"] in (UI_CYCLE, None), execution
        evaluation = execution["evaluation"] or {}
        outcomes[name] = execution["status"] + (
            "" if evaluation.get("success", True) else f" ({evaluation.get('severity')})")
    with capsys.disabled():
        print(f"\nasset checks on {'/'.join(CHECKED_ASSET)} in the UI run: {outcomes}")
    # Evaluated, whatever the verdict: a check may fail by design on a cycle with findings
    # (the demo data has planted error-level ones), but it must have run to a verdict.
    unresolved = {n: o for n, o in outcomes.items() if o.split()[0] not in ("SUCCEEDED", "FAILED")}
    assert not unresolved, f"asset checks without a verdict in run {run_id}: {unresolved}"
    # The dbt data tests (the model's contract: keys unique and present) pass on every cycle.
    dbt_tests = {n: o for n, o in outcomes.items() if n.startswith(DBT_TEST_PREFIXES)}
    assert dbt_tests, f"no dbt test among the checks on {CHECKED_ASSET}: {sorted(outcomes)}"
    failed = {n: o for n, o in dbt_tests.items() if o != "SUCCEEDED"}
    assert not failed, f"dbt tests on {CHECKED_ASSET} failed in run {run_id}: {failed}"


def test_a_backfill_runs_the_other_cycles_in_turn_and_all_equal_the_truth(
    stack: Stack, ui_run: UiRun, backfill: Backfill, capsys: pytest.CaptureFixture[str]
) -> None:
    with capsys.disabled():
        print(f"\nbackfill of {', '.join(BACKFILL_CYCLES)}: {backfill.seconds:.0f} s")
    by_cycle = {_tags(r)["dagster/partition"]: r for r in backfill.runs}
    assert sorted(by_cycle) == list(BACKFILL_CYCLES)
    assert len(BACKFILL_CYCLES) >= 2  # else the queue's one-at-a-time below asserts nothing
    # With the UI's run, the three demo cycles; every run of close_cycle carries the tag.
    assert sorted([*by_cycle, _tags(ui_run.run)["dagster/partition"]]) == list(CYCLES)
    for run in [ui_run.run, *backfill.runs]:
        assert run["jobName"] == JOB
        tags = _tags(run)
        assert tags.get(WAREHOUSE_TAG["key"]) == WAREHOUSE_TAG["value"], (
            f"{JOB} runs must carry the run tag {WAREHOUSE_TAG}: the run queue's one-writer "
            f"limit keys on it; tags were {tags}")
    # The queue let one warehouse writer run at a time: no two runs overlap.
    spans = sorted((r["startTime"], r["endTime"]) for r in [ui_run.run, *backfill.runs])
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end, f"backfill runs overlapped: {spans}"
    for cycle in CYCLES:
        _assert_equal_findings(_reported(stack.out, cycle), _truth(stack.sources, cycle),
                               f"{'UI' if cycle == UI_CYCLE else 'backfill'} run of {cycle} "
                               "against the truth")
    # The backfill's runs of the cycles before and after it left the UI run's 2026-09 report as
    # it was, every column (but new/recurring).
    assert _report_rows(stack.out, UI_CYCLE) == ui_run.report


def _states(stack: Stack, kind: str) -> dict[str, dict[str, str]]:
    """Name -> {id, status (RUNNING/STOPPED)} of every schedule (``kind`` "schedule") or
    sensor."""
    listed = stack.dev.graphql(INSTIGATORS, {"repo": _repo_selector(stack)})["repositoryOrError"]
    return {i["name"]: i[f"{kind}State"] for i in listed[f"{kind}s"]}


def _statuses(stack: Stack, kind: str) -> dict[str, str]:
    return {name: state["status"] for name, state in _states(stack, kind).items()}


def _start(stack: Stack, kind: str, name: str) -> str:
    """Turn a schedule or sensor on through GraphQL; its state's id."""
    if kind == "schedule":
        selector = {**_repo_selector(stack), "scheduleName": name}
        result = stack.dev.graphql(START_SCHEDULE, {"selector": selector})["startSchedule"]
        assert result["__typename"] == "ScheduleStateResult", result
        state = result["scheduleState"]
    else:
        selector = {**_repo_selector(stack), "sensorName": name}
        result = stack.dev.graphql(START_SENSOR, {"selector": selector})["startSensor"]
        assert result["__typename"] == "Sensor", result
        state = result["sensorState"]
    assert state["status"] == "RUNNING", result
    return str(state["id"])


def _stop(stack: Stack, kind: str, state_id: str) -> None:
    """Turn a schedule or sensor off through GraphQL."""
    if kind == "schedule":
        result = stack.dev.graphql(STOP_SCHEDULE, {"id": state_id})["stopRunningSchedule"]
        assert result["__typename"] == "ScheduleStateResult", result
        assert result["scheduleState"]["status"] == "STOPPED", result
    else:
        result = stack.dev.graphql(STOP_SENSOR, {"id": state_id})["stopSensor"]
        assert result["__typename"] == "StopSensorMutationResult", result
        assert result["instigationState"]["status"] == "STOPPED", result


def _turn_on(stack: Stack, kind: str) -> str:
    """Turn one schedule or sensor on and see it RUNNING; one already on (the code may start
    it by default) is turned off first. Each is left as it was found. Returns its name."""
    before = _statuses(stack, kind)
    name = sorted(before)[0]
    if before[name] == "RUNNING":
        _stop(stack, kind, _states(stack, kind)[name]["id"])
        assert _statuses(stack, kind)[name] == "STOPPED"
    state_id = _start(stack, kind, name)
    assert _statuses(stack, kind)[name] == "RUNNING"
    if before[name] == "STOPPED":
        _stop(stack, kind, state_id)
    assert _statuses(stack, kind) == before
    return name


def test_schedules_and_sensors_are_listed_and_turned_on(
    stack: Stack, backfill: Backfill, capsys: pytest.CaptureFixture[str]
) -> None:
    """After the runs, so that nothing they launch competes with them."""
    del backfill
    schedules, sensors = _statuses(stack, "schedule"), _statuses(stack, "sensor")
    with capsys.disabled():
        print(f"\nschedules: {schedules}; sensors: {sensors}")
    assert schedules, "no schedule"
    _turn_on(stack, "schedule")
    if sensors:  # without a sensor in the code location, the schedules above are the test
        _turn_on(stack, "sensor")
