"""Files as chunks of lines: Arrow arrays of line text with their 1-based line numbers.

A chunk is split and checked for UTF-8 by Arrow kernels, so no Python code runs per line on
the hot path. Gzip-compressed files (``.gz``) are decompressed as a stream; memory holds one
chunk (``chunk_bytes``) at a time.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from recon_pipeline.lib.extract.errors import SourceError

#: Bytes read per chunk; a line longer than this is read whole, in one larger chunk.
CHUNK_BYTES = 32 << 20
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class LineChunk:
    """Consecutive lines of a file.

    ``text`` is null where the line is not valid UTF-8; ``bad_utf8`` holds those lines'
    numbers and lossy text. Empty lines are kept (callers skip blank lines).
    """

    line_no: pa.Int64Array
    text: pa.LargeStringArray
    bad_utf8: list[tuple[int, str]]

    def table(self) -> pa.Table:
        """The chunk as a two-column Arrow table (``line_no``, ``line``)."""
        return pa.table({"line_no": self.line_no, "line": self.text})


@dataclass
class Position:
    """Where a plain file's reading starts (``offset``, a line start, numbered
    ``first_line``), and what it read: the bytes (fed to ``hasher`` when given, from
    ``offset`` on), and whether the file ended with a newline."""

    offset: int = 0
    first_line: int = 1
    hasher: Any = None
    end: int = 0
    last_line: int = 0
    ends_with_newline: bool = True
    #: A compressed file: its size and SHA-256, taken before it is read; ``whole``: the same
    #: as an earlier extraction read, so not read again (lib/extract/tail.py).
    size: int = 0
    digest: str | None = None
    whole: bool = False


def iter_line_chunks(path: Path, chunk_bytes: int = CHUNK_BYTES,
                     position: Position | None = None) -> Iterator[LineChunk]:
    """Yield the lines of ``path`` (plain or ``.gz``) in order, a chunk at a time; from
    ``position`` (plain files) when given, which is updated with what was read.

    Raises:
        SourceError: the file cannot be opened or its gzip stream is corrupt.
    """
    pos = position or Position()
    try:
        with _open(path) as handle:
            if pos.offset:
                handle.seek(pos.offset)
            yield from _chunks(_Tracked(handle, pos), chunk_bytes, pos)
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError(
            f"cannot read {path}: {exc}; re-export the file or remove it from the sources"
        ) from None


class _Tracked:
    """A binary handle that feeds what it reads to a position's hasher and counts it."""

    def __init__(self, handle: BinaryIO, position: Position) -> None:
        self.handle = handle
        self.position = position
        position.end = position.offset

    def read(self, size: int) -> bytes:
        block = self.handle.read(size)
        if block:
            if self.position.hasher is not None:
                self.position.hasher.update(block)
            self.position.end += len(block)
            self.position.ends_with_newline = block.endswith(b"\n")
        return block


def _open(path: Path) -> BinaryIO:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def _chunks(handle: _Tracked, chunk_bytes: int, pos: Position) -> Iterator[LineChunk]:
    carry = b""
    first_line = pos.first_line
    start = pos.offset == 0
    while True:
        block = handle.read(chunk_bytes)
        data = carry + block
        if start:
            data = data.removeprefix(_BOM)
            start = False
        if not block:
            if data:
                yield _split(data, first_line)
                first_line += data.count(b"\n") + 1
            pos.last_line = first_line - 1
            return
        cut = data.rfind(b"\n")
        if cut < 0:
            carry = data
            continue
        carry = data[cut + 1 :]
        chunk = _split(data[:cut], first_line)
        first_line += len(chunk.line_no)
        yield chunk


def _split(data: bytes, first_line: int) -> LineChunk:
    """Split ``data`` (no trailing newline) into lines numbered from ``first_line``.

    The newlines are found by one vectorised byte comparison and become the offsets of one
    Arrow array over ``data`` with a newline appended (each value keeps its newline, then one
    slice drops it): no per-line work, and ``split_pattern`` on one huge value was the
    slowest step of a chunk.
    """
    buf = np.frombuffer(data + b"\n", np.uint8)
    ends = np.flatnonzero(buf == 10) + 1
    offsets = np.concatenate([np.zeros(1, np.int64), ends.astype(np.int64)])
    with_nl = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(ends), [None, pa.py_buffer(offsets), pa.py_buffer(buf)])
    pieces = pc.binary_slice(with_nl, 0, -1)
    if (buf[ends[ends >= 2] - 2] == 13).any():
        pieces = pc.if_else(pc.ends_with(pieces, b"\r"), pc.binary_slice(pieces, 0, -1), pieces)
    return line_chunk(pieces, first_line)


def line_chunk(lines: pa.Array, first_line: int = 1) -> LineChunk:
    """Binary ``lines`` numbered from ``first_line``, as text; those not UTF-8 set aside."""
    count = len(lines)
    ones = pa.nulls(count, pa.int64()).fill_null(1)
    numbers = pc.add(pc.cumulative_sum(ones), first_line - 1)
    text, bad = _utf8(lines)
    if not bad:
        return LineChunk(numbers, text, [])
    bad_rows = [(first_line + i, lines[i].as_py().decode("utf-8", "replace")) for i in bad]
    mask = pc.is_in(numbers, value_set=pa.array([n for n, _ in bad_rows], pa.int64()))
    cleaned = _utf8(pc.if_else(mask, pa.scalar(b"", pa.large_binary()), lines))[0]
    text = pc.if_else(mask, pa.scalar(None, pa.large_string()), cleaned)
    return LineChunk(numbers, text, bad_rows)


def _utf8(lines: pa.Array) -> tuple[pa.LargeStringArray, list[int]]:
    """Lines as text, and the indices of those that are not valid UTF-8 (found by bisection)."""
    try:
        return lines.cast(pa.large_string()), []
    except pa.ArrowInvalid:
        pass
    bad: list[int] = []
    stack = [(0, len(lines))]
    while stack:
        lo, hi = stack.pop()
        try:
            lines.slice(lo, hi - lo).cast(pa.large_string())
        except pa.ArrowInvalid:
            if hi - lo == 1:
                bad.append(lo)
            else:
                mid = (lo + hi) // 2
                stack += [(mid, hi), (lo, mid)]
    return pa.nulls(len(lines), pa.large_string()), sorted(bad)
