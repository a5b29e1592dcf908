"""Exact money helpers: ISO 4217 minor units and half-even rounding. Never binary floats."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

#: Currencies without a minor unit (Stripe's zero-decimal list).
ZERO_DECIMAL: frozenset[str] = frozenset(
    "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split()
)

#: ISO 4217 codes the pipeline accepts (lower case, as Stripe writes them).
KNOWN_CURRENCIES: frozenset[str] = frozenset(
    """aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd btn bwp
    byn bzd cad cdf chf clp cny cop crc cup cve czk djf dkk dop dzd egp ern etb eur fjd fkp gbp gel
    ghs gip gmd gnf gtq gyd hkd hnl htg huf idr ils inr iqd irr isk jmd jod jpy kes kgs khr kmf kpw
    krw kwd kyd kzt lak lbp lkr lrd lsl lyd mad mdl mga mkd mmk mnt mop mru mur mvr mwk mxn myr mzn
    nad ngn nio nok npr nzd omr pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sdg sek
    sgd shp sle sll sos srd ssp stn svc syp szl thb tjs tmt tnd top try ttd twd tzs uah ugx usd uyu
    uzs ves vnd vuv wst xaf xcd xof xpf yer zar zmw zwl""".split()
)


#: Currencies whose minor unit is a thousandth (ISO 4217).
THREE_DECIMAL: frozenset[str] = frozenset("bhd jod kwd omr tnd".split())


def exponent(currency: str) -> int:
    """Number of decimal places of the currency's minor unit (0 for JPY, 2 for USD, 3 for KWD)."""
    cur = currency.lower()
    if cur in ZERO_DECIMAL:
        return 0
    return 3 if cur in THREE_DECIMAL else 2


def round_half_even(value: Decimal) -> int:
    """Round an exact decimal to an integer, ties to even (banker's rounding)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def minor_to_major(amount_minor: int, currency: str) -> Decimal:
    """Convert integer minor units to a decimal in major units (1234 usd -> 12.34)."""
    return Decimal(amount_minor).scaleb(-exponent(currency))


def major_to_minor(amount: Decimal, currency: str) -> int:
    """Convert a decimal in major units to integer minor units, rounding half-even."""
    return round_half_even(amount.scaleb(exponent(currency)))


def format_major(amount_minor: int, currency: str, places: int = 2) -> str:
    """Text of a minor-unit amount in major units with ``places`` decimals ('1234.50')."""
    value = minor_to_major(amount_minor, currency)
    return f"{value.quantize(Decimal(1).scaleb(-places)):f}"


def div_half_even(numerator: int, denominator: int) -> int:
    """Exact ``numerator / denominator`` rounded half-even (denominator > 0)."""
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient
