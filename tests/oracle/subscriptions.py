"""subscription_billing recon: expected licensed periods against the lines that bill them."""

from __future__ import annotations

from fractions import Fraction

from tests.oracle.common import Finding, add_months, cycle_bounds, round_half_even, to_ts, utc
from tests.oracle.common import utc_date as day
from tests.oracle.context import Context
from tests.oracle.model import Discount, Subscription
from tests.oracle.periods import LineIndex, Period, expected_periods


def discount_applies(discount: Discount, sub: Subscription, period: Period) -> bool:
    """Whether a coupon's duration covers the period (once / repeating / forever)."""
    coupon = discount.coupon
    # SPEC-AMBIGUITY: a discount without `start` is taken to start with the subscription.
    start = discount.start if discount.start is not None else sub.start_date
    if coupon.duration == "once":
        first_from_start = period.previous_start is None or period.previous_start < start
        return period.start >= start and first_from_start
    if coupon.duration == "repeating" and coupon.duration_in_months is not None:
        until = to_ts(add_months(utc(start), coupon.duration_in_months))
        return start <= period.start < until
    # SPEC-AMBIGUITY: `repeating` without duration_in_months is treated like `forever`.
    return True


def expected_amounts(sub: Subscription, period: Period) -> dict[str, int]:
    """Expected amount (minor units) of every licensed item of the subscription for a period:
    unit price × quantity, less the applicable discounts (percent first)."""
    amounts: dict[str, int] = {}
    for item in sub.items:
        if item.price.usage_type != "licensed":
            continue
        unit = item.price.unit_price or 0
        # SPEC-AMBIGUITY: a licensed item without a quantity is taken as quantity 1.
        quantity = 1 if item.quantity is None else item.quantity
        amounts[item.id] = round_half_even(Fraction(unit) * quantity)
    coupons = [d.coupon for d in sub.discounts if discount_applies(d, sub, period)]
    for coupon in coupons:
        if coupon.percent_off is not None:
            for item_id, amount in amounts.items():
                cut = round_half_even(Fraction(amount) * Fraction(coupon.percent_off) / 100)
                amounts[item_id] = amount - cut
    for coupon in coupons:
        if coupon.percent_off is not None or not coupon.amount_off:
            continue
        total = sum(amounts.values())
        if total <= 0:
            continue
        ids = sorted(amounts)
        shares = {i: round_half_even(Fraction(coupon.amount_off * amounts[i], total))
                  for i in ids[:-1]}
        shares[ids[-1]] = coupon.amount_off - sum(shares.values())
        for item_id in ids:
            amounts[item_id] = max(0, amounts[item_id] - shares[item_id])
    return amounts


def _period_findings(ctx: Context, lines: LineIndex, period: Period) -> list[Finding]:
    sub, item = period.sub, period.item
    currency = sub.currency or item.price.currency
    start = day(period.start)
    covering = lines.covering(period)
    if len(covering) > 1:
        return [ctx.finding("duplicate_billing", item.id, currency, start)]
    if period.metered:
        return []  # usage periods: see usage.py
    expected = expected_amounts(sub, period)[item.id]
    if not covering:
        # SPEC-AMBIGUITY: an unbilled period whose expected amount is 0 is still reported
        # (no covering line), with a leakage of 0.
        return [ctx.finding("unbilled_subscription", item.id, currency, start, expected)]
    if lines.has_proration_inside(period):
        return []
    net = covering[0].net
    if net < expected - ctx.tol:
        return [ctx.finding("underbilled_subscription", item.id, currency, start, expected - net)]
    if net > expected + ctx.tol:
        return [ctx.finding("overbilled_subscription", item.id, currency, start)]
    return []


def billed_after_cancellation(ctx: Context) -> list[Finding]:
    """Non-proration licensed lines of this cycle's invoices starting at or after the end."""
    out: list[Finding] = []
    for inv in ctx.finalized.values():
        if inv.cycle != ctx.cycle:
            continue
        for line in inv.lines:
            if line.proration or not ctx.is_licensed(line):
                continue
            if line.subscription_item in ctx.items:
                sub, item_id = ctx.items[line.subscription_item][0], line.subscription_item
            elif line.subscription in ctx.s.subscriptions:
                sub = ctx.s.subscriptions[line.subscription]
                ids = [i.id for i in sub.items if i.price.id == line.price_id]
                if not ids:
                    continue
                item_id = ids[0]
            else:
                continue
            if sub.end is not None and line.period_start >= sub.end:
                out.append(ctx.finding("billed_after_cancellation", item_id, inv.currency,
                                       day(line.period_start)))
    return out


def subscription_billing(ctx: Context) -> list[Finding]:
    """Every subscription_billing finding of the cycle (duplicate_billing of metered periods
    included), before precedence."""
    lines = LineIndex(ctx)
    until = cycle_bounds(ctx.cycle)[1]
    out: list[Finding] = []
    for sub in ctx.s.subscriptions.values():
        for item in sub.items:
            if item.price.usage_type not in ("licensed", "metered"):
                continue
            for period in expected_periods(sub, item, until):
                if period.cycle == ctx.cycle:
                    out.extend(_period_findings(ctx, lines, period))
    return out + billed_after_cancellation(ctx)
