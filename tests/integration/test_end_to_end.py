"""The whole pipeline on generated sources: every planted finding reported, nothing else.

Runs ``recon run`` (Dagster in-process, extraction, dbt, reports) for every demo cycle on a
directory written by the project's generator, then compares the reports with the planted
truth: recall and precision 1.0 for every category, leakage to the cent, the output contract
(``recon check``, docs/outputs.md) kept, quarantine equal to the planted malformed rows, and a
re-run that changes nothing.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recon_pipeline.lib.registry import BLOCKING_CATEGORIES
from tests.integration.pipeline import CYCLES, RECON, Run, recon_run

pytestmark = pytest.mark.slow
_recon_run = recon_run


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
def test_output_contract_is_kept(pipeline: Run, cycle: str) -> None:
    done = subprocess.run([str(RECON), "check", str(pipeline.out), cycle],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize("cycle", CYCLES)
def test_the_terminal_says_where_the_close_stands(pipeline: Run, cycle: str) -> None:
    """A line per stage, then the cycle's close line; the tools' output in OUT/logs."""
    done = pipeline.printed[cycle]
    lines = done.stdout.splitlines()
    assert done.stderr == ""
    assert len(lines) <= 12, done.stdout
    details = next(line for line in lines if line.startswith("details (dbt, Dagster): "))
    log = Path(details.split(": ", 1)[1])
    assert log.parent == pipeline.out / "logs" and log.is_file()
    assert "dbt build" in log.read_text() and "dbt" not in done.stdout.replace("(dbt", "")
    stages = [line.split()[0] for line in lines if line.startswith("  ")]
    assert stages == ["sources", "warehouse", "quality", "reports"], done.stdout
    summary = json.loads((pipeline.out / "reports" / cycle / "summary.json").read_text())
    report = pipeline.out / "reports" / cycle / "report.html"
    validation = json.loads((pipeline.out / "quality" / cycle / "validation.json").read_text())
    gate = next(e for s in validation["suites"] for e in s["expectations"]
                if e["check"] == "no_blocking_findings")
    last = lines[-1]
    assert last.startswith(f"{cycle}: not final: {gate['unexpected']} findings in categories "
                           "that must be cleared before the close"), last
    assert f"; {summary['findings_total']} findings, " in last
    assert f"(USD {Decimal(summary['leakage_total_reporting']):,} leakage)" in last \
        or f", USD {Decimal(summary['leakage_total_reporting']):,} leakage" in last
    assert last.endswith(f"; {report}")
    reports_line = next(line for line in lines if line.startswith("  reports"))
    assert f"{summary['findings_total']:,} findings" in reports_line


def test_three_cycles_print_under_60_lines(pipeline: Run) -> None:
    total = sum(len(done.stdout.splitlines()) for done in pipeline.printed.values())
    assert total < 60


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
    # Every column of every finding but `status` (new/recurring depends on which cycles ran
    # before: the first run had 2026-08 before it, this one 2026-10 as well).
    assert _but_status(after) == _but_status(before)
    assert ledger_after.num_rows == ledger_before.num_rows
    assert sorted(ledger_after.column("exception_id").to_pylist()) == sorted(
        ledger_before.column("exception_id").to_pylist())


def _but_status(table: pa.Table) -> list[dict[str, object]]:
    """A report's findings, every column but `status`, sorted by exception_id."""
    return sorted(({k: v for k, v in r.items() if k != "status"} for r in table.to_pylist()),
                  key=lambda r: str(r["exception_id"]))


@pytest.mark.parametrize("cycle", CYCLES)
def test_posting_delays_per_legal_entity_are_reported(pipeline: Run, cycle: str) -> None:
    """summary.json and report.html give each entity's posting delays; the counts are the
    cycle's finalized invoices and succeeded charges with a live journal of their type, once
    per legal entity whose books hold it."""
    import duckdb

    summary = json.loads((pipeline.out / "reports" / cycle / "summary.json").read_text())
    delays = summary["posting_delays"]
    assert {r["document_type"] for r in delays} == {"INVOICE", "PAYMENT"}
    assert all(r["median_days"] <= r["p95_days"] <= r["max_days"] for r in delays)
    posted = Counter()
    for r in delays:
        posted[r["document_type"]] += r["documents_posted"]
    with duckdb.connect(str(pipeline.out / "warehouse.duckdb"), read_only=True) as con:
        expected = dict(con.sql(f"""
            select document_type, count(*) from (
            select distinct document_type, document_ref, legal_entity_id
            from marts.fct_ledger_lines
            where is_live and (
                (document_type = 'INVOICE' and document_ref in (select invoice_id from
                    marts.fct_invoices where cycle = '{cycle}' and is_finalized
                    and finalized_at is not null))
                or (document_type = 'PAYMENT' and document_ref in (select charge_id from
                    marts.fct_charges where cycle = '{cycle}' and is_succeeded))))
            group by document_type""").fetchall())
    assert dict(posted) == expected
    html = (pipeline.out / "reports" / cycle / "report.html").read_text()
    assert "Posting delays by legal entity" in html


# The expectation suites (expectations/*.json) as the close gate.

DAGSTER = Path(sys.executable).parent / "dagster"
SUITES = Path(__file__).resolve().parents[2] / "expectations"


def _suite(name: str, folder: Path = SUITES) -> dict[str, object]:
    return json.loads((folder / f"{name}.json").read_text())


def _expectation(suite: dict[str, object], check: str) -> dict[str, object]:
    items = suite["expectations"]
    assert isinstance(items, list)
    return next(e for e in items if e["meta"]["check"] == check)


def _validation(out: Path, cycle: str) -> dict[str, dict[str, object]]:
    """check -> outcome, for every expectation of the cycle's validation."""
    data = json.loads((out / "quality" / cycle / "validation.json").read_text())
    return {f"{s['suite']}:{e['check']}": e for s in data["suites"] for e in s["expectations"]}


@pytest.mark.parametrize("cycle", CYCLES)
def test_expectations_fail_with_the_planted_counts(pipeline: Run, cycle: str) -> None:
    summary = json.loads((pipeline.out / "reports" / cycle / "summary.json").read_text())
    suites = {e["suite"]: e for e in summary["expectations"]}
    assert set(suites) == {p.stem for p in SUITES.glob("*.json")}
    assert all(set(e) >= {"suite", "asset", "success", "evaluated", "unexpected"}
               for e in summary["expectations"])
    outcomes = _validation(pipeline.out, cycle)
    # The suite takes its blocking list from the registry at validation time.
    assert _expectation(_suite("marts.fct_mismatches"), "no_blocking_findings")["kwargs"][
        "value_set"] == {"$PARAMETER": "blocking_categories"}
    blocking = BLOCKING_CATEGORIES
    planted = [r for r in _truth(pipeline, cycle).values() if r["category"] in blocking]
    assert planted, "the generator plants blocking findings in every cycle"
    gate = outcomes["marts.fct_mismatches:no_blocking_findings"]
    assert (gate["success"], gate["unexpected"]) == (False, len(planted))
    errors = outcomes["marts.fct_mismatches:no_error_findings"]
    assert errors["unexpected"] == summary["findings_by_severity"]["error"]
    with open(pipeline.sources / "_truth" / "malformed.csv", newline="", encoding="utf-8") as f:
        malformed = sum(1 for _ in csv.DictReader(f))
    quarantined = outcomes["raw.quarantine:no_rows_quarantined"]
    assert (quarantined["success"], quarantined["observed"]) == (False, malformed)
    # Every source check passes: the extractor quarantined the bad rows, the rest is sound.
    failed_sources = {k for k, e in outcomes.items()
                      if k.startswith("raw.") and not e["success"]} - {
        "raw.quarantine:no_rows_quarantined", "raw.usage.events:meter_known"}
    assert not failed_sources
    assert summary["status"] == "not_passing" and summary["final"] is False
    assert suites["marts.fct_mismatches"]["success"] is False
    html = (pipeline.out / "reports" / cycle / "report.html").read_text()
    assert "Not final" in html and "no_blocking_findings" in html
    assert (pipeline.out / "reports" / cycle / "data_docs" / "index.html").is_file()


def test_expectation_results_are_asset_checks_per_partition(pipeline: Run) -> None:
    import dagster as dg

    with dg.DagsterInstance.from_config(str(pipeline.home)) as instance:
        key = dg.AssetCheckKey(dg.AssetKey(["marts", "fct_mismatches"]), "no_blocking_findings")
        history = instance.event_log_storage.get_asset_check_execution_history(key, limit=20)
        by_partition = {r.partition: r for r in history if r.partition}
        assert set(CYCLES) <= set(by_partition)
        evaluation = by_partition["2026-09"].event.dagster_event.event_specific_data
        assert evaluation.passed is False
        assert evaluation.severity == dg.AssetCheckSeverity.ERROR
        assert evaluation.metadata["unexpected_count"].value > 0
        assert evaluation.metadata["example_rows"].value
        clean = dg.AssetCheckKey(dg.AssetKey(["raw", "billing", "invoices"]),
                                 "invoice_id_unique")
        latest = instance.event_log_storage.get_asset_check_execution_history(clean, limit=1)
        assert latest[0].event.dagster_event.event_specific_data.passed is True


def test_a_threshold_changed_in_the_suites_changes_the_next_run(
        pipeline: Run, tmp_path: Path) -> None:
    """Finance edits expectations/*.json, no code: the next run's outcome follows."""
    import shutil

    import duckdb

    out = tmp_path / "out"
    shutil.copytree(pipeline.out, out)
    with duckdb.connect(str(out / "warehouse.duckdb"), read_only=True) as con:
        # The findings table keeps every closed cycle's partition; the latest cycle run.
        (cycle,), = con.sql("select max(cycle) from marts.fct_mismatches").fetchall()
    leakage = Decimal(json.loads(
        (out / "reports" / cycle / "summary.json").read_text())["leakage_total_reporting"])
    assert leakage > 0
    assert _validation(out, cycle)["marts.fct_mismatches:leakage_within_limit"]["success"]

    suites = tmp_path / "expectations"
    shutil.copytree(SUITES, suites)

    def edit(name: str, check: str, **kwargs: object) -> None:
        suite = _suite(name, suites)
        _expectation(suite, check)["kwargs"].update(kwargs)
        (suites / f"{name}.json").write_text(json.dumps(suite, indent=2))

    def rerun() -> dict[str, object]:
        env = {**os.environ, "DAGSTER_HOME": str(pipeline.home), "RECON_OUT_DIR": str(out),
               "RECON_SOURCES_DIR": str(pipeline.sources),
               "RECON_EXPECTATIONS_DIR": str(suites)}
        done = subprocess.run(
            [str(DAGSTER), "asset", "materialize", "-m", "recon_pipeline.definitions",
             "--select", "quality/expectations,reports/cycle_reports", "--partition", cycle],
            capture_output=True, text=True, env=env, timeout=600, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        summary: dict[str, object] = json.loads(
            (out / "reports" / cycle / "summary.json").read_text())
        return summary

    # Leakage allowed: half of this cycle's. The blocking check now fails.
    edit("marts.fct_mismatches", "leakage_within_limit", max_value=float(leakage / 2))
    rerun()
    assert not _validation(out, cycle)["marts.fct_mismatches:leakage_within_limit"]["success"]

    # Every blocking threshold relaxed: the same findings make a final report.
    edit("marts.fct_mismatches", "leakage_within_limit", max_value=float(leakage * 2))
    edit("marts.fct_mismatches", "no_blocking_findings", value_set=[])
    edit("marts.fct_recon_coverage", "match_rate_at_least", min_value=0.0)
    edit("raw.quarantine", "quarantined_share_within_limit", max_value=1.0)
    summary = rerun()
    assert (summary["status"], summary["final"]) == ("final", True)


# The stream half: a late usage event over HTTP re-runs its closed cycle. Last in this module:
# it adds a finding to 2026-09 that the planted truth does not have.


def test_orphan_usage_event_over_http_is_a_finding_of_its_closed_cycle(
        pipeline: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dagster as dg

    from recon_pipeline.definitions import defs
    from tests.integration.stream.receiver import cloud_event, receiver_env, running

    stream = tmp_path / "stream"
    event = cloud_event("late-orphan-1", value=7, subject="cus_streamorphan",
                        time_text="2026-09-20T10:00:00Z", item=None)
    del event["data"]["subscription_item"]
    with running(receiver_env(stream)) as receiver:
        assert receiver.usage(event) == (200, {"stored": 1, "duplicates": 0})

    # The sensor lands it and asks for a re-run of 2026-09, which is reconciled already.
    for key, value in {"RECON_OUT_DIR": pipeline.out, "RECON_SOURCES_DIR": pipeline.sources,
                       "RECON_STREAM_DIR": stream}.items():
        monkeypatch.setenv(key, str(value))
    with dg.DagsterInstance.ephemeral() as instance:
        tick = defs.resolve_sensor_def("stream_landing").evaluate_tick(
            dg.build_sensor_context(instance=instance, definitions=defs))
    assert [r.partition_key for r in tick.run_requests or []] == ["2026-09"]

    env = {**os.environ, "DAGSTER_HOME": str(pipeline.home)}
    done = subprocess.run(
        [str(RECON), "run", "--sources", str(pipeline.sources), "--cycle", "2026-09", "--out",
         str(pipeline.out)], capture_output=True, text=True, env=env, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    object_id = f"cus_streamorphan/{event['type']}"
    found = [r for r in pq.read_table(
        pipeline.out / "reports" / "2026-09" / "mismatches.parquet").to_pylist()
        if r["object_id"] == object_id]
    assert [(r["category"], r["status"]) for r in found] == [("orphan_usage", "new")]
    ledger = [r for r in pq.read_table(pipeline.out / "exceptions.parquet").to_pylist()
              if r["exception_id"] == found[0]["exception_id"]]
    assert [(r["first_seen_cycle"], r["status"]) for r in ledger] == [("2026-09", "open")]
