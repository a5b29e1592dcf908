"""Fingerprints of a sources directory: which files it holds, their sizes and modification times.

Dagster-free and cheap: a fingerprint is taken with ``stat`` alone, never by reading a file, so
the late-data sensor can take one every minute. Every run of a cycle records the fingerprint of
the sources it read (``OUT/raw/<cycle>/sources_fingerprint.json``, written by the
``sources_inventory`` asset before anything reads the sources); a reconciled cycle whose
recorded fingerprint differs from the directory's current one was reconciled on other data.

A file counts as changed when it was added or removed or its size or ``mtime_ns`` changed (every
write changes the modification time). The files are those the pipeline reads: everything under
the six source system folders but hidden files (``scan_sources`` lists the same).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from recon_pipeline.lib.atomic import write_text
from recon_pipeline.lib.sources import SOURCE_SYSTEMS

#: Name of the recorded fingerprint in a cycle's raw zone.
FINGERPRINT_FILE = "sources_fingerprint.json"
#: Length of the hex digest: short enough for a run key, far too long to collide by chance.
DIGEST_CHARS = 16


@dataclass(frozen=True, order=True)
class FileStat:
    """One source file as ``stat`` sees it; ``path`` is relative to the sources directory."""

    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class SourcesFingerprint:
    """Every source file's stat and one digest over all of them."""

    files: tuple[FileStat, ...]
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.files))
        object.__setattr__(self, "files", ordered)
        object.__setattr__(self, "digest", _digest(ordered))

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return {
            "digest": self.digest,
            "files": [{"path": f.path, "size": f.size, "mtime_ns": f.mtime_ns} for f in self.files],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourcesFingerprint:
        """The fingerprint that :meth:`to_dict` wrote (its digest recomputed)."""
        return cls(tuple(FileStat(str(f["path"]), int(f["size"]), int(f["mtime_ns"]))
                         for f in data["files"]))


@dataclass(frozen=True)
class FingerprintDiff:
    """What changed between two fingerprints, by relative path."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def summary(self, limit: int = 3) -> str:
        """One line such as ``1 added (usage/late.jsonl), 1 changed (billing/invoices.jsonl)``."""
        parts = []
        for what, paths in (("added", self.added), ("removed", self.removed),
                            ("changed", self.changed)):
            if paths:
                shown = ", ".join(paths[:limit]) + (", ..." if len(paths) > limit else "")
                parts.append(f"{len(paths)} {what} ({shown})")
        return "; ".join(parts) or "no change"


def _digest(files: tuple[FileStat, ...]) -> str:
    hasher = hashlib.sha256()
    for f in files:
        hasher.update(f"{f.path}\t{f.size}\t{f.mtime_ns}\n".encode())
    return hasher.hexdigest()[:DIGEST_CHARS]


def fingerprint_sources(root: Path) -> SourcesFingerprint:
    """The fingerprint of the sources directory ``root`` (empty if it has no system folders)."""
    stats: list[FileStat] = []
    for system in SOURCE_SYSTEMS:
        folder = Path(root) / system
        if folder.is_dir():
            stats.extend(_walk(folder, system))
    return SourcesFingerprint(tuple(stats))


def _walk(folder: Path, relative: str) -> list[FileStat]:
    stats: list[FileStat] = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:  # removed while we looked: it holds nothing now
        return stats
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = f"{relative}/{entry.name}"
        try:
            if entry.is_dir():
                stats.extend(_walk(Path(entry.path), path))
            elif entry.is_file():
                st = entry.stat()
                stats.append(FileStat(path, st.st_size, st.st_mtime_ns))
        except FileNotFoundError:
            continue
    return stats


def diff_fingerprints(before: SourcesFingerprint, after: SourcesFingerprint) -> FingerprintDiff:
    """Files added, removed and changed (size or modification time) from ``before`` to ``after``."""
    old = {f.path: f for f in before.files}
    new = {f.path: f for f in after.files}
    return FingerprintDiff(
        added=tuple(sorted(set(new) - set(old))),
        removed=tuple(sorted(set(old) - set(new))),
        changed=tuple(sorted(p for p in set(old) & set(new) if old[p] != new[p])),
    )


def fingerprint_path(raw_dir: Path) -> Path:
    """Where a cycle's run records its fingerprint: ``<raw_dir>/sources_fingerprint.json``."""
    return Path(raw_dir) / FINGERPRINT_FILE


def write_fingerprint(
    raw_dir: Path, fingerprint: SourcesFingerprint, *, cycle: str, sources_dir: Path,
    recorded_at: datetime,
) -> Path:
    """Record ``fingerprint`` as the sources a run of ``cycle`` reads (replaced atomically)."""
    target = fingerprint_path(raw_dir)
    document = {
        "cycle": cycle,
        "sources_dir": str(sources_dir),
        "recorded_at": recorded_at.isoformat(),
        **fingerprint.to_dict(),
    }
    write_text(target, json.dumps(document, indent=2) + "\n")
    return target


def read_fingerprint(raw_dir: Path) -> SourcesFingerprint | None:
    """The fingerprint a run of the cycle recorded, or None if none was (or it is unreadable)."""
    try:
        data = json.loads(fingerprint_path(raw_dir).read_text(encoding="utf-8"))
        return SourcesFingerprint.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def record_sources_fingerprint(
    sources_dir: Path, raw_dir: Path, *, cycle: str, recorded_at: datetime
) -> SourcesFingerprint:
    """Take the fingerprint of ``sources_dir`` and record it for ``cycle``; what a run does
    before it reads the sources."""
    fingerprint = fingerprint_sources(sources_dir)
    write_fingerprint(raw_dir, fingerprint, cycle=cycle, sources_dir=sources_dir,
                      recorded_at=recorded_at)
    return fingerprint
