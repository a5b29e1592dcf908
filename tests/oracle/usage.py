"""usage_billing recon: metered periods' usage against the billed quantity, and orphan usage."""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from tests.oracle.common import Finding, cycle_bounds, cycle_of_dt, round_half_even, utc
from tests.oracle.common import utc_date as day
from tests.oracle.context import Context
from tests.oracle.model import Price, SubItem, Subscription, UsageEvent
from tests.oracle.periods import LineIndex, expected_periods

QUANTITY_TOLERANCE = Decimal(0)


def meter_event(ctx: Context, price: Price) -> str | None:
    """The event ``type`` a metered price bills: its meter's event_name, else metadata.meter."""
    if price.meter_id is not None and price.meter_id in ctx.s.meters:
        return ctx.s.meters[price.meter_id]
    return price.meter_event


def active(sub: Subscription, moment: datetime) -> bool:
    """An item is active from the subscription's start_date up to its end, status aside."""
    return utc(sub.start_date) <= moment and (sub.end is None or moment < utc(sub.end))


class Attachments:
    """Which metered item each usage event attaches to (None: orphan)."""

    def __init__(self, ctx: Context) -> None:
        """Attach every event once; keep per-item timelines for period sums."""
        self.ctx = ctx
        self.metered_by_customer: dict[str, list[tuple[Subscription, SubItem, str | None]]] = (
            defaultdict(list)
        )
        for sub in ctx.s.subscriptions.values():
            for item in sub.items:
                if item.price.usage_type == "metered":
                    entry = (sub, item, meter_event(ctx, item.price))
                    self.metered_by_customer[sub.customer].append(entry)
        self.orphans: list[UsageEvent] = []
        timeline: dict[str, list[tuple[datetime, Decimal]]] = defaultdict(list)
        for event in ctx.s.usage_events:
            item_id = self.attach(event)
            if item_id is None:
                self.orphans.append(event)
            else:
                timeline[item_id].append((event.time, event.value))
        self.times: dict[str, list[datetime]] = {}
        self.values: dict[str, list[Decimal]] = {}
        for item_id, points in timeline.items():
            points.sort(key=lambda p: p[0])
            self.times[item_id] = [t for t, _ in points]
            self.values[item_id] = [v for _, v in points]

    def attach(self, event: UsageEvent) -> str | None:
        """``data.subscription_item`` when given, else the customer's one matching item."""
        if event.subscription_item is not None:
            # SPEC-AMBIGUITY: a named item that is unknown, not metered or not active makes the
            # event an orphan; there is no fallback to the meter match.
            hit = self.ctx.items.get(event.subscription_item)
            if hit is None:
                return None
            sub, item = hit
            ok = item.price.usage_type == "metered" and active(sub, event.time)
            return item.id if ok else None
        # SPEC-AMBIGUITY: "the customer's one metered item" is counted among the items active
        # at the event's time, so an ended subscription does not orphan its successor's usage.
        candidates = [
            item.id
            for sub, item, meter in self.metered_by_customer.get(event.subject, ())
            if meter == event.type and active(sub, event.time)
        ]
        return candidates[0] if len(candidates) == 1 else None

    def usage(self, item_id: str, start: int, end: int) -> Decimal:
        """Exact sum of the item's usage in ``[start, end)``."""
        times = self.times.get(item_id, [])
        lo = bisect.bisect_left(times, utc(start))
        hi = bisect.bisect_left(times, utc(end))
        return sum(self.values[item_id][lo:hi], Decimal(0)) if hi > lo else Decimal(0)


def usage_billing(ctx: Context) -> list[Finding]:
    """unbilled_usage, overbilled_usage and orphan_usage findings of the cycle."""
    lines = LineIndex(ctx)
    attachments = Attachments(ctx)
    until = cycle_bounds(ctx.cycle)[1]
    out: list[Finding] = []
    for sub in ctx.s.subscriptions.values():
        for item in sub.items:
            if item.price.usage_type != "metered":
                continue
            currency = sub.currency or item.price.currency
            for period in expected_periods(sub, item, until):
                if period.cycle != ctx.cycle:
                    continue
                covering = lines.covering(period)
                if len(covering) > 1:
                    # SPEC-AMBIGUITY: duplicate_billing applies to metered periods too (reported
                    # by subscriptions.py) and replaces the usage comparison of that period.
                    continue
                used = attachments.usage(item.id, period.start, period.end)
                # SPEC-AMBIGUITY: a covering line without any quantity bills 0.
                billed = (covering[0].quantity or Decimal(0)) if covering else Decimal(0)
                start = day(period.start)
                if used - billed > QUANTITY_TOLERANCE:
                    unit = item.price.unit_price
                    leak = None if unit is None else round_half_even(
                        Fraction(used - billed) * Fraction(unit))
                    out.append(ctx.finding("unbilled_usage", item.id, currency, start, leak))
                elif billed - used > QUANTITY_TOLERANCE:
                    out.append(ctx.finding("overbilled_usage", item.id, currency, start))
    orphans = {f"{e.subject}/{e.type}" for e in attachments.orphans
               if cycle_of_dt(e.time) == ctx.cycle}
    out.extend(ctx.finding("orphan_usage", key, None) for key in sorted(orphans))
    return out
