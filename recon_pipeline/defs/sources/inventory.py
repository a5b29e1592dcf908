"""Inventory of a sources directory: every file of every source system, its size and lines.

Dagster-free; the ``sources_inventory`` asset records the result.
"""

from __future__ import annotations

import gzip
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from recon_pipeline.lib.sources import SOURCE_SYSTEMS

TEXT_SUFFIXES = (".jsonl", ".jsonl.gz", ".csv", ".csv.gz", ".json", ".json.gz")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class SourceFile:
    """One exported file. ``line_count`` is None for binary files such as ledger.sqlite."""

    system: str
    path: str
    size_bytes: int
    line_count: int | None

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return asdict(self)


def scan_sources(root: Path) -> list[SourceFile]:
    """List the files under each source system's folder of ``root``, sorted by path.

    Hidden files and anything outside the six system folders (e.g. ``_truth/``) are left out.
    """
    files: list[SourceFile] = []
    for system in SOURCE_SYSTEMS:
        folder = root / system
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(root)
            if not path.is_file() or any(part.startswith(".") for part in relative.parts):
                continue
            lines = count_lines(path) if path.name.endswith(TEXT_SUFFIXES) else None
            files.append(SourceFile(system, relative.as_posix(), path.stat().st_size, lines))
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
