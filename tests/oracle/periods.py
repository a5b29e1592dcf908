"""Expected subscription periods and the invoice lines that cover them (shared by the
subscription_billing and usage_billing recons)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from tests.oracle.common import DAY_SECONDS, add_months, cycle_of, to_ts, utc
from tests.oracle.context import Context
from tests.oracle.model import Invoice, InvoiceLine, Price, SubItem, Subscription

NOT_BILLABLE_STATUSES = frozenset({"incomplete", "incomplete_expired"})
STEP_UNITS = frozenset({"day", "week", "month", "year"})


@dataclass(frozen=True)
class Period:
    """One expected billing period of a subscription item, ``[start, end)`` in Unix seconds."""

    sub: Subscription
    item: SubItem
    start: int
    end: int
    previous_start: int | None  # start of the step before (None for the anchor's period)

    @property
    def metered(self) -> bool:
        """Billed in arrears from usage."""
        return self.item.price.usage_type == "metered"

    @property
    def cycle(self) -> str:
        """Licensed: month of its start; metered: month of its last instant."""
        return cycle_of(self.end - 1) if self.metered else cycle_of(self.start)


def step(anchor: datetime, price: Price, k: int) -> int:
    """Start of the k-th period: anchor + k × interval, computed from the anchor every time
    (monthly steps keep the anchor's day, clamped, and its time of day)."""
    n = k * price.interval_count
    if price.interval == "month":
        return to_ts(add_months(anchor, n))
    if price.interval == "year":
        return to_ts(add_months(anchor, 12 * n))
    if price.interval == "week":
        return to_ts(anchor + timedelta(weeks=n))
    return to_ts(anchor + timedelta(days=n))


def expected_periods(sub: Subscription, item: SubItem, until: int) -> Iterator[Period]:
    """Expected periods of an item that start before ``until``."""
    price = item.price
    if sub.status in NOT_BILLABLE_STATUSES or price.interval not in STEP_UNITS:
        return
    anchor, end = utc(sub.billing_cycle_anchor), sub.end
    k, previous, start = 0, None, sub.billing_cycle_anchor
    while start < until and (end is None or start < end):
        following = step(anchor, price, k + 1)
        started = start >= sub.start_date and (sub.trial_end is None or start >= sub.trial_end)
        if started:
            yield Period(sub, item, start, following if end is None else min(following, end),
                         previous)
        k, previous, start = k + 1, start, following


Located = tuple[Invoice, InvoiceLine]


class LineIndex:
    """Lines of finalized invoices by subscription item, or (subscription, price) without one."""

    def __init__(self, ctx: Context) -> None:
        """Index every line of every finalized invoice (any cycle)."""
        self.grace = ctx.cfg.grace_days * DAY_SECONDS
        self.regular: dict[tuple[str, ...], list[Located]] = defaultdict(list)
        self.prorations: dict[tuple[str, ...], list[Located]] = defaultdict(list)
        for inv in ctx.finalized.values():
            for line in inv.lines:
                key = self._key(line)
                if key is not None:
                    target = self.prorations if line.proration else self.regular
                    target[key].append((inv, line))

    @staticmethod
    def _key(line: InvoiceLine) -> tuple[str, ...] | None:
        if line.subscription_item is not None:
            return ("item", line.subscription_item)
        if line.subscription is not None and line.price_id is not None:
            return ("sub_price", line.subscription, line.price_id)
        return None

    @staticmethod
    def _keys(period: Period) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return ("item", period.item.id), ("sub_price", period.sub.id, period.item.price.id)

    def covering(self, period: Period) -> list[InvoiceLine]:
        """Non-proration lines whose period.start is within a day of the expected start
        (metered: on an invoice finalized from the period's end to the grace period later)."""
        found = []
        for key in self._keys(period):
            for inv, line in self.regular.get(key, ()):
                if abs(line.period_start - period.start) > DAY_SECONDS:
                    continue
                if period.metered and not (
                    period.end <= inv.finalized_ts <= period.end + self.grace
                ):
                    continue
                found.append(line)
        return found

    def has_proration_inside(self, period: Period) -> bool:
        """True when a proration line of the same item starts inside the period."""
        # SPEC-AMBIGUITY: only proration lines on finalized invoices count (drafts and voids
        # change nothing that was billed).
        return any(
            period.start <= line.period_start < period.end
            for key in self._keys(period)
            for _inv, line in self.prorations.get(key, ())
        )
