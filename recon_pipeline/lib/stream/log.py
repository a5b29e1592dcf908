"""The local append-only log: fsync'd segments under ``RECON_STREAM_DIR/log/``, group commit.

A segment is named by its position (``<start:020d>.seg``): the byte offset of its first entry in
the log as a whole, so a position (a cursor) is one integer that never repeats. An entry is
``length (u32) | crc32 (u32) | record`` (:class:`~recon_pipeline.lib.stream.events.Record`).

Writing: every request hands its entries to :meth:`LocalLog.append` and waits; one flush at a
time writes everything waiting and ``fdatasync``s it, so requests that arrive during a flush
share the next one (group commit). ``append`` returns only after the flush that holds its entries
(2xx means: on disk). A receiver always starts a new segment, never appends to an old one: an
entry torn by a crash stays where it is, and readers skip the dead tail of a segment once a
later segment exists (before that, a short tail is an entry still being written: wait).

Redeliveries: the keys of the newest entries are kept in memory, in two generations of up to
``window`` keys each (when the newer one is full it becomes the older one and the older one is
dropped: no per-key eviction), so at least the newest ``window`` keys are remembered; a key seen
there is not written again. Older redeliveries are removed when the
events land (:mod:`recon_pipeline.lib.stream.landing`).
"""

from __future__ import annotations

import asyncio
import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from recon_pipeline.lib.stream.events import Record

_FRAME = struct.Struct(">II")
SEGMENT_BYTES = 64 << 20
READ_BYTES = 8 << 20
DEDUP_WINDOW = 1_000_000
_SUFFIX = ".seg"


def log_dir(stream_dir: Path) -> Path:
    """Where the segments are."""
    return stream_dir / "log"


def segments(folder: Path) -> list[tuple[int, Path]]:
    """(start position, path) of every segment, in order."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if path.suffix == _SUFFIX and path.stem.isdigit():
            found.append((int(path.stem), path))
    return sorted(found)


def frame(record: Record) -> bytes:
    """One log entry."""
    data = record.encode()
    return _FRAME.pack(len(data), zlib.crc32(data)) + data


class Entry(NamedTuple):
    """A record read back, with its position and the position after it."""

    position: int
    next_position: int
    record: Record


def read(stream_dir: Path, position: int, limit: int) -> tuple[list[Entry], int]:
    """Up to ``limit`` entries from ``position``; returns them and the position to go on from."""
    entries: list[Entry] = []
    segs = segments(log_dir(stream_dir))
    for index, (start, path) in enumerate(segs):
        later = index + 1 < len(segs)
        end = segs[index + 1][0] if later else None
        if end is not None and position >= end:
            continue
        if position < start:
            position = start  # a gap can only be the dead tail of a torn segment
        position, _complete = _read_segment(path, start, position, limit, entries)
        if len(entries) >= limit or end is None:
            return entries, position
        position = end  # read to its end, or the rest is a dead (torn) tail: next segment
    return entries, position


def _read_segment(path: Path, start: int, position: int, limit: int,
                  entries: list[Entry]) -> tuple[int, bool]:
    """Append the entries of one segment from ``position``; (position reached, True when the
    segment's end was reached without a torn or short entry)."""
    with path.open("rb") as fh:
        fh.seek(position - start)
        data = b""
        while len(entries) < limit:
            more = fh.read(READ_BYTES)
            data += more
            offset = 0
            while len(entries) < limit and offset + _FRAME.size <= len(data):
                size, crc = _FRAME.unpack_from(data, offset)
                body = data[offset + _FRAME.size: offset + _FRAME.size + size]
                if len(body) < size:
                    break  # continues in the next read, or a short tail
                if zlib.crc32(body) != crc:
                    return position, False  # a torn entry: the rest of the segment is dead
                nxt = position + _FRAME.size + size
                entries.append(Entry(position, nxt, Record.decode(body)))
                position = nxt
                offset += _FRAME.size + size
            data = data[offset:]
            if not more:
                return position, not data
    return position, True


def end_position(stream_dir: Path) -> int:
    """The position after the last byte written (entries may still be in flight)."""
    segs = segments(log_dir(stream_dir))
    if not segs:
        return 0
    start, path = segs[-1]
    return start + path.stat().st_size


def count_from(stream_dir: Path, position: int) -> tuple[int, int | None]:
    """(entries after ``position``, receive time in ms of the first of them) by headers only."""
    entries, _ = read(stream_dir, position, 1)
    oldest = entries[0].record.received_ms if entries else None
    total = 0
    segs = segments(log_dir(stream_dir))
    for index, (start, path) in enumerate(segs):
        end = segs[index + 1][0] if index + 1 < len(segs) else start + path.stat().st_size
        if end <= position:
            continue
        with path.open("rb") as fh:
            at = max(position - start, 0)
            size = end - start
            while at + _FRAME.size <= size:
                fh.seek(at)
                head = fh.read(_FRAME.size)
                length, _ = _FRAME.unpack(head)
                if at + _FRAME.size + length > size:
                    break
                total += 1
                at += _FRAME.size + length
    return total, oldest


def keys(stream_dir: Path, window: int) -> Iterator[str]:
    """The keys of the newest entries (whole segments, newest last, about ``window``)."""
    segs = segments(log_dir(stream_dir))
    chosen: list[tuple[int, Path]] = []
    budget = 0
    for start, path in reversed(segs):
        chosen.insert(0, (start, path))
        budget += path.stat().st_size // 64
        if budget >= window:
            break
    if not chosen:
        return
    position = chosen[0][0]
    while True:
        entries, position = read(stream_dir, position, 65536)
        if not entries:
            return
        for entry in entries:
            yield entry.record.key


class LocalLog:
    """The writer of the local log (one per receiver process)."""

    store = "local"

    def __init__(self, stream_dir: Path, segment_bytes: int = SEGMENT_BYTES,
                 window: int = DEDUP_WINDOW) -> None:
        self.stream_dir = stream_dir
        self.folder = log_dir(stream_dir)
        self.segment_bytes = segment_bytes
        self.window = window
        # key -> the future of the flush writing it (None: on disk before this receiver)
        self._seen: dict[str, asyncio.Future[None] | None] = {}
        self._older: dict[str, asyncio.Future[None] | None] = {}
        self._pending: list[tuple[bytes, asyncio.Future[None]]] = []
        self._flushing = False
        self._flusher: asyncio.Task[None] | None = None
        self._fd = -1
        self._start = 0
        self._size = 0
        self.flushes = 0

    async def open(self) -> None:
        """Create the folder, remember the newest keys, start a new segment."""
        await asyncio.to_thread(self._open)

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for key in keys(self.stream_dir, self.window):
            self._remember(key, None)
        self._new_segment(end_position(self.stream_dir))

    def _new_segment(self, start: int) -> None:
        if self._fd >= 0:
            os.close(self._fd)
        path = self.folder / f"{start:020d}{_SUFFIX}"
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        self._start, self._size = start, os.fstat(self._fd).st_size
        dir_fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the new file's name is durable too
        finally:
            os.close(dir_fd)

    async def close(self) -> None:
        """Wait for the last flush, close the segment."""
        while self._flushing or self._pending:
            await asyncio.sleep(0.005)
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def healthy(self) -> bool:
        """True when the segment is open and its folder writable."""
        return self._fd >= 0 and os.access(self.folder, os.W_OK)

    def _remember(self, key: str, future: asyncio.Future[None] | None) -> None:
        if self.window <= 0:
            return  # remembers nothing: every key is written
        if len(self._seen) >= self.window:
            self._older, self._seen = self._seen, {}
        self._seen[key] = future

    async def append(self, records: list[Record]) -> int:
        """Store ``records`` durably; return how many were new (the others: redeliveries)."""
        waits: list[asyncio.Future[None]] = []
        frames = []
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        seen, older = self._seen, self._older
        for record in records:
            key = record.key
            if key in seen or key in older:
                earlier = seen[key] if key in seen else older[key]
                if earlier is not None and not earlier.done():
                    waits.append(earlier)  # the first delivery is still being written
                continue
            try:
                frames.append(frame(record))
            except Exception:  # a record the log cannot hold: none of these is stored, and
                self._forget(records, future)  # none stays "being written" for ever
                raise
            if len(seen) >= self.window:
                self._remember(key, future)
                seen, older = self._seen, self._older
            else:
                seen[key] = future
        if frames:
            self._pending.append((b"".join(frames), future))
            waits.append(future)
            if not self._flushing:
                self._flushing = True
                self._flusher = loop.create_task(self._flush_loop())
        try:
            for wait in waits:
                await asyncio.shield(wait)
        except OSError:
            self._forget(records, future)  # not stored: a retry must be able to store it
            raise
        return len(frames)

    def _forget(self, records: list[Record], future: asyncio.Future[None]) -> None:
        """Forget the keys of ``records`` that ``future`` was to write."""
        for record in records:
            for generation in (self._seen, self._older):
                if generation.get(record.key) is future:
                    del generation[record.key]

    async def _flush_loop(self) -> None:
        try:
            while self._pending:
                group, self._pending = self._pending, []
                data = b"".join(chunk for chunk, _ in group)
                try:
                    await asyncio.to_thread(self._write, data)
                except OSError as exc:
                    for _, fut in group:
                        if not fut.done():
                            fut.set_exception(exc)
                    continue
                for _, fut in group:
                    if not fut.done():
                        fut.set_result(None)
        finally:
            self._flushing = False

    def _write(self, data: bytes) -> None:
        if self._size >= self.segment_bytes:
            self._new_segment(self._start + self._size)
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fdatasync(self._fd)
        self._size += len(data)
        self.flushes += 1
