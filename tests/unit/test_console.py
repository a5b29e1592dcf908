"""The terminal's lines (recon_pipeline.lib.console): where a close stands, a stage's tally,
and the tools' output kept out of the terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from recon_pipeline.lib.console import StageTally, close_line, stage_line

CYCLE = "2026-09"


def _outputs(out: Path, summary: dict[str, Any], blocking: list[dict[str, Any]]) -> Path:
    folder = out / "reports" / CYCLE
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps(
        {"cycle": CYCLE, "reporting_currency": "USD", "findings_total": 52,
         "leakage_total_reporting": "1446.43", **summary}))
    quality = out / "quality" / CYCLE
    quality.mkdir(parents=True)
    passed = {"check": "invoice_id_unique", "blocking": True, "success": True}
    (quality / "validation.json").write_text(json.dumps({"suites": [
        {"suite": "marts.fct_mismatches", "asset": "marts/fct_mismatches",
         "expectations": [passed, *blocking]}]}))
    return folder / "report.html"


def test_not_final_says_why_in_plain_words(tmp_path: Path) -> None:
    report = _outputs(tmp_path, {"status": "not_passing", "final": False,
                                 "at_stake_total_reporting": "2104733.1"}, [
        {"check": "no_blocking_findings", "blocking": True, "success": False, "unexpected": 17},
        {"check": "no_error_findings", "blocking": False, "success": False, "unexpected": 40},
        {"check": "match_rate_at_least", "blocking": True, "success": False},
        {"check": "journal_balanced", "blocking": True, "success": False,
         "description": "Every journal balances."},
    ])
    assert close_line(tmp_path, CYCLE) == (
        f"{CYCLE}: not final: 17 findings in categories that must be cleared before the close; "
        "a reconciliation matched fewer documents than the close requires; "
        "marts/fct_mismatches: every journal balances; "
        f"52 findings, USD 2,104,733.1 at stake (USD 1,446.43 leakage); {report}")


def test_final_and_money_at_stake_from_the_findings_when_the_summary_lacks_it(
        tmp_path: Path) -> None:
    report = _outputs(tmp_path, {"status": "final", "final": True}, [])
    pq.write_table(pa.table({"difference_reporting": pa.array(
        [Decimal("10.05"), None, Decimal("0.96")], pa.decimal128(18, 2))}),
        report.parent / "mismatches.parquet")
    assert close_line(tmp_path, CYCLE) == (
        f"{CYCLE}: final: every blocking check passed; "
        f"52 findings, USD 11.01 at stake (USD 1,446.43 leakage); {report}")


def test_without_money_at_stake_the_leakage_alone(tmp_path: Path) -> None:
    report = _outputs(tmp_path, {"status": "not_passing", "final": False}, [
        {"check": "leakage_within_limit", "blocking": True, "success": False}])
    assert close_line(tmp_path, CYCLE) == (
        f"{CYCLE}: not final: revenue never billed is above the limit the close allows; "
        f"52 findings, USD 1,446.43 leakage; {report}")


def test_the_reports_own_words_win(tmp_path: Path) -> None:
    report = _outputs(tmp_path, {"status": "not_passing", "final": False,
                                 "status_text": "Not final: 3 findings to clear."}, [
        {"check": "leakage_within_limit", "blocking": True, "success": False}])
    assert close_line(tmp_path, CYCLE).startswith(f"{CYCLE}: not final: 3 findings to clear; ")
    assert close_line(tmp_path, CYCLE).endswith(str(report))
    summary = report.parent / "summary.json"
    summary.write_text(summary.read_text().replace('"not_passing"', '"final"').replace(
        "Not final: 3 findings to clear.", "Final: nothing keeps the close from being final"))
    assert close_line(tmp_path, CYCLE).startswith(
        f"{CYCLE}: final: nothing keeps the close from being final; 52 findings")


def test_no_summary_is_not_final(tmp_path: Path) -> None:
    assert close_line(tmp_path, CYCLE).startswith(f"{CYCLE}: not final: the run wrote no")


def test_stage_line_is_one_aligned_line() -> None:
    tally = StageTally("quality", started=10.0, ended=14.25, assets=1, rows=120_345,
                       checks_passed=80, checks_failed=8, blocking_failed=3)
    line = stage_line(tally)
    assert line.startswith("  quality         120,345 rows, 88 checks, 8 failed (3 blocking)")
    assert line.endswith("   4.2 s") and "\n" not in line


def test_tool_output_goes_to_the_log_and_the_users_lines_to_the_terminal(
        tmp_path: Path) -> None:
    """File descriptors 1 and 2 go to the log, so a child process's output does too."""
    log = tmp_path / "logs" / "recon.log"
    script = (
        "import subprocess, sys\n"
        "from pathlib import Path\n"
        "from recon_pipeline.lib.console import tools_to_log\n"
        f"with tools_to_log(Path({str(log)!r})) as terminal:\n"
        "    print('chatter on stdout')\n"
        "    print('a warning on stderr', file=sys.stderr)\n"
        "    subprocess.run(['echo', 'a child process'], check=True)\n"
        "    terminal.write('a stage line\\n')\n"
        "print('after')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert (done.stdout, done.stderr) == ("a stage line\nafter\n", "")
    assert log.read_text().splitlines() == [
        "chatter on stdout", "a warning on stderr", "a child process"]
