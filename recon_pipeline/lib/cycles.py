"""Close cycles (calendar months in UTC) and calendar arithmetic on Unix seconds."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta

#: A cycle as written everywhere (the command line, partition keys, folder names): ``YYYY-MM``,
#: year 0001 or later. The one definition; match it whole (``fullmatch``), so ``"2026-09\n"``
#: is not a cycle.
CYCLE_PATTERN = re.compile(r"(?!0000)(\d{4})-(0[1-9]|1[0-2])")


def is_cycle(text: object) -> bool:
    """True if ``text`` is a cycle written ``YYYY-MM``, nothing before or after."""
    return isinstance(text, str) and CYCLE_PATTERN.fullmatch(text) is not None


def parse_cycle(text: str) -> tuple[int, int]:
    """``'2026-09'`` -> ``(2026, 9)``; raises ValueError with a readable message."""
    match = CYCLE_PATTERN.fullmatch(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"cycle {text!r} is not of the form YYYY-MM")
    return int(match.group(1)), int(match.group(2))


def cycle_range(first: str, last: str) -> list[str]:
    """Every cycle from ``first`` to ``last`` inclusive."""
    year, month = parse_cycle(first)
    end = parse_cycle(last)
    if (year, month) > end:
        raise ValueError(f"cycle range {first}:{last} is empty")
    out: list[str] = []
    while (year, month) <= end:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def shift_cycle(cycle: str, months: int) -> str:
    """The cycle ``months`` after (or before, if negative) ``cycle``."""
    year, month = parse_cycle(cycle)
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def cycle_start(cycle: str) -> int:
    """First instant of the cycle, Unix seconds."""
    year, month = parse_cycle(cycle)
    return calendar.timegm((year, month, 1, 0, 0, 0))


def cycle_end(cycle: str) -> int:
    """First instant after the cycle, Unix seconds."""
    return cycle_start(shift_cycle(cycle, 1))


def cycle_of(ts: int) -> str:
    """Cycle of a Unix timestamp."""
    dt = datetime.fromtimestamp(ts, UTC)
    return f"{dt.year:04d}-{dt.month:02d}"


def cycle_last_day(cycle: str) -> date:
    """Last calendar day of the cycle."""
    year, month = parse_cycle(cycle)
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(anchor: int, months: int) -> int:
    """``anchor`` plus ``months`` calendar months, day clamped to the month's end, time kept."""
    dt = datetime.fromtimestamp(anchor, UTC)
    index = dt.year * 12 + (dt.month - 1) + months
    year, month = index // 12, index % 12 + 1
    day = min(dt.day, calendar.monthrange(year, month)[1])
    return calendar.timegm((year, month, day, dt.hour, dt.minute, dt.second))


def add_interval(anchor: int, interval: str, count: int, k: int) -> int:
    """Start of the k-th billing period from ``anchor`` (anchor + k × interval, not iterated)."""
    months = count * k * (12 if interval == "year" else 1)
    if interval in ("month", "year"):
        return add_months(anchor, months)
    step = {"day": 86400, "week": 7 * 86400}[interval]
    return anchor + step * count * k


def iso(ts: int) -> str:
    """RFC 3339 text of a Unix timestamp, UTC, second precision."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day_of(ts: int) -> date:
    """UTC calendar date of a Unix timestamp."""
    return datetime.fromtimestamp(ts, UTC).date()


def midnight(ts: int) -> int:
    """Start of the UTC day containing ``ts``."""
    return ts - ts % 86400


def date_ts(day: date) -> int:
    """Unix seconds of midnight UTC starting ``day``."""
    return calendar.timegm(day.timetuple())


def days(n: float) -> int:
    """Seconds in ``n`` days."""
    return int(timedelta(days=n).total_seconds())
