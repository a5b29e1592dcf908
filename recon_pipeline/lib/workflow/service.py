"""Every action of the close workflow, as the command line and the web page both call them.

Each action runs inside :meth:`EventLog.transact`: the log is read and folded under its lock,
the action is checked against that state and the actor's role (WorkflowError says why not),
and its event is appended with the value it changes from. Dagster-free.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from recon_pipeline.lib.workflow.config import WorkflowConfig, load_workflow_config
from recon_pipeline.lib.workflow.findings import Finding, cycle_findings, ledger_cycles
from recon_pipeline.lib.workflow.log import Draft, Event, EventLog, WorkflowError
from recon_pipeline.lib.workflow.state import (
    CYCLE_PREFIX,
    ExceptionItem,
    Waiver,
    WorkflowState,
    fold,
)
from recon_pipeline.lib.workflow.users import SYSTEM, User

_CYCLE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_URL = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class QueueRow:
    """One exception of a cycle as the queue shows it: the finding and its workflow state."""

    finding: Finding
    item: ExceptionItem
    status: str  # effective: waived only while an approved waiver holds
    due: date
    note: str  # why a waiver no longer holds, if it does not

    @property
    def overdue(self) -> bool:
        return self.status not in ("waived", "resolved") and self.due < datetime.now(UTC).date()


def waiver_holds(waiver: Waiver | None, amount: Decimal, cycle: str,
                 config: WorkflowConfig) -> tuple[bool, str]:
    """Whether an approved waiver still covers a finding of ``cycle`` now at stake ``amount``.

    It does not once the cycle is past its expiry or the amount moved by more than the
    tolerance from the amount it was waived at; the text says which.
    """
    if waiver is None or waiver.state != "approved":
        return False, ""
    if cycle > waiver.expiry_cycle:
        return False, f"waiver expired after cycle {waiver.expiry_cycle}"
    if abs(amount - waiver.amount) > config.waiver_tolerance:
        return False, f"amount at stake changed from {waiver.amount} to {amount} since the waiver"
    return True, ""


def _check_cycle(cycle: str) -> str:
    if not _CYCLE.match(cycle):
        raise WorkflowError(f"cycle must be YYYY-MM, not {cycle!r}")
    return cycle


class Workflow:
    """The workflow of one OUT directory."""

    def __init__(self, out: Path, config: WorkflowConfig | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.out = Path(out)
        self.config = config or load_workflow_config()
        self.log = EventLog(self.out, clock)

    # -- reading ---------------------------------------------------------------------------
    def state(self) -> WorkflowState:
        return fold(self.log.verify().events)

    def findings(self, cycle: str) -> dict[str, Finding]:
        return cycle_findings(self.out, _check_cycle(cycle))

    def cycles(self) -> list[str]:
        return ledger_cycles(self.out)

    def queue(self, cycle: str, state: WorkflowState | None = None) -> list[QueueRow]:
        """The cycle's exceptions with their effective status, largest amount at stake first."""
        return self.queue_of(self.findings(cycle), cycle, state)

    def queue_of(self, findings: dict[str, Finding], cycle: str,
                 state: WorkflowState | None = None) -> list[QueueRow]:
        """``queue`` for the given findings of ``cycle`` (a run's, before the ledger has it)."""
        state = state or self.state()
        rows = []
        for eid, finding in findings.items():
            item = state.item(eid)
            holds, note = waiver_holds(item.waiver, finding.amount_at_stake, cycle,
                                       self.config)
            status = "waived" if holds else item.status
            rows.append(QueueRow(finding, item, status, self.config.due_date(
                finding.amount_at_stake, finding.first_seen_at, finding.age_days), note))
        return sorted(rows, key=lambda r: (-r.finding.amount_at_stake, r.finding.exception_id))

    def waived(self, cycle: str) -> set[str]:
        """The exception_ids of ``cycle`` an approved, unexpired, unchanged waiver covers."""
        return {r.finding.exception_id for r in self.queue(cycle) if r.status == "waived"}

    # -- exception actions -----------------------------------------------------------------
    def _act(self, decide: Callable[[WorkflowState], Draft | list[Draft]]) -> list[Event]:
        def run(events: list[Event]) -> tuple[list[Draft], int]:
            drafts = decide(fold(events))
            return ([drafts] if isinstance(drafts, Draft) else drafts), len(events)
        start = self.log.transact(run)
        return self.log.read().events[start:]

    def _finding(self, cycle: str, eid: str) -> Finding:
        finding = self.findings(cycle).get(eid)
        if finding is None:
            raise WorkflowError(f"{eid} is not a finding of cycle {cycle}")
        return finding

    def assign(self, actor: User, eid: str, owner: str) -> list[Event]:
        _need(actor, "preparer", "assign an exception")
        if not owner.strip():
            raise WorkflowError("name the owner to assign to")
        return self._act(lambda s: Draft(actor.name, "assign", eid, s.item(eid).owner, owner))

    def set_status(self, actor: User, eid: str, status: str) -> list[Event]:
        _need(actor, "preparer", "change an exception's status")
        if status not in ("open", "assigned", "investigating", "resolved"):
            raise WorkflowError(f"status {status!r}: set open, assigned, investigating or "
                                "resolved (waived comes from an approved waiver)")
        return self._act(lambda s: Draft(actor.name, "status", eid, s.item(eid).status, status))

    def comment(self, actor: User, eid: str, text: str) -> list[Event]:
        _need(actor, "preparer", "comment")
        if not text.strip():
            raise WorkflowError("a comment needs text")
        return self._act(lambda s: Draft(actor.name, "comment", eid, data={"text": text}))

    def attach(self, actor: User, eid: str, evidence: str) -> list[Event]:
        """Attach a file (copied into OUT/workflow/evidence, by its SHA-256) or a link."""
        _need(actor, "preparer", "attach evidence")
        if _URL.match(evidence):
            data: dict[str, Any] = {"kind": "link", "ref": evidence, "name": evidence}
        else:
            source = Path(evidence)
            if not source.is_file():
                raise WorkflowError(f"evidence {evidence} is neither a file nor an http(s) link")
            digest = hashlib.sha256(source.read_bytes()).hexdigest()
            folder = self.log.folder / "evidence"
            folder.mkdir(parents=True, exist_ok=True)
            stored = folder / f"{digest[:16]}-{source.name}"
            if not stored.exists():
                shutil.copyfile(source, stored)
            data = {"kind": "file", "ref": str(stored.relative_to(self.out)),
                    "name": source.name, "sha256": digest}
        return self._act(lambda s: Draft(actor.name, "attach", eid, data=data))

    def waive(self, actor: User, cycle: str, eid: str, reason_code: str, text: str,
              expiry_cycle: str) -> list[Event]:
        """Ask for a waiver of a finding of ``cycle``; it holds once someone else approves it."""
        _need(actor, "preparer", "ask for a waiver")
        _check_cycle(expiry_cycle)
        if expiry_cycle < cycle:
            raise WorkflowError(f"the waiver would expire ({expiry_cycle}) before the cycle "
                                f"it is for ({cycle})")
        if reason_code not in self.config.waiver_reasons:
            raise WorkflowError(f"reason code {reason_code!r}: one of "
                                f"{', '.join(self.config.waiver_reasons)}")
        if not text.strip():
            raise WorkflowError("a waiver needs a text saying why")
        finding = self._finding(cycle, eid)

        def decide(state: WorkflowState) -> Draft:
            waiver = state.item(eid).waiver
            if waiver is not None and waiver.state == "pending":
                raise WorkflowError(f"{eid} already has a waiver waiting for approval")
            return Draft(actor.name, "waive", eid, None, "pending", {
                "reason_code": reason_code, "text": text, "expiry_cycle": expiry_cycle,
                "amount": str(finding.amount_at_stake), "cycle": cycle})
        return self._act(decide)

    def approve(self, actor: User, eid: str) -> list[Event]:
        """Approve the pending waiver: not by its preparer; above the threshold, by an approver."""
        def decide(state: WorkflowState) -> Draft:
            waiver = self._pending(state, actor, eid, "approve")
            return Draft(actor.name, "approve", eid, "pending", "approved",
                         {"waiver": waiver.seq})
        return self._act(decide)

    def reject(self, actor: User, eid: str, comment: str) -> list[Event]:
        """Send the pending waiver back to its preparer with a comment."""
        if not comment.strip():
            raise WorkflowError("a rejection needs a comment for the preparer")

        def decide(state: WorkflowState) -> Draft:
            waiver = self._pending(state, actor, eid, "reject")
            return Draft(actor.name, "reject", eid, "pending", "rejected",
                         {"waiver": waiver.seq, "comment": comment})
        return self._act(decide)

    def _pending(self, state: WorkflowState, actor: User, eid: str, verb: str) -> Waiver:
        waiver = state.item(eid).waiver
        if waiver is None or waiver.state != "pending":
            raise WorkflowError(f"{eid} has no waiver waiting for approval")
        if actor.name == waiver.preparer:
            raise WorkflowError(f"{actor.name} asked for this waiver and cannot {verb} it: "
                                "four eyes, someone else must")
        _need(actor, "preparer", f"{verb} a waiver")
        if waiver.amount > self.config.waiver_approver_above:
            _need(actor, "approver", f"{verb} a waiver above "
                  f"{self.config.waiver_approver_above} at stake")
        return waiver

    def lapse_waivers(self, cycle: str) -> list[Event]:
        """Record (as the pipeline) every approved waiver of ``cycle`` that no longer holds."""
        findings = self.findings(cycle)

        def decide(state: WorkflowState) -> list[Draft]:
            drafts = []
            for eid, finding in sorted(findings.items()):
                waiver = state.item(eid).waiver
                holds, why = waiver_holds(waiver, finding.amount_at_stake, cycle, self.config)
                if waiver is not None and waiver.state == "approved" and not holds:
                    drafts.append(Draft(SYSTEM.name, "lapse", eid, "approved", "lapsed",
                                        {"reason": why, "cycle": cycle}))
            return drafts
        return self._act(decide)

    # -- close actions ---------------------------------------------------------------------
    def gate_blockers(self, cycle: str) -> list[str]:
        """Why the cycle's gate does not pass with its waivers (empty when it passes)."""
        from recon_pipeline.lib.quality.validate import read_validation

        blockers = [f"{r.finding.exception_id} ({r.finding.category}) is blocking and not waived"
                    for r in self.queue(cycle)
                    if r.finding.blocking and r.status not in ("waived",)]
        validation = read_validation(self.out, cycle)
        if validation is None:
            blockers.append(f"no expectation results for {cycle}: run the cycle")
        else:
            for suite in validation.get("suites", []):
                for check in suite.get("blocking_failed", []):
                    if check != "no_blocking_findings":
                        blockers.append(f"{suite['suite']}: {check} failed")
        return blockers

    def submit(self, actor: User, cycle: str) -> list[Event]:
        _need(actor, "preparer", "submit a close")
        _check_cycle(cycle)
        blockers = self.gate_blockers(cycle)
        if blockers:
            raise WorkflowError(f"{cycle} cannot be submitted: " + "; ".join(blockers[:5]))

        def decide(state: WorkflowState) -> Draft:
            close = state.close(cycle)
            if close.status not in ("open",):
                raise WorkflowError(f"{cycle} is {close.status}, not open")
            return Draft(actor.name, "submit", CYCLE_PREFIX + cycle, close.status, "submitted")
        return self._act(decide)

    def signoff(self, actor: User, cycle: str,
                freeze: Callable[[WorkflowState, str], dict[str, Any]] | None = None,
                ) -> list[Event]:
        """Sign the submitted close off (an approver, not its submitter); ``freeze`` packages it.

        ``freeze(state, signer)`` runs under the log's lock and returns the event's data
        (the package's path and hash).
        """
        _need(actor, "approver", "sign a close off")
        _check_cycle(cycle)

        def decide(state: WorkflowState) -> Draft:
            close = state.close(cycle)
            if close.status != "submitted":
                raise WorkflowError(f"{cycle} is {close.status}: submit it before sign-off")
            if close.submitted_by == actor.name:
                raise WorkflowError(f"{actor.name} submitted {cycle} and cannot sign it off: "
                                    "four eyes, another approver must")
            data = freeze(state, actor.name) if freeze else {}
            return Draft(actor.name, "signoff", CYCLE_PREFIX + cycle, "submitted", "signed",
                         data)
        return self._act(decide)

    def adjust(self, actor: User, cycle: str, into: str) -> list[Event]:
        """Take a restated cycle's latest restatement as an out-of-period adjustment of the
        open cycle ``into`` (reported there on its own); the signed cycle stays as signed."""
        _need(actor, "approver", "carry a restatement into another cycle")
        _check_cycle(into)
        if into <= cycle:
            raise WorkflowError(f"an out-of-period adjustment of {cycle} goes into a later "
                                f"cycle, not {into}")

        def decide(state: WorkflowState) -> Draft:
            close = state.close(_check_cycle(cycle))
            if close.status != "restated" or not close.restatements:
                raise WorkflowError(f"{cycle} is {close.status}: only a restated cycle's "
                                    "changes are carried into another")
            if state.close(into).status != "open":
                raise WorkflowError(f"{into} is {state.close(into).status}, not open")
            latest = close.restatements[-1]
            return Draft(actor.name, "adjust", CYCLE_PREFIX + cycle, "restated", "signed", {
                "into": into, "restatement": latest["restatement"],
                "total_abs_delta": latest["total_abs_delta"]})
        return self._act(decide)

    def reopen(self, actor: User, cycle: str, reason: str) -> list[Event]:
        _need(actor, "approver", "reopen a close")
        if not reason.strip():
            raise WorkflowError("reopening a close needs a reason")

        def decide(state: WorkflowState) -> Draft:
            close = state.close(_check_cycle(cycle))
            if close.status not in ("signed", "restated", "submitted"):
                raise WorkflowError(f"{cycle} is {close.status}: nothing to reopen")
            return Draft(actor.name, "reopen", CYCLE_PREFIX + cycle, close.status, "open",
                         {"reason": reason})
        return self._act(decide)


def _need(actor: User, role: str, what: str) -> None:
    if not actor.at_least(role):
        raise WorkflowError(f"{actor.name} is a {actor.role}: only a {role} or above may {what}")


def money(value: Decimal) -> str:
    return f"{value:,.2f}"
