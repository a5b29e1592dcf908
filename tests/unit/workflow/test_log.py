"""The workflow's event log: hash chain, torn writes, concurrent writers (real files, processes)."""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from recon_pipeline.lib.workflow.log import ChainError, Draft, EventLog, verify_chain


def _fill(out: Path, n: int = 3) -> EventLog:
    log = EventLog(out)
    for i in range(n):
        log.append(Draft("alice", "comment", "UBS-000000000001", data={"text": f"note {i}"}))
    return log


def test_chain_verifies_and_links(tmp_path: Path) -> None:
    log = _fill(tmp_path)
    events = log.verify().events
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev == "0" * 64
    assert all(b.prev == a.hash for a, b in itertools.pairwise(events))


def test_edited_event_is_caught(tmp_path: Path) -> None:
    log = _fill(tmp_path)
    lines = log.path.read_text().splitlines()
    event = json.loads(lines[1])
    event["data"]["text"] = "a different note"
    lines[1] = json.dumps(event, sort_keys=True)
    log.path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ChainError, match=r"event 2 .* was edited"):
        log.verify()
    # Re-hashing the edited event does not help: the next one no longer follows it.
    from recon_pipeline.lib.workflow.log import event_hash
    body = {k: v for k, v in event.items() if k != "hash"}
    event["hash"] = event_hash(body)
    lines[1] = json.dumps(event, sort_keys=True)
    log.path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ChainError, match="event 3 does not follow event 2"):
        log.verify()
    # Nor does removing an event, and a writer refuses to extend a broken log.
    log.path.write_text("\n".join([lines[0], lines[2]]) + "\n")
    with pytest.raises(ChainError, match="sequence number"):
        verify_chain(log.read().events)
    with pytest.raises(ChainError):
        log.append(Draft("bob", "comment", "X", data={"text": "more"}))


_WRITER = """
import sys
from pathlib import Path
from recon_pipeline.lib.workflow import log as wlog

out = Path(sys.argv[1])
real_write = wlog.os.write

def slow_write(fd, data):
    # write half the line, flush it to disk, then wait to be killed mid-event
    half = len(data) // 2
    real_write(fd, bytes(data[:half]))
    wlog.os.fsync(fd)
    print("half", flush=True)
    import time
    time.sleep(60)
    return half

wlog.os.write = slow_write
wlog.EventLog(out).append(wlog.Draft("mallory", "comment", "UBS-1", data={"text": "x" * 500}))
"""


def test_kill_mid_write_leaves_no_torn_event(tmp_path: Path) -> None:
    log = _fill(tmp_path, 2)
    before = log.path.read_bytes()
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "half"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    raw = log.path.read_bytes()
    assert raw.startswith(before) and len(raw) > len(before)  # half an event is on disk
    read = log.verify()
    assert len(read.events) == 2 and read.torn  # ... and is not accepted
    # The next writer sets the torn bytes aside and continues the chain.
    log.append(Draft("bob", "comment", "UBS-1", data={"text": "after the crash"}))
    read = log.verify()
    assert [e.who for e in read.events] == ["alice", "alice", "bob"] and not read.torn
    assert (log.folder / "events.torn").read_bytes().startswith(raw[len(before):])


def _writer(out: str, who: str, n: int) -> None:
    log = EventLog(Path(out))
    for i in range(n):
        log.append(Draft(who, "comment", "UBS-1", data={"text": f"{who} {i}"}))


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), f"user{k}", 25)) for k in range(4)]
    started = time.monotonic()
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    events = EventLog(tmp_path).verify().events
    assert len(events) == 100, time.monotonic() - started
    texts = {e.data["text"] for e in events}
    assert texts == {f"user{k} {i}" for k in range(4) for i in range(25)}
