"""Write a cycle's reports and update the exception ledger: the one entry point."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from recon_pipeline.lib.atomic import atomic_paths, dump_parquet, locked
from recon_pipeline.lib.cycles import parse_cycle
from recon_pipeline.lib.reports.figures import close_status, posting_delays, summarize
from recon_pipeline.lib.reports.html import render_html
from recon_pipeline.lib.reports.ledger import apply_run, ledger_dir, read_ledger
from recon_pipeline.lib.reports.schema import conform_findings
from recon_pipeline.lib.reports.tables import build_mismatches, conform_quarantine, mismatches_csv
from recon_pipeline.lib.reports.trend import cycle_trend
from recon_pipeline.lib.reports.xlsx import write_xlsx
from recon_pipeline.lib.source_files import files_not_read

REPORT_FILES = ("mismatches.parquet", "mismatches.csv", "report.xlsx", "report.html",
                "summary.json", "quarantine.parquet")


@dataclass(frozen=True)
class CycleInputs:
    """What the reconciliations of one cycle hand to the reports.

    ``findings``: FINDINGS_SCHEMA rows, all of ``cycle``. ``rows_read``: source -> rows read.
    ``objects_checked``: recon -> objects it checked (the match rates' denominators).
    ``quarantine``: QUARANTINE_SCHEMA rows; ``rows_quarantined`` defaults to their count per
    source. ``posting_delays``: marts.fct_posting_delays rows of the cycle (figures.DELAY_KEYS).
    """

    cycle: str
    findings: pa.Table
    rows_read: Mapping[str, int]
    objects_checked: Mapping[str, int]
    quarantine: pa.Table | None = None
    rows_quarantined: Mapping[str, int] | None = None
    reporting_currency: str = "USD"
    posting_delays: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class ReportResult:
    """Where the reports went, the mismatches as written and the summary.json content."""

    folder: Path
    mismatches: pa.Table
    summary: dict[str, Any]
    exceptions: pa.Table | None = None  # None for a provisional run
    files: dict[str, Path] = field(default_factory=dict)


def report_folder(out: Path, cycle: str, provisional: bool = False) -> Path:
    """``OUT/reports/<cycle>`` (``.../provisional`` for an intra-cycle run)."""
    folder = Path(out) / "reports" / cycle
    return folder / "provisional" if provisional else folder


def write_reports(out: Path, inputs: CycleInputs, *, now: datetime,
                  provisional: bool = False,
                  validation: Mapping[str, Any] | None = None) -> ReportResult:
    """Write the cycle's six report files and, unless ``provisional``, update the ledger.

    A final run makes its findings the cycle's latest in the ledger, rewrites
    ``OUT/exceptions.parquet`` and writes ``OUT/reports/<cycle>/`` (removing an earlier
    provisional preview). A provisional run reads the ledger only (for new / recurring and the
    charts) and writes ``OUT/reports/<cycle>/provisional/``. ``now`` (timezone-aware) stamps
    the run. Every file is replaced atomically; the same inputs give the same ids and rows.

    A cycle signed off in the close workflow is locked: its ``OUT/reports/<cycle>/`` is left
    as signed and the run's reports go to ``OUT/close/<cycle>/restatement-<k>/`` with what
    changed against the signed package (``lib.workflow.package``).

    ``validation`` is the cycle's expectation results (``lib.quality.validate``): listed in
    summary.json under ``expectations``; a failed blocking expectation makes the report
    ``not_passing`` instead of ``final`` (it is written all the same).
    """
    from recon_pipeline.lib.workflow.package import (
        record_restatement,
        restatement_folder,
        signed_package,
    )
    from recon_pipeline.lib.workflow.report import (
        adjustments_into,
        waived_summary,
        workflow_rows,
    )

    parse_cycle(inputs.cycle)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    findings = conform_findings(inputs.findings)
    wrong = set(findings.column("cycle").to_pylist()) - {inputs.cycle}
    if wrong:
        raise ValueError(f"findings of cycles {sorted(wrong)} handed in for {inputs.cycle}")
    quarantine = conform_quarantine(inputs.quarantine)
    quarantined = inputs.rows_quarantined
    if quarantined is None:
        quarantined = Counter(quarantine.column("source").to_pylist())
    with locked(ledger_dir(out) / ".lock"):
        state = read_ledger(out)
        mismatches = build_mismatches(findings, state.seen_before(inputs.cycle))
        exceptions = None
        if not provisional:
            state, exceptions = apply_run(out, state, inputs.cycle, mismatches, now)
        summary = summarize(
            mismatches, cycle=inputs.cycle, reporting_currency=inputs.reporting_currency,
            rows_read=inputs.rows_read, rows_quarantined=quarantined,
            objects_checked=inputs.objects_checked, provisional=provisional,
            generated_at=now, validation=validation)
        summary["files_not_read"] = files_not_read(quarantine)
        summary["posting_delays"] = posting_delays(inputs.posting_delays)
        trend = cycle_trend(state, inputs.cycle, mismatches, provisional=provisional)
        folder = report_folder(out, inputs.cycle, provisional)
        # A signed cycle is locked: its reports stay as signed, the run is a restatement.
        signed = None if provisional else signed_package(out, inputs.cycle)
        if signed is not None:
            folder = restatement_folder(out, inputs.cycle)
        files = {name: folder / name for name in REPORT_FILES}
        workflow = workflow_rows(out, inputs.cycle, mismatches)
        summary["waived"] = waived_summary(workflow)
        waived_blocking = sum(r["status"] == "waived" and r["blocking"] for r in workflow)
        if waived_blocking:  # approved waivers: those findings no longer keep the close open
            summary["blocking_waived"] = waived_blocking
            summary["status_text"] = close_status(
                {**summary, "blocking_findings": summary["blocking_findings"] - waived_blocking})
        summary["out_of_period_adjustments"] = adjustments_into(out, inputs.cycle)
        # The six files are replaced together once all are written: a full disk (or any
        # error) partway leaves the previous reports as they were, not half old, half new.
        with atomic_paths([files[name] for name in REPORT_FILES]) as temps:
            tmp = dict(zip(REPORT_FILES, temps, strict=True))
            dump_parquet(tmp["mismatches.parquet"], mismatches)
            tmp["mismatches.csv"].write_bytes(mismatches_csv(mismatches))
            write_xlsx(tmp["report.xlsx"], summary, mismatches, quarantine, now, workflow)
            tmp["report.html"].write_bytes(
                render_html(summary, mismatches, trend).encode("utf-8"))
            dump_parquet(tmp["quarantine.parquet"], quarantine)
            tmp["summary.json"].write_bytes(
                (json.dumps(summary, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        if signed is not None:
            record_restatement(out, inputs.cycle, signed, folder, mismatches, now)
        elif not provisional:
            shutil.rmtree(report_folder(out, inputs.cycle, True), ignore_errors=True)
    return ReportResult(folder, mismatches, summary, exceptions, files)
