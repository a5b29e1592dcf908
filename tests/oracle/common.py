"""Shared helpers of the oracle: currencies, minor units, rounding, UTC time, cycles, findings.

Everything money-related is exact (int, Decimal, Fraction); nothing is a binary float.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

DAY_SECONDS = 86_400



def _codes(text: str) -> frozenset[str]:
    """Set of the whitespace-separated currency codes in ``text``."""
    return frozenset(text.split())


# Zero-decimal currencies (no minor unit) and ISO 4217's three-decimal ones (sources.md);
# every other known currency has exponent 2.
ZERO_DECIMAL = _codes("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF")
THREE_DECIMAL = _codes("BHD JOD KWD OMR TND")

# Active ISO 4217 codes (the precious-metal, fund-unit and test codes are left out on purpose).
ISO_4217 = _codes(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN
    BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP
    ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR
    ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD
    MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR
    PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL
    THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW VED VES VND VUV WST XAF XCD
    XCG XOF XPF YER ZAR ZMW ZWG ZWL
    """
)


@dataclass(frozen=True)
class Finding:
    """One row of the mismatch report, reduced to what the oracle can decide from the spec."""

    cycle: str
    category: str
    object_id: str
    period_start: date | None
    currency: str | None
    leakage_amount: Decimal | None
    leakage_amount_reporting: Decimal | None


# ---------------------------------------------------------------- currencies and money


def is_known_currency(code: str) -> bool:
    """True for a known ISO 4217 code, in any letter case (Stripe lower, ERP upper)."""
    return code.upper() in ISO_4217


def exponent(currency: str) -> int:
    """Number of minor-unit digits of ``currency``: 0 for zero-decimal currencies, 3 for the
    three-decimal ones (KWD), else 2."""
    code = currency.upper()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def minor_to_major(minor: int | Decimal, currency: str) -> Decimal:
    """Exact major-unit value of an amount in minor units."""
    return Decimal(minor).scaleb(-exponent(currency))


def major_to_minor(major: Decimal, currency: str) -> Decimal:
    """Exact minor-unit value (possibly fractional) of an amount in major units."""
    return major.scaleb(exponent(currency))


def round_half_even(value: int | Decimal | Fraction) -> int:
    """Round to an integer, halves to even (the spec's only rounding rule)."""
    return round(Fraction(value))


def differs(a: int | Decimal, b: int | Decimal, tolerance: int | Decimal) -> bool:
    """The spec's "differs": by more than the tolerance."""
    return abs(Decimal(a) - Decimal(b)) > tolerance


# ---------------------------------------------------------------- time and cycles


def utc(ts: int) -> datetime:
    """Datetime (UTC) of Unix seconds."""
    return datetime.fromtimestamp(ts, tz=UTC)


def to_ts(moment: datetime) -> int:
    """Unix seconds of an aware datetime (sub-second part dropped)."""
    return calendar.timegm(moment.astimezone(UTC).utctimetuple())


def cycle_of_dt(moment: datetime) -> str:
    """Cycle (UTC calendar month, ``YYYY-MM``) of an aware datetime."""
    m = moment.astimezone(UTC)
    return f"{m.year:04d}-{m.month:02d}"


def cycle_of(ts: int) -> str:
    """Cycle of Unix seconds."""
    return cycle_of_dt(utc(ts))


def parse_cycle(cycle: str) -> tuple[int, int]:
    """``(year, month)`` of a ``YYYY-MM`` cycle; ValueError when it is not one."""
    if len(cycle) != 7 or cycle[4] != "-" or not (cycle[:4] + cycle[5:]).isdigit():
        raise ValueError(f"not a cycle: {cycle!r}")
    year, month = int(cycle[:4]), int(cycle[5:])
    if not 1 <= month <= 12:
        raise ValueError(f"not a cycle: {cycle!r}")
    return year, month


def cycle_start(cycle: str) -> datetime:
    """First instant of the cycle."""
    year, month = parse_cycle(cycle)
    return datetime(year, month, 1, tzinfo=UTC)


def next_cycle(cycle: str) -> str:
    """The cycle after ``cycle``."""
    year, month = parse_cycle(cycle)
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def cycle_bounds(cycle: str) -> tuple[int, int]:
    """``[start, end)`` of the cycle in Unix seconds."""
    return to_ts(cycle_start(cycle)), to_ts(cycle_start(next_cycle(cycle)))


def cycle_last_day(cycle: str) -> date:
    """Last calendar day of the cycle."""
    return (cycle_start(next_cycle(cycle)) - timedelta(days=1)).date()


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus ``months`` calendar months, day clamped to the month's last day."""
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def utc_date(ts: int) -> date:
    """UTC calendar date of Unix seconds (the ``period_start`` of a finding)."""
    return utc(ts).date()
