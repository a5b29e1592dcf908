"""The current state of the close workflow, derived by folding the event log (nothing else).

Per exception: owner, status (open, assigned, investigating, resolved as people set it; waived
while an approved waiver holds), comments, evidence, waivers (pending, approved, rejected,
lapsed) and the events that made it so. Per cycle: the close (open, submitted, signed,
restated) with who submitted and signed and the package signed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from recon_pipeline.lib.workflow.log import Event

EXCEPTION_STATUSES = ("open", "assigned", "investigating", "waived", "resolved")
CLOSE_STATUSES = ("open", "submitted", "signed", "restated")
CYCLE_PREFIX = "cycle:"


@dataclass
class Waiver:
    seq: int  # the waive event's sequence number: the waiver's id
    reason_code: str
    text: str
    expiry_cycle: str
    amount: Decimal  # amount at stake when it was asked for
    cycle: str  # the cycle it was asked in
    preparer: str
    state: str = "pending"  # pending / approved / rejected / lapsed
    approver: str | None = None
    decided_at: str | None = None
    comment: str | None = None  # the rejection's, or why it lapsed


@dataclass
class ExceptionItem:
    exception_id: str
    owner: str | None = None
    status: str = "open"
    comments: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)
    history: list[Event] = field(default_factory=list)

    @property
    def waiver(self) -> Waiver | None:
        """The latest waiver asked for, if any."""
        return self.waivers[-1] if self.waivers else None


@dataclass
class CloseState:
    cycle: str
    status: str = "open"
    submitted_by: str | None = None
    signed_by: str | None = None
    signed_at: str | None = None
    package: str | None = None
    #: restate events' data (restatement folder, changes, total_abs_delta, suggested)
    restatements: list[dict[str, Any]] = field(default_factory=list)
    #: out-of-period adjustments carried into this cycle: the adjust events' data + "cycle"
    adjustments_in: list[dict[str, Any]] = field(default_factory=list)
    history: list[Event] = field(default_factory=list)


@dataclass
class WorkflowState:
    exceptions: dict[str, ExceptionItem] = field(default_factory=dict)
    closes: dict[str, CloseState] = field(default_factory=dict)
    head: str = ""

    def item(self, exception_id: str) -> ExceptionItem:
        return self.exceptions.get(exception_id) or ExceptionItem(exception_id)

    def close(self, cycle: str) -> CloseState:
        return self.closes.get(cycle) or CloseState(cycle)


def fold(events: list[Event]) -> WorkflowState:
    """The state the events leave, applied in order."""
    state = WorkflowState(head=events[-1].hash if events else "")
    for event in events:
        if event.target.startswith(CYCLE_PREFIX):
            cycle = event.target[len(CYCLE_PREFIX):]
            close = state.closes.setdefault(cycle, CloseState(cycle))
            _apply_close(close, event)
            close.history.append(event)
            if event.action == "adjust":
                into = state.closes.setdefault(event.data["into"],
                                               CloseState(event.data["into"]))
                into.adjustments_in.append({**event.data, "cycle": cycle})
        else:
            item = state.exceptions.setdefault(event.target, ExceptionItem(event.target))
            _apply_exception(item, event)
            item.history.append(event)
    return state


def _apply_exception(item: ExceptionItem, event: Event) -> None:
    data = event.data
    if event.action == "assign":
        item.owner = event.after
        if item.status == "open":
            item.status = "assigned"
    elif event.action == "status":
        item.status = event.after
    elif event.action == "comment":
        item.comments.append({"seq": event.seq, "who": event.who, "at": event.at,
                              "text": data.get("text", "")})
    elif event.action == "attach":
        item.evidence.append({"seq": event.seq, "who": event.who, "at": event.at,
                              **{k: data.get(k) for k in ("kind", "ref", "name", "sha256")}})
    elif event.action == "waive":
        item.waivers.append(Waiver(
            seq=event.seq, reason_code=data["reason_code"], text=data["text"],
            expiry_cycle=data["expiry_cycle"], amount=Decimal(data["amount"]),
            cycle=data["cycle"], preparer=event.who))
    elif event.action in ("approve", "reject", "lapse") and item.waivers:
        waiver = item.waivers[-1]
        waiver.state = event.after
        waiver.decided_at = event.at
        if event.action != "lapse":
            waiver.approver = event.who
        waiver.comment = data.get("comment") or data.get("reason")


def _apply_close(close: CloseState, event: Event) -> None:
    data = event.data
    if event.action in ("submit", "signoff", "reopen", "restate", "adjust"):
        close.status = event.after
    if event.action == "restate":
        close.restatements.append(dict(data))
    if event.action == "submit":
        close.submitted_by = event.who
    elif event.action == "signoff":
        close.signed_by, close.signed_at = event.who, event.at
        close.package = data.get("package")
    elif event.action == "reopen":
        close.submitted_by = None
