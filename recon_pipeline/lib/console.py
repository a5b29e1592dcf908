"""What ``recon run`` and ``recon demo`` print: a line per stage, one line per cycle on where
its close stands, and the tools' own output kept in a log file. Dagster-free.

The close line reads the cycle's outputs, so it says what the reports say: ``summary.json``'s
``status_text`` (the page's banner) when it has one, else the failed blocking expectations of
the cycle's validation; money at stake from ``at_stake_total_reporting``, else the sum of
``mismatches.parquet``'s ``difference_reporting``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

#: Blocking expectations (``meta.check``) that have a plainer sentence than their description.
_PLAIN = {
    "leakage_within_limit": "revenue never billed is above the limit the close allows",
    "match_rate_at_least": "a reconciliation matched fewer documents than the close requires",
    "quarantined_share_within_limit": "too many source rows could not be read",
    "one_finding_per_problem": "a problem was reported more than once",
}


def log_path(out: Path, now: datetime | None = None) -> Path:
    """``OUT/logs/recon-<UTC time>-<pid>.log``: one file per command, never shared."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return out / "logs" / f"recon-{stamp}-{os.getpid()}.log"


@contextmanager
def tools_to_log(log: Path | None) -> Iterator[TextIO]:
    """Send everything written to this process's stdout and stderr (file descriptors 1 and 2,
    so subprocesses such as dbt and C libraries too) to ``log``; yield a stream to the
    terminal for the lines meant for the user. ``log`` None: nothing is redirected."""
    if log is None:
        yield sys.stdout
        return
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8", errors="replace")
    with open(log, "ab") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
    try:
        yield terminal
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)
        terminal.close()


@dataclass
class StageTally:
    """What one stage of a cycle's run did: its steps, assets, rows, checks and time."""

    name: str
    started: float
    ended: float = 0.0
    steps: int = 0
    failed_steps: int = 0
    assets: int = 0
    rows: int = 0
    checks_passed: int = 0
    checks_failed: int = 0
    blocking_failed: int = 0
    row_labels: dict[str, int] = field(default_factory=dict)


#: How each stage (recon_pipeline.progress) names the assets it materializes and their rows;
#: None: the count of assets says nothing there.
STAGE_WORDS: dict[str, tuple[str | None, str]] = {
    "sources": ("tables", "rows read"),
    "warehouse (dbt)": ("models", "rows"),
    "quality": (None, "rows"),
    "reports": (None, "findings"),
}


def stage_line(tally: StageTally) -> str:
    """``  sources         24 tables, 12,345 rows read, 20 unreadable        3.2 s``."""
    assets_word, rows_word = STAGE_WORDS.get(tally.name, ("assets", "rows"))
    parts = [f"{tally.assets} {assets_word}"] if assets_word else []
    if tally.rows:
        parts.append(f"{tally.rows:,} {rows_word}")
    for label, count in tally.row_labels.items():
        parts.append(f"{count:,} {label}")
    checks = tally.checks_passed + tally.checks_failed
    if checks:
        text = f"{checks} checks, {tally.checks_failed} failed"
        if tally.blocking_failed:
            text += f" ({tally.blocking_failed} blocking)"
        parts.append(text)
    if tally.failed_steps:
        parts.append(f"{tally.failed_steps} step{'s' if tally.failed_steps > 1 else ''} FAILED")
    seconds = max(tally.ended - tally.started, 0.0)
    return f"  {tally.name:<15} {', '.join(parts):<60} {seconds:6.1f} s"


def close_line(out: Path, cycle: str) -> str:
    """``YYYY-MM: final|not final: <why>; <findings>, <money at stake>; <report.html>``."""
    folder = out / "reports" / cycle
    summary = _read_json(folder / "summary.json")
    report = folder / "report.html"
    if summary is None:
        return f"{cycle}: not final: the run wrote no summary.json; see {folder}"
    status = summary.get("status")
    final = summary.get("final") is True or status == "final"
    said = _reports_own_words(summary)
    if final:
        head, why = "final", said or "every blocking check passed"
    else:
        head = "not final"
        why = said or "; ".join(not_final_reasons(out, cycle, summary)) or "see the report"
    return f"{cycle}: {head}: {why}; {figures_text(out, cycle, summary)}; {report}"


def not_final_reasons(out: Path, cycle: str, summary: Mapping[str, Any]) -> list[str]:
    """Why ``cycle`` is not final, in plain words, one phrase per blocking check that failed."""
    if summary.get("status") == "provisional":
        return ["a provisional run of the open month"]
    from recon_pipeline.lib.quality.validate import read_validation

    validation = read_validation(out, cycle)
    if validation is None:
        return ["the expectation suites were not validated"]
    reasons: list[str] = []
    for suite in validation.get("suites", []):
        for outcome in suite.get("expectations", []):
            if outcome.get("success") or not outcome.get("blocking"):
                continue
            reasons.append(_plain(outcome, suite.get("asset", suite.get("suite", ""))))
    return reasons


def _plain(outcome: Mapping[str, Any], asset: str) -> str:
    check = str(outcome.get("check", ""))
    count = outcome.get("unexpected")
    if check == "no_blocking_findings":
        return (f"{count:,} finding{'s' if count != 1 else ''} in categories that must be "
                "cleared before the close") if isinstance(count, int) else (
            "findings in categories that must be cleared before the close")
    if check in _PLAIN:
        return _PLAIN[check]
    description = str(outcome.get("description") or check).rstrip(".")
    return f"{asset}: {description[:1].lower()}{description[1:]}"


def figures_text(out: Path, cycle: str, summary: Mapping[str, Any]) -> str:
    """``52 findings, USD 2,104,733.12 at stake (USD 446.43 leakage)``, from what is there."""
    currency = summary.get("reporting_currency", "")
    total = summary.get("findings_total")
    if not isinstance(total, int):
        total = sum((summary.get("findings_by_category") or {}).values())
    text = f"{total:,} finding{'s' if total != 1 else ''}"
    at_stake = _decimal(summary.get("at_stake_total_reporting"))
    if at_stake is None:
        at_stake = _sum_column(out / "reports" / cycle / "mismatches.parquet",
                               "difference_reporting")
    leakage = _decimal(summary.get("leakage_total_reporting"))
    if at_stake is not None:
        text += f", {currency} {at_stake:,} at stake"
        if leakage is not None:
            text += f" ({currency} {leakage:,} leakage)"
    elif leakage is not None:
        text += f", {currency} {leakage:,} leakage"
    return text


def _reports_own_words(summary: Mapping[str, Any]) -> str | None:
    """The reports' own sentence on where the close stands (``status_text`` of summary.json,
    as the page's banner and the workbook say it), without its ``Final:`` / ``Not final:``."""
    text = summary.get("status_text")
    if not isinstance(text, str) or not text.strip():
        return None
    text = text.strip().rstrip(".")
    head, sep, rest = text.partition(":")
    if sep and head.strip().lower() in ("final", "not final"):
        return rest.strip() or None
    return text[:1].lower() + text[1:]


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _sum_column(path: Path, column: str) -> Decimal | None:
    if not path.is_file():
        return None
    import pyarrow.parquet as pq

    if column not in pq.read_schema(path).names:
        return None
    values: Sequence[Any] = pq.read_table(path, columns=[column]).column(column).to_pylist()
    return sum((Decimal(v) for v in values if v is not None), Decimal(0))


def _read_json(path: Path) -> dict[str, Any] | None:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
