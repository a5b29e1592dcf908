"""Inventory of a sources directory: every file of every source system, its size and lines.

Dagster-free; the ``sources_inventory`` asset records the result.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from recon_pipeline.lib.source_files import entries, refusal
from recon_pipeline.lib.sources import SOURCE_SYSTEMS

TEXT_SUFFIXES = (".jsonl", ".jsonl.gz", ".csv", ".csv.gz", ".json", ".json.gz")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class SourceFile:
    """One exported file. ``line_count`` is None for binary files such as ledger.sqlite, and
    for a file that is not read (``problem`` says why: a link out of the sources directory, a
    FIFO, a corrupt gzip; extraction quarantines it as a whole file)."""

    system: str
    path: str
    size_bytes: int
    line_count: int | None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return asdict(self)


def scan_sources(root: Path) -> list[SourceFile]:
    """List the files under each source system's folder of ``root``, sorted by path.

    Hidden files and anything outside the six system folders (e.g. ``_truth/``) are left out.
    Nothing a reader must not open is opened (lib/source_files.py): such an entry is listed with its
    problem, size 0 and no line count.
    """
    files: list[SourceFile] = []
    for system in SOURCE_SYSTEMS:
        for path in entries(root / system):
            relative = path.relative_to(root)
            if any(part.startswith(".") for part in relative.parts):
                continue
            problem = refusal(root, path, check_gzip=False)
            if problem:
                files.append(SourceFile(system, relative.as_posix(), 0, None, problem))
                continue
            lines = None
            if path.name.endswith(TEXT_SUFFIXES):
                try:
                    lines = count_lines(path)
                except (OSError, EOFError, zlib.error) as exc:
                    problem = f"is not a complete gzip file ({exc}): not read; re-export it"
            files.append(SourceFile(system, relative.as_posix(), path.stat().st_size, lines,
                                    problem))
    return files


def count_lines(path: Path) -> int:
    """Lines of a text file, gzip-compressed or not; a last line without newline counts."""
    opener = gzip.open if path.name.endswith(".gz") else open
    count, last = 0, b"\n"
    with opener(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def missing_systems(files: list[SourceFile]) -> list[str]:
    """Source systems of which no file was found."""
    present = {f.system for f in files}
    return [system for system in SOURCE_SYSTEMS if system not in present]


def summary_markdown(files: list[SourceFile]) -> str:
    """A Markdown table of files, bytes and lines per source system."""
    rows = ["| system | files | bytes | lines |", "|---|---:|---:|---:|"]
    for system in SOURCE_SYSTEMS:
        mine = [f for f in files if f.system == system]
        lines = sum(f.line_count or 0 for f in mine)
        rows.append(f"| {system} | {len(mine)} | {sum(f.size_bytes for f in mine):,} | {lines:,} |")
    return "\n".join(rows)
