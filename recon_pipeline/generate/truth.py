"""The planted truth: expected findings, traps and malformed rows, written under ``_truth/``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from recon_pipeline.lib.cycles import cycle_last_day
from recon_pipeline.lib.money import minor_to_major
from recon_pipeline.lib.registry import RECON_OF
from recon_pipeline.lib.reports import csvsafe

#: Every category the generator plants, as the registry lists them.
CATEGORIES: tuple[str, ...] = tuple(RECON_OF)


@dataclass(frozen=True)
class Expected:
    """One finding the pipeline must report."""

    cycle: str
    category: str
    object_id: str
    period_start: date | None = None
    currency: str | None = None
    leakage_minor: int | None = None
    related_id: str | None = None
    note: str = ""


@dataclass
class Truth:
    """Collects what was planted while the generator runs."""

    findings: list[Expected] = field(default_factory=list)
    traps: list[tuple[str, str, str, str]] = field(default_factory=list)
    malformed: list[tuple[str, str, int, str]] = field(default_factory=list)

    def add(self, finding: Expected) -> None:
        """Record an expected finding."""
        self.findings.append(finding)

    def trap(self, cycle: str, trap: str, object_id: str, note: str) -> None:
        """Record something that looks wrong but must not be reported."""
        self.traps.append((cycle, trap, object_id, note))

    def bad_row(self, source: str, file: str, line: int, reason: str) -> None:
        """Record a malformed row that must be quarantined."""
        self.malformed.append((source, file, line, reason))

    def write(self, folder: Path, fx: dict[tuple[date, str], Decimal]) -> None:
        """Write findings.csv, traps.csv and malformed.csv."""
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "findings.csv", "w", newline="", encoding="utf-8") as f:
            out = csvsafe.writer(f)
            out.writerow(["cycle", "recon", "category", "object_id", "period_start",
                          "related_id", "currency", "leakage_amount",
                          "leakage_amount_reporting", "note"])
            for e in sorted(self.findings, key=lambda e: (e.cycle, e.category, e.object_id,
                                                          e.period_start or date.min)):
                leak = rep = ""
                if e.leakage_minor is not None and e.currency:
                    major = minor_to_major(e.leakage_minor, e.currency)
                    leak = f"{major:f}"
                    rate = rate_on(fx, cycle_last_day(e.cycle), e.currency)
                    rep = f"{(major * rate).quantize(Decimal('0.01')):f}"
                out.writerow([e.cycle, RECON_OF[e.category], e.category, e.object_id,
                              e.period_start.isoformat() if e.period_start else "",
                              e.related_id or "", e.currency or "", leak, rep, e.note])
        with open(folder / "traps.csv", "w", newline="", encoding="utf-8") as f:
            out = csvsafe.writer(f)
            out.writerow(["cycle", "trap", "object_id", "note"])
            out.writerows(sorted(self.traps))
        with open(folder / "malformed.csv", "w", newline="", encoding="utf-8") as f:
            out = csvsafe.writer(f)
            out.writerow(["source", "file", "line", "reason"])
            out.writerows(sorted(self.malformed))


def rate_on(fx: dict[tuple[date, str], Decimal], day: date, currency: str) -> Decimal:
    """The rate of ``day``, else of the latest earlier date that has one."""
    cur = currency.upper()
    best: tuple[date, Decimal] | None = None
    for (d, c), rate in fx.items():
        if c == cur and d <= day and (best is None or d > best[0]):
            best = (d, rate)
    if best is None:
        raise ValueError(f"no fx rate for {cur} on or before {day}")
    return best[1]
