"""Parse each byte once for files that grew: a cumulative export appended to since the run
that landed it is read from where that run stopped, not from the first line.

An extraction of usage events keeps, in its raw zone, the events of every file as they were
before redeliveries were dropped and stream events merged (``_parts/usage__events.staged
.parquet``), and one fingerprint per plain file it read to the end (``_parts/usage__events
.prefix.json``): the bytes it consumed (the whole file, which ended with a newline), the lines
those hold, and the SHA-256 of those bytes, with the digest of the extraction code.

A later extraction into a raw zone beside it (``OUT/raw/<cycle>``, the newest zone first, as
lib/extract/reuse.py looks) hashes the same number of leading bytes of the file as it is now.
When they are the same, that zone's rows and quarantine of the file (at most its consumed
lines) are copied, and only the tail is parsed, its lines numbered on from there; rows read,
loaded and quarantined add up as a full parse would count them. Any other change (shorter,
rewritten, a different code digest) and a file without an earlier fingerprint are parsed in
full; a ``.gz`` file is fingerprinted whole (its compressed bytes): copied when unchanged, else
parsed in full. The redeliveries are then found over every staged row again, so the result
is the same as a full parse's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from recon_pipeline.lib import atomic
from recon_pipeline.lib.extract.lines import Position
from recon_pipeline.lib.extract.report import PARTS, part_paths

_BLOCK = 8 << 20


def staged_path(out_dir: Path, name: str) -> Path:
    """The kept staged rows of object ``name`` (before redeliveries and stream merge)."""
    return out_dir / PARTS / f"{name.replace('/', '__')}.staged.parquet"


def quarantine_path(out_dir: Path, name: str) -> Path:
    """The kept quarantine of object ``name``'s files (before the stream merge adds to it)."""
    return out_dir / PARTS / f"{name.replace('/', '__')}.staged_quarantine.parquet"


def prefix_path(out_dir: Path, name: str) -> Path:
    """The per-file fingerprints of the consumed prefixes of object ``name``."""
    return out_dir / PARTS / f"{name.replace('/', '__')}.prefix.json"


@dataclass(frozen=True)
class Consumed:
    """A file's prefix an earlier extraction read: bytes, lines and SHA-256 of those bytes."""

    size: int
    lines: int
    sha256: str


@dataclass
class Prior:
    """A raw zone whose extraction of an object left fingerprints and staged rows: the staged
    rows held open (``staged``) and the quarantine read, both as the fingerprints say."""

    zone: Path
    name: str
    files: dict[str, Consumed]
    staged: BinaryIO
    quarantine: pa.Table

    def close(self) -> None:
        """Let go of the staged rows."""
        self.staged.close()


def _stat(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def keep(out_dir: Path, name: str, staged: Path) -> dict[str, list[int]]:
    """Keep ``staged`` and the object's quarantine part as they are now (the stream merge
    rewrites the part later) for the next run; their stats, for :func:`record`."""
    atomic.commit(staged, staged_path(out_dir, name))
    kept = quarantine_path(out_dir, name)
    tmp = atomic.new_temp(kept)
    tmp.unlink()
    try:
        os.link(part_paths(out_dir, name)[0], tmp)
    except OSError:
        shutil.copyfile(part_paths(out_dir, name)[0], tmp)
    atomic.commit(tmp, kept)
    return {"staged": _stat(staged_path(out_dir, name)), "quarantine": _stat(kept)}


def find_prior(out_dir: Path, name: str, code: str) -> Prior | None:
    """The newest raw zone (``out_dir`` first, then its siblings by name, newest first) with
    fingerprints of ``name`` made by the extraction code ``code``, and kept files that are
    the ones the fingerprints were written with (another run may be replacing them)."""
    siblings = out_dir.parent.iterdir() if out_dir.parent.is_dir() else iter(())
    for zone in [out_dir, *sorted((p for p in siblings if p.is_dir() and p != out_dir),
                                  reverse=True)]:
        try:
            staged = open(staged_path(zone, name), "rb")  # noqa: SIM115 (Prior closes it)
        except OSError:
            continue
        try:
            data = json.loads(prefix_path(zone, name).read_text(encoding="utf-8"))
            st = os.fstat(staged.fileno())
            with open(quarantine_path(zone, name), "rb") as handle:
                qt = os.fstat(handle.fileno())
                quarantine = pq.read_table(handle)
        except (OSError, ValueError, pa.ArrowInvalid):
            staged.close()
            continue
        kept = data.get("kept", {})
        if (data.get("code") != code or kept.get("staged") != [st.st_size, st.st_mtime_ns]
                or kept.get("quarantine") != [qt.st_size, qt.st_mtime_ns]):
            staged.close()
            continue
        files = {rel: Consumed(**c) for rel, c in data["files"].items()}
        return Prior(zone, name, files, staged, quarantine)
    return None


def _hash(path: Path, size: int) -> hashlib._Hash | None:
    """SHA-256 of the first ``size`` bytes of ``path``; None when it has fewer."""
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        left = size
        while left:
            block = handle.read(min(_BLOCK, left))
            if not block:
                return None
            hasher.update(block)
            left -= len(block)
    return hasher


def resume(prior: Prior | None, path: Path, rel: str) -> Position | None:
    """Where to go on reading ``path``: after its prefix ``prior`` read, when the file still
    starts with those bytes; None to read it in full. The position's hasher holds the hash
    of the prefix, so reading on completes the fingerprint of the whole file. A ``.gz`` file
    is resumed only when it is the same file whole (``Position.whole``: nothing to read)."""
    if prior is None or rel not in prior.files:
        return None
    consumed = prior.files[rel]
    try:
        size = path.stat().st_size
        if size < consumed.size or (rel.endswith(".gz") and size != consumed.size):
            return None
        hasher = _hash(path, consumed.size)
    except OSError:
        return None
    if hasher is None or hasher.hexdigest() != consumed.sha256:
        return None
    if rel.endswith(".gz"):
        return Position(consumed.size, consumed.lines + 1, None, end=size,
                        last_line=consumed.lines, size=size, digest=consumed.sha256,
                        whole=True)
    return Position(consumed.size, consumed.lines + 1, hasher)


def fresh(path: Path, rel: str) -> Position:
    """The position of a full read that fingerprints what it reads: a plain file as it is
    read, a ``.gz`` file (compressed bytes) before it is read."""
    if not rel.endswith(".gz"):
        return Position(0, 1, hashlib.sha256())
    try:
        size = path.stat().st_size
        hasher = _hash(path, size)
    except OSError:
        hasher = None
    return Position(0, 1, None, size=size if hasher else 0,
                    digest=hasher.hexdigest() if hasher else None)


class Earlier:
    """The prior zone's staged rows and quarantine, handed out file by file in one pass.

    Staged rows are in the order the files were read: sorted by path (``usage_files``),
    which is the byte order Arrow compares strings in, so the rows of the files asked for
    (in that order) are found by reading the staged file once."""

    def __init__(self, prior: Prior) -> None:
        self.prior = prior
        self._batches = pq.ParquetFile(prior.staged).iter_batches(batch_size=1 << 20)
        self._pending: pa.Table | None = None

    def _next(self) -> pa.Table | None:
        if self._pending is not None:
            table, self._pending = self._pending, None
            return table
        batch = next(self._batches, None)
        return None if batch is None else pa.Table.from_batches([batch])

    def rows(self, rel: str, lines: int) -> Iterator[pa.Table]:
        """The staged rows of file ``rel`` from its first ``lines`` lines (files asked for
        in path order)."""
        while (table := self._next()) is not None:
            files = table.column("_file")
            after = pc.sum(pc.greater(files, rel).cast(pa.int64())).as_py() or 0
            if after:  # sorted: the rows after ``rel``'s are the table's last ones
                self._pending = table.slice(table.num_rows - after)
                table = table.slice(0, table.num_rows - after)
            keep = pc.and_(pc.equal(table.column("_file"), rel),
                           pc.less_equal(table.column("_line"), lines))
            rows = table.filter(keep)
            if rows.num_rows:
                yield rows
            if after:
                return

    def quarantine(self, rel: str, lines: int) -> pa.Table:
        """The quarantine rows of file ``rel`` from its first ``lines`` lines."""
        table = self.prior.quarantine
        keep = pc.and_(pc.equal(table.column("file"), rel),
                       pc.less_equal(table.column("line"), lines))
        return table.filter(keep)


def record(out_dir: Path, name: str, code: str, read: dict[str, Position],
           kept: dict[str, list[int]]) -> None:
    """Write the fingerprints of the files read to their end with a final newline (and, for
    the record, the offsets the files read on from were resumed at)."""
    files: dict[str, Any] = {}
    for rel, p in read.items():
        if p.digest is not None:
            files[rel] = {"size": p.size, "lines": p.last_line, "sha256": p.digest}
        elif p.hasher is not None and p.ends_with_newline:
            files[rel] = {"size": p.end, "lines": p.last_line, "sha256": p.hasher.hexdigest()}
    resumed = {rel: p.offset for rel, p in read.items() if p.offset}
    atomic.write_text(prefix_path(out_dir, name), json.dumps(
        {"code": code, "files": files, "resumed": resumed, "kept": kept}, sort_keys=True))
