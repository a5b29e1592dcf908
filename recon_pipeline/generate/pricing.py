"""Billing arithmetic shared by the simulation and the truth: discounts, revenue shares."""

from __future__ import annotations

from decimal import Decimal

from recon_pipeline.generate.model import Discount, Line
from recon_pipeline.lib.cycles import add_months, cycle_end, cycle_of, cycle_start
from recon_pipeline.lib.money import div_half_even, round_half_even


def discount_applies(discount: Discount, period_start: int, first_period_start: int) -> bool:
    """Whether a coupon applies to the period starting at ``period_start``."""
    coupon = discount.coupon
    if coupon.duration == "once":
        return period_start == first_period_start
    if coupon.duration == "repeating" and coupon.duration_in_months is not None:
        return period_start < add_months(discount.start, coupon.duration_in_months)
    return True


def licensed_discounts(amounts: list[tuple[str, int]], discounts: list[Discount]) -> dict[str, int]:
    """Discount per item id: percent coupons first, then amount_off spread pro rata.

    ``amounts`` are (item id, gross amount) of the subscription's licensed items for one period,
    and ``discounts`` those that apply to the period.
    """
    disc = {item: 0 for item, _ in amounts}
    for d in discounts:
        if d.coupon.percent_off is not None:
            for item, amount in amounts:
                disc[item] += round_half_even(Decimal(amount) * d.coupon.percent_off / 100)
    for d in discounts:
        if d.coupon.amount_off is None:
            continue
        left = {item: amount - disc[item] for item, amount in amounts}
        base = sum(left.values())
        if base <= 0:
            continue
        ordered = sorted(left)
        shares: dict[str, int] = {}
        for item in ordered[:-1]:
            shares[item] = round_half_even(Decimal(d.coupon.amount_off) * left[item] / base)
        shares[ordered[-1]] = d.coupon.amount_off - sum(shares.values())
        for item in ordered:
            disc[item] += min(max(shares[item], 0), left[item])
    return disc


def revenue_shares(line: Line) -> dict[str, int]:
    """The line's net amount spread over cycles by seconds, half-even, remainder to the last."""
    total = line.end - line.start
    if total <= 0:
        return {cycle_of(line.start): line.net}
    cycles: list[str] = []
    cycle = cycle_of(line.start)
    while cycle_start(cycle) < line.end:
        cycles.append(cycle)
        cycle = cycle_of(cycle_end(cycle))
    shares: dict[str, int] = {}
    for c in cycles[:-1]:
        overlap = min(line.end, cycle_end(c)) - max(line.start, cycle_start(c))
        shares[c] = div_half_even(line.net * overlap, total)
    shares[cycles[-1]] = line.net - sum(shares.values())
    return shares
