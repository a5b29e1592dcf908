"""Exception queue and waivers with four eyes, on a real ledger and event log."""

from __future__ import annotations

import itertools
import multiprocessing
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from recon_pipeline.lib.workflow.log import WorkflowError
from recon_pipeline.lib.workflow.service import Workflow
from recon_pipeline.lib.workflow.users import User
from tests.unit.workflow.conftest import (
    APPR,
    CYCLE,
    FINDINGS,
    LARGE,
    PREP,
    PREP2,
    SMALL,
    VIEW,
    WARN,
    finding,
    run,
)


def test_queue_amounts_due_dates_and_history(out: Path) -> None:
    wf = Workflow(out)
    rows = wf.queue(CYCLE)
    assert [r.finding.exception_id for r in rows] == [LARGE, SMALL, WARN]  # largest first
    assert [r.finding.amount_at_stake for r in rows] == [Decimal("5000.00"), Decimal("500.00"),
                                                           Decimal("0")]
    assert [r.finding.blocking for r in rows] == [True, True, False]
    # config/workflow.yml: >= 1000 due in 5 days, below in 10 (first seen 2026-10-04)
    assert [r.due for r in rows] == [date(2026, 10, 9), date(2026, 10, 14), date(2026, 10, 14)]
    assert {r.status for r in rows} == {"open"}

    wf.assign(PREP, SMALL, "pat")
    wf.assign(PREP, SMALL, "quinn")
    wf.set_status(PREP2, SMALL, "investigating")
    wf.comment(PREP2, SMALL, "ERP batch 17 failed; re-posting")
    wf.attach(PREP2, SMALL, "https://erp.example/batch/17")
    evidence = out / "note.txt"
    evidence.write_text("posting log")
    wf.attach(PREP2, SMALL, str(evidence))
    item = wf.state().item(SMALL)
    assert item.owner == "quinn" and item.status == "investigating"
    assert [(e.action, e.who, e.before, e.after) for e in item.history[:3]] == [
        ("assign", "pat", None, "pat"), ("assign", "pat", "pat", "quinn"),
        ("status", "quinn", "assigned", "investigating")]
    assert item.comments[0]["text"] == "ERP batch 17 failed; re-posting"
    assert [e["kind"] for e in item.evidence] == ["link", "file"]
    assert (out / item.evidence[1]["ref"]).read_text() == "posting log"


def test_viewer_changes_nothing(out: Path) -> None:
    wf = Workflow(out)
    for act in (lambda: wf.assign(VIEW, SMALL, "val"), lambda: wf.comment(VIEW, SMALL, "hi"),
                lambda: wf.waive(VIEW, CYCLE, SMALL, "timing", "t", CYCLE),
                lambda: wf.submit(VIEW, CYCLE)):
        with pytest.raises(WorkflowError, match="viewer"):
            act()
    assert wf.log.read().events == []


def test_waiver_four_eyes_reject_then_approve(out: Path) -> None:
    wf = Workflow(out)
    with pytest.raises(WorkflowError, match="reason code"):
        wf.waive(PREP, CYCLE, SMALL, "because", "t", CYCLE)
    wf.waive(PREP, CYCLE, SMALL, "timing", "posted on the 2nd of next month", "2026-10")
    with pytest.raises(WorkflowError, match="already has a waiver"):
        wf.waive(PREP2, CYCLE, SMALL, "timing", "again", "2026-10")
    with pytest.raises(WorkflowError, match="four eyes"):
        wf.approve(PREP, SMALL)
    wf.reject(PREP2, SMALL, "attach the ERP batch log")
    assert wf.state().item(SMALL).waiver.state == "rejected"  # type: ignore[union-attr]
    assert wf.waived(CYCLE) == set()
    wf.waive(PREP, CYCLE, SMALL, "timing", "posted on the 2nd; log attached", "2026-10")
    wf.approve(PREP2, SMALL)  # at or below 1000 at stake: another preparer may approve
    assert wf.waived(CYCLE) == {SMALL}
    waiver = wf.state().item(SMALL).waiver
    assert waiver is not None and (waiver.approver, waiver.reason_code) == ("quinn", "timing")

    # Above the threshold only an approver may approve.
    wf.waive(PREP, CYCLE, LARGE, "write_off", "under the write-off policy", CYCLE)
    with pytest.raises(WorkflowError, match="only a approver"):
        wf.approve(PREP2, LARGE)
    wf.approve(APPR, LARGE)
    assert wf.waived(CYCLE) == {SMALL, LARGE}


def test_waiver_lapses_on_amount_change_and_expiry(out: Path) -> None:
    wf = Workflow(out)
    wf.waive(PREP, CYCLE, SMALL, "timing", "clears next month", CYCLE)
    wf.approve(PREP2, SMALL)
    wf.waive(PREP, CYCLE, LARGE, "timing", "clears next month", CYCLE)
    wf.approve(APPR, LARGE)
    # A re-run finds the large one's amount changed by more than the tolerance.
    run(out, [FINDINGS[0], finding("payment_amount_mismatch", "gateway_erp", "ch_large",
                                   "5000.50"), FINDINGS[2]])
    rows = {r.finding.exception_id: r for r in wf.queue(CYCLE)}
    assert rows[SMALL].status == "waived"
    assert rows[LARGE].status == "open" and "changed from 5000.000 to 5000.500" in rows[LARGE].note
    lapsed = wf.lapse_waivers(CYCLE)
    assert [(e.target, e.who, e.after) for e in lapsed] == [(LARGE, "recon", "lapsed")]
    assert wf.lapse_waivers(CYCLE) == []  # recorded once
    # The next cycle is past the small one's expiry.
    nxt = "2026-10"
    run(out, [{**FINDINGS[0], "cycle": nxt}], cycle=nxt)
    row = wf.queue(nxt)[0]
    assert row.status == "open" and "expired after cycle 2026-09" in row.note


def _assign_many(out: str, who: str, n: int) -> None:
    wf = Workflow(Path(out))
    for i in range(n):
        wf.assign(User(who, "preparer"), SMALL, f"{who}-{i}")


def test_two_users_at_once_lose_no_update(out: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_assign_many, args=(str(out), who, 15)) for who in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    history = Workflow(out).state().item(SMALL).history
    assert len(history) == 30
    # Each change starts from the value the one before left: nobody overwrote blind.
    assert history[0].before is None
    assert all(b.before == a.after for a, b in itertools.pairwise(history))
