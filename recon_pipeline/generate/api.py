"""Entry point of the generator: arguments, statistics, atomic output."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class GenerateStats:
    """What one generation wrote: counts per object kind, bytes, seconds, peak memory."""

    out: Path
    cycles: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)
    bytes_written: int = 0
    seconds: float = 0.0
    peak_rss_bytes: int = 0


def generate(
    out: Path,
    *,
    seed: int = 7,
    scale: float = 1.0,
    cycles: tuple[str, str] = ("2026-08", "2026-10"),
    history_months: int = 2,
) -> GenerateStats:
    """Write a sources directory for ``cycles`` (inclusive, ``YYYY-MM``) under ``out``.

    The truth of what was planted goes under ``out/_truth/``. The same arguments always give
    byte-identical files.
    """
    raise NotImplementedError  # filled in by the generator modules
