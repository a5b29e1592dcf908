"""The close workflow's event log: append-only, hash-chained, one JSON object per line.

``OUT/workflow/events.jsonl`` records every change a person (or the pipeline) makes to an
exception or a close: who, when, what, the value before and after. Each event carries the
SHA-256 of the one before (``prev``) and its own (``hash``, over its canonical JSON without
``hash``), so editing, removing or reordering any event breaks the chain, which
:func:`verify_chain` reports. Dagster-free.

Writers serialise on ``events.lock`` (``flock``): :meth:`EventLog.transact` reads the log,
lets the caller decide (from the freshest state) what to append, writes and fsyncs, all under
the lock, so two people acting at once never lose an update. A line is accepted only when
complete (it ends with a newline and parses); a writer killed mid-line leaves a torn tail,
which readers ignore and report, and the next writer moves aside (``events.torn``) before it
appends, so the torn bytes never become part of an event.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

GENESIS = "0" * 64
T = TypeVar("T")


class WorkflowError(ValueError):
    """An action the workflow refuses (not allowed, wrong state, bad input): one line why."""


class ChainError(WorkflowError):
    """The event log does not verify: an event was edited, removed or reordered."""


@dataclass(frozen=True)
class Event:
    """One recorded change. ``data`` holds the action's own fields (reason, comment, ...)."""

    seq: int
    at: str  # ISO 8601 UTC
    who: str
    action: str
    target: str  # an exception_id, or "cycle:YYYY-MM"
    before: Any
    after: Any
    data: Mapping[str, Any]
    prev: str
    hash: str

    def body(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at, "who": self.who, "action": self.action,
                "target": self.target, "from": self.before, "to": self.after,
                "data": dict(self.data), "prev": self.prev}


@dataclass(frozen=True)
class LogRead:
    """The accepted events, and the torn tail (bytes after the last complete line), if any."""

    events: list[Event]
    torn: bytes = b""

    @property
    def head(self) -> str:
        return self.events[-1].hash if self.events else GENESIS


@dataclass(frozen=True)
class Draft:
    """An event to append: the log fills in seq, at, prev and hash."""

    who: str
    action: str
    target: str
    before: Any = None
    after: Any = None
    data: Mapping[str, Any] | None = None


def event_hash(body: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces) of an event without its hash."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _event(obj: Mapping[str, Any]) -> Event:
    return Event(seq=obj["seq"], at=obj["at"], who=obj["who"], action=obj["action"],
                 target=obj["target"], before=obj.get("from"), after=obj.get("to"),
                 data=obj.get("data") or {}, prev=obj["prev"], hash=obj["hash"])


def parse(raw: bytes) -> LogRead:
    """The complete lines of ``raw`` as events; an incomplete or unparsable last line is torn.

    An unparsable line that is not the last is an edit, not a crash: ChainError.
    """
    events: list[Event] = []
    end = raw.rfind(b"\n") + 1
    body, torn = raw[:end], raw[end:]
    lines = body.split(b"\n")[:-1] if body else []
    for number, line in enumerate(lines, 1):
        try:
            obj = json.loads(line)
            events.append(_event(obj))
        except (ValueError, KeyError, TypeError) as exc:
            if number == len(lines) and not torn:
                return LogRead(events, line + b"\n")
            raise ChainError(f"event log line {number} is not an event: {exc}") from None
    return LogRead(events, torn)


def verify_chain(events: list[Event]) -> None:
    """Raise ChainError naming the first event that does not follow from the one before."""
    prev = GENESIS
    for index, event in enumerate(events, 1):
        if event.seq != index:
            raise ChainError(f"event {index} has sequence number {event.seq}: an event was "
                             "removed, inserted or reordered")
        if event.prev != prev:
            raise ChainError(f"event {event.seq} does not follow event {event.seq - 1} "
                             "(its prev hash differs): the log was edited")
        if event_hash(event.body()) != event.hash:
            raise ChainError(f"event {event.seq} ({event.action} {event.target} by "
                             f"{event.who}) was edited after it was written")
        prev = event.hash


class EventLog:
    """The event log of one OUT directory (``OUT/workflow/events.jsonl``)."""

    def __init__(self, out: Path, clock: Callable[[], datetime] | None = None) -> None:
        self.folder = Path(out) / "workflow"
        self.path = self.folder / "events.jsonl"
        self.clock = clock or (lambda: datetime.now(UTC))

    def read(self) -> LogRead:
        """The accepted events (not verified: see :meth:`verify`)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return LogRead([])
        return parse(raw)

    def verify(self) -> LogRead:
        """Read and verify the chain; ChainError if it is broken."""
        read = self.read()
        verify_chain(read.events)
        return read

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "events.lock", "a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def transact(self, decide: Callable[[list[Event]], tuple[list[Draft], T]]) -> T:
        """Under the lock: read and verify the log, ``decide`` what to append, append it.

        ``decide`` gets the current events and returns the drafts to append and a result
        (it raises WorkflowError to refuse). Returns that result.
        """
        with self._locked():
            read = self.verify()
            drafts, result = decide(read.events)
            if read.torn:
                self._set_aside(read.torn)
            if drafts:
                self._append(read, drafts)
            return result

    def append(self, *drafts: Draft) -> list[Event]:
        """Append events unconditionally (under the lock); returns them as written."""
        def decide(events: list[Event]) -> tuple[list[Draft], int]:
            return list(drafts), len(events)
        start = self.transact(decide)
        return self.read().events[start:start + len(drafts)]

    def _set_aside(self, torn: bytes) -> None:
        """Keep a torn tail's bytes in events.torn (for the record) and cut it off the log."""
        with open(self.folder / "events.torn", "ab") as aside:
            aside.write(torn + b"\n")
            aside.flush()
            os.fsync(aside.fileno())
        size = self.path.stat().st_size
        with open(self.path, "r+b") as log:
            log.truncate(size - len(torn))
            os.fsync(log.fileno())

    def _append(self, read: LogRead, drafts: list[Draft]) -> None:
        prev, seq = read.head, len(read.events)
        at = self.clock().astimezone(UTC).isoformat(timespec="microseconds")
        lines = []
        for draft in drafts:
            seq += 1
            body = {"seq": seq, "at": at, "who": draft.who, "action": draft.action,
                    "target": draft.target, "from": draft.before, "to": draft.after,
                    "data": dict(draft.data or {}), "prev": prev}
            prev = event_hash(body)
            lines.append(json.dumps({**body, "hash": prev}, sort_keys=True,
                                    ensure_ascii=False).encode("utf-8") + b"\n")
        fresh = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            data = memoryview(b"".join(lines))
            while data:
                data = data[os.write(fd, data):]
            os.fsync(fd)
        finally:
            os.close(fd)
        if fresh:
            dir_fd = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
