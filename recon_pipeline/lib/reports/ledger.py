"""The exception ledger: every finding ever made, one row per exception_id, with its lifecycle.

Files under ``OUT/ledger/`` (all written atomically, under ``OUT/ledger/.lock``):

- ``cycles/<cycle>.parquet``: the findings of the latest non-provisional run of that cycle
  (mismatches columns plus ``run_at``), replaced by each run of the cycle.
- ``events/<seq>-<cycle>.parquet``: append-only; one file per run that changed anything, never
  rewritten. ``found`` the first time an id is found in a cycle, ``resolved`` when no cycle's
  latest run has it any more, ``reopened`` when one has it again. A run that changes nothing
  appends nothing, so re-running a cycle is idempotent.

``OUT/exceptions.parquet`` is derived from the snapshots (which cycles have an id now) and the
``found`` events (which cycles ever had it), both per-cycle facts; only the timestamps
(``first_seen_at``, ``resolved_at``, ``age_days``) depend on when runs happened.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from recon_pipeline.lib.atomic import locked, write_parquet
from recon_pipeline.lib.registry import BY_CATEGORY
from recon_pipeline.lib.reports.schema import (
    EVENTS_SCHEMA,
    EXCEPTIONS_SCHEMA,
    RECON_OF,
    SNAPSHOT_SCHEMA,
    conform,
)

_CYCLE_FILE = re.compile(r"^(\d{4}-\d{2})\.parquet$")
_EVENT_FILE = re.compile(r"^(\d{8})-\d{4}-\d{2}\.parquet$")


@dataclass(frozen=True)
class LedgerState:
    """What the ledger holds: the latest run of each cycle and every event so far."""

    snapshots: dict[str, pa.Table]
    events: pa.Table

    def cycles_ever(self) -> dict[str, set[str]]:
        """exception_id -> every cycle any (non-provisional) run found it in."""
        ever: dict[str, set[str]] = defaultdict(set)
        for cycle, table in self.snapshots.items():
            for eid in table.column("exception_id").to_pylist():
                ever[eid].add(cycle)
        found = self.events.filter(pc.equal(self.events.column("event"), "found"))
        for eid, cycle in zip(found.column("exception_id").to_pylist(),
                              found.column("cycle").to_pylist(), strict=True):
            ever[eid].add(cycle)
        return ever

    def seen_before(self, cycle: str) -> set[str]:
        """Ids that some cycle earlier than ``cycle`` had: this cycle's ``recurring`` ones."""
        return {eid for eid, cycles in self.cycles_ever().items() if min(cycles) < cycle}


def ledger_dir(out: Path) -> Path:
    """``OUT/ledger``."""
    return Path(out) / "ledger"


def read_ledger(out: Path) -> LedgerState:
    """The ledger under ``out`` (empty if none yet)."""
    root = ledger_dir(out)
    snapshots: dict[str, pa.Table] = {}
    for path in sorted((root / "cycles").glob("*.parquet")):
        match = _CYCLE_FILE.match(path.name)
        if match:
            snapshots[match.group(1)] = conform(_with_columns_added_since(pq.read_table(path)),
                                                SNAPSHOT_SCHEMA, str(path))
    parts = [conform(pq.read_table(p), EVENTS_SCHEMA, str(p)) for p in _event_files(root)]
    events = pa.concat_tables(parts) if parts else EVENTS_SCHEMA.empty_table()
    return LedgerState(snapshots, events)


def _with_columns_added_since(snapshot: pa.Table) -> pa.Table:
    """A snapshot written before ``difference_reporting`` and ``blocking`` existed, with them:
    no amount at stake recorded (null), the registry's blocking flag."""
    if "difference_reporting" not in snapshot.column_names:
        snapshot = snapshot.append_column("difference_reporting", pa.nulls(
            snapshot.num_rows, SNAPSHOT_SCHEMA.field("difference_reporting").type))
    if "blocking" not in snapshot.column_names:
        snapshot = snapshot.append_column("blocking", pa.array(
            [BY_CATEGORY[c].blocking if c in BY_CATEGORY else False
             for c in snapshot.column("category").to_pylist()], pa.bool_()))
    return snapshot


def _event_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "events").glob("*.parquet") if _EVENT_FILE.match(p.name))


def record_run(out: Path, cycle: str, mismatches: pa.Table, now: datetime) -> pa.Table:
    """Make ``mismatches`` the latest run of ``cycle``; append what changed; rewrite exceptions.

    Takes the ledger's lock. Returns the new exceptions table (``OUT/exceptions.parquet``).
    """
    with locked(ledger_dir(out) / ".lock"):
        return apply_run(out, read_ledger(out), cycle, mismatches, now)[1]


def apply_run(out: Path, state: LedgerState, cycle: str, mismatches: pa.Table,
              now: datetime) -> tuple[LedgerState, pa.Table]:
    """``record_run`` for a caller that holds the lock and has read ``state``.

    Returns the ledger after the run and its exceptions table.
    """
    root = ledger_dir(out)
    run_at = pa.array([now] * mismatches.num_rows, SNAPSHOT_SCHEMA.field("run_at").type)
    snapshot = conform(mismatches.append_column("run_at", run_at), SNAPSHOT_SCHEMA, "run")
    write_parquet(root / "cycles" / f"{cycle}.parquet", snapshot)
    state = LedgerState({**state.snapshots, cycle: snapshot}, state.events)
    events = _changes(state, cycle, now)
    if events.num_rows:
        seq = len(_event_files(root)) + 1
        write_parquet(root / "events" / f"{seq:08d}-{cycle}.parquet", events)
        state = LedgerState(state.snapshots, pa.concat_tables([state.events, events]))
    exceptions = derive_exceptions(state, now)
    write_parquet(Path(out) / "exceptions.parquet", exceptions)
    return state, exceptions


def _keys(state: LedgerState) -> dict[str, tuple[str, str, date | None]]:
    """exception_id -> (category, object_id, period_start), from events and snapshots."""
    keys: dict[str, tuple[str, str, date | None]] = {}
    for table in [state.events, *state.snapshots.values()]:
        for row in table.select(["exception_id", "category", "object_id",
                                 "period_start"]).to_pylist():
            keys.setdefault(row["exception_id"],
                            (row["category"], row["object_id"], row["period_start"]))
    return keys


def _open_ids(state: LedgerState) -> dict[str, list[str]]:
    """exception_id -> the cycles whose latest run has it (sorted)."""
    current: dict[str, list[str]] = defaultdict(list)
    for cycle in sorted(state.snapshots):
        for eid in state.snapshots[cycle].column("exception_id").to_pylist():
            current[eid].append(cycle)
    return current


def _last_status(events: pa.Table) -> dict[str, str]:
    """exception_id -> 'open' / 'resolved' as the events so far leave it."""
    status: dict[str, str] = {}
    for eid, event in zip(events.column("exception_id").to_pylist(),
                          events.column("event").to_pylist(), strict=True):
        status[eid] = "resolved" if event == "resolved" else "open"
    return status


def _changes(state: LedgerState, cycle: str, now: datetime) -> pa.Table:
    """Events that bring the append-only record in line with the snapshots (none if it is)."""
    found = {(e, c) for e, c, kind in zip(
        state.events.column("exception_id").to_pylist(), state.events.column("cycle").to_pylist(),
        state.events.column("event").to_pylist(), strict=True) if kind == "found"}
    keys, current, before = _keys(state), _open_ids(state), _last_status(state.events)
    rows: list[tuple[str, str, str]] = []
    for eid, cycles in sorted(current.items()):
        rows.extend((eid, "found", c) for c in cycles if (eid, c) not in found)
    for eid in sorted(keys):
        was, now_open = before.get(eid), eid in current
        if was == "resolved" and now_open:
            rows.append((eid, "reopened", cycle))
        elif was == "open" and not now_open:
            rows.append((eid, "resolved", cycle))
    return pa.table({
        "exception_id": [r[0] for r in rows], "event": [r[1] for r in rows],
        "cycle": [r[2] for r in rows], "at": [now] * len(rows),
        "category": [keys[r[0]][0] for r in rows], "object_id": [keys[r[0]][1] for r in rows],
        "period_start": [keys[r[0]][2] for r in rows],
    }, schema=EVENTS_SCHEMA)


def derive_exceptions(state: LedgerState, now: datetime) -> pa.Table:
    """One row per exception_id ever found, from the snapshots and the events."""
    keys, current, ever = _keys(state), _open_ids(state), state.cycles_ever()
    first_at: dict[str, datetime] = {}
    resolved_at: dict[str, datetime | None] = {}
    for row in state.events.select(["exception_id", "event", "at"]).to_pylist():
        eid, event, at = row["exception_id"], row["event"], row["at"]
        if event == "found" and (eid not in first_at or at < first_at[eid]):
            first_at[eid] = at
        elif event in ("resolved", "reopened"):
            resolved_at[eid] = at if event == "resolved" else None
    rows = []
    for eid in sorted(ever, key=lambda e: (min(ever[e]), *_sortable(keys[e]))):
        is_open = eid in current
        resolved = None if is_open else resolved_at.get(eid)
        first = first_at.get(eid, now)
        end = resolved or now
        rows.append({
            "exception_id": eid, "recon": RECON_OF.get(keys[eid][0], "unknown"),
            "category": keys[eid][0], "object_id": keys[eid][1], "period_start": keys[eid][2],
            "first_seen_cycle": min(ever[eid]),
            "last_seen_cycle": max(current[eid]) if is_open else max(ever[eid]),
            "first_seen_at": first, "status": "open" if is_open else "resolved",
            "resolved_at": resolved,
            "age_days": max(0, (end - first) // timedelta(days=1)),
            "open_cycles": current.get(eid, []),
        })
    return pa.Table.from_pylist(rows, schema=EXCEPTIONS_SCHEMA)


def _sortable(key: tuple[str, str, date | None]) -> tuple[str, str, str]:
    return key[0], key[1], key[2].isoformat() if key[2] else ""
