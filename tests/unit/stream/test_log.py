"""The local log read back: segments, a torn tail skipped once a later segment exists."""

from __future__ import annotations

from pathlib import Path

from recon_pipeline.lib.stream import log
from recon_pipeline.lib.stream.events import Record
from tests.integration.stream.logkit import append


def _records(prefix: str, count: int) -> list[Record]:
    return [Record("usage", f"{prefix}-{i}", b'{"n": %d}' % i, i) for i in range(count)]


def test_torn_tail_waits_then_is_skipped(tmp_path: Path) -> None:
    append(tmp_path, _records("a", 10))
    [(start, first)] = log.segments(log.log_dir(tmp_path))
    whole = first.read_bytes()
    first.write_bytes(whole + log.frame(Record("usage", "torn", b"{}", 0))[:-3])  # a crash
    entries, position = log.read(tmp_path, 0, 100)
    assert [e.record.key for e in entries] == [f"a-{i}" for i in range(10)]
    assert log.read(tmp_path, position, 100) == ([], position)  # may still be written: wait
    append(tmp_path, _records("b", 3))  # a receiver started again: a new segment
    entries, after = log.read(tmp_path, position, 100)
    assert [e.record.key for e in entries] == ["b-0", "b-1", "b-2"]
    assert entries[0].position == start + len(whole) + len(log.frame(
        Record("usage", "torn", b"{}", 0))) - 3
    assert log.read(tmp_path, after, 100) == ([], after)


def test_reads_in_batches_across_segments(tmp_path: Path) -> None:
    for part in range(3):
        append(tmp_path, _records(f"s{part}", 40))
    seen, position = [], 0
    while True:
        entries, position = log.read(tmp_path, position, 7)
        if not entries:
            break
        assert len(entries) <= 7
        seen += [e.record.key for e in entries]
    assert seen == [f"s{p}-{i}" for p in range(3) for i in range(40)]
    assert log.count_from(tmp_path, 0)[0] == 120


def test_a_record_the_log_cannot_hold_stores_none_of_its_request(tmp_path: Path) -> None:
    """A key past the record header's 16 bits (the receiver refuses those since issue 13's
    fuzzer found one): the append raises, and the other events of that request are neither
    written nor left "being written", so a retry without the bad one stores them."""
    import asyncio

    import pytest

    async def run() -> int:
        writer = log.LocalLog(tmp_path)
        await writer.open()
        try:
            with pytest.raises(Exception, match="format requires"):
                await writer.append([*_records("ok", 2), Record("usage", "k" * 70_000, b"{}", 0)])
            return await asyncio.wait_for(writer.append(_records("ok", 2)), 5)
        finally:
            await writer.close()

    assert asyncio.run(run()) == 2
    assert [e.record.key for e in log.read(tmp_path, 0, 10)[0]] == ["ok-0", "ok-1"]
