"""Which cycles the close-cycle operations run: the month just ended, the open month, the
earlier months to check again, and the reconciled months whose sources changed since.

Dagster-free; the schedules and the sensor of ``recon_pipeline.defs.operations`` call these on
every tick, so they only list folders, stat files and read small files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from recon_pipeline.lib.cycles import is_cycle
from recon_pipeline.lib.operations.fingerprint import (
    FingerprintDiff,
    SourcesFingerprint,
    diff_fingerprints,
    read_fingerprint,
)


def open_cycle(at: datetime) -> str:
    """The month ``at`` falls in (UTC when ``at`` is): the cycle still open at that time."""
    return f"{at.year:04d}-{at.month:02d}"


def cycle_just_ended(at: datetime) -> str:
    """The month before the one ``at`` falls in: what a close on the 4th reconciles."""
    year, month = (at.year - 1, 12) if at.month == 1 else (at.year, at.month - 1)
    return f"{year:04d}-{month:02d}"


def _cycles_in(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and is_cycle(p.name))


def reconciled_cycles(out: Path) -> list[str]:
    """Cycles with final (not provisional) reports: ``OUT/reports/<cycle>/summary.json``.

    A provisional run writes ``OUT/reports/<cycle>/provisional/summary.json`` only, so the open
    month does not count until its close has run.
    """
    reports = Path(out) / "reports"
    return [c for c in _cycles_in(reports) if (reports / c / "summary.json").is_file()]


def cycles_with_open_exceptions(out: Path) -> list[str]:
    """Cycles whose latest run still has findings in the exception ledger (sorted).

    An exception is open while the latest non-provisional run of some cycle still finds it
    (``recon_pipeline.lib.reports.ledger``): so a cycle has open exceptions exactly when its
    snapshot ``OUT/ledger/cycles/<cycle>.parquet`` holds rows. Running it again on corrected
    sources resolves what was fixed.
    """
    from recon_pipeline.lib.reports.ledger import ledger_dir, read_ledger

    if not (ledger_dir(out) / "cycles").is_dir():
        return []
    state = read_ledger(out)
    return sorted(cycle for cycle, snapshot in state.snapshots.items() if snapshot.num_rows)


def cycles_to_recheck(out: Path, before: str, *, first: str | None = None) -> list[str]:
    """Cycles earlier than ``before`` (and not earlier than ``first``) with open exceptions."""
    return [c for c in cycles_with_open_exceptions(out)
            if c < before and (first is None or c >= first)]


@dataclass(frozen=True)
class StaleCycle:
    """A reconciled cycle whose sources changed since its latest run recorded them."""

    cycle: str
    recorded: SourcesFingerprint
    current: SourcesFingerprint

    @property
    def diff(self) -> FingerprintDiff:
        """The files added, removed and changed since the cycle's run."""
        return diff_fingerprints(self.recorded, self.current)


def stale_cycles(
    out: Path, current: SourcesFingerprint, *, first: str | None = None, last: str | None = None
) -> tuple[list[StaleCycle], list[str]]:
    """Reconciled cycles (within ``first``..``last``) whose recorded fingerprint differs from
    ``current``, and the reconciled cycles that recorded none (reconciled before fingerprints
    were recorded, or by hand): nothing says what they were reconciled on, so they are left as
    they are."""
    stale: list[StaleCycle] = []
    unknown: list[str] = []
    for cycle in reconciled_cycles(out):
        if (first is not None and cycle < first) or (last is not None and cycle > last):
            continue
        recorded = read_fingerprint(Path(out) / "raw" / cycle)
        if recorded is None:
            unknown.append(cycle)
        elif recorded.digest != current.digest:
            stale.append(StaleCycle(cycle, recorded, current))
    return stale, unknown
