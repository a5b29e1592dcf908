"""What a customer will do, decided up front: random for most, fixed for planted ones."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from recon_pipeline.generate.catalog import COUNTRIES, ENTITIES


@dataclass
class CouponPlan:
    """A coupon to attach at signup."""

    percent_off: Decimal | None = None
    amount_off: int | None = None
    duration: str = "forever"
    duration_in_months: int | None = None


@dataclass
class SubPlan:
    """One subscription's shape and lifecycle."""

    start: int
    interval: str = "month"
    licensed: list[tuple[str, int]] = field(default_factory=lambda: [("team", 3)])
    metered: list[str] = field(default_factory=list)
    trial_days: int = 0
    coupons: list[CouponPlan] = field(default_factory=list)
    cancel: tuple[str, int] | None = None  # ("immediate", ts) | ("period_end", k)
    upgrade: tuple[float, int] | None = None  # (fraction of the first period, new quantity)
    incomplete: bool = False
    dunning: bool = False  # the renewal charge fails for good, the subscription is canceled
    shape: str = "current"


@dataclass
class CustomerPlan:
    """One customer: who they are, how the systems know them, what they subscribe to."""

    entity: str
    country: str
    created: int
    resolution: str = "external_ref"  # external_ref | erp_code | tax_id | name
    crm: str = "billing_id"  # billing_id | erp_code
    has_tax_id: bool = True
    subs: list[SubPlan] = field(default_factory=list)
    clean: bool = False  # no random payment anomalies (planted and trap customers)
    shape: str = "current"
    special: str | None = None  # the plant or trap this customer carries


def pick_entity(rng: random.Random) -> str:
    """An entity code, weighted by the entities' share of customers."""
    return rng.choices([e.code for e in ENTITIES], weights=[e.weight for e in ENTITIES])[0]


def random_plan(rng: random.Random, business_start: int, export_at: int) -> CustomerPlan:
    """A plausible ordinary customer between the business's start and the export."""
    entity = pick_entity(rng)
    span = export_at - 5 * 86400 - business_start
    # Most of the base exists at the cut-over; the rest signs up over time.
    offset = rng.randrange(0, 7 * 86400) if rng.random() < 0.6 else rng.randrange(0, span)
    created = business_start + offset
    plan = CustomerPlan(
        entity=entity,
        country=rng.choice(COUNTRIES[entity]),
        created=created,
        resolution=rng.choices(["external_ref", "erp_code", "tax_id"], [80, 15, 5])[0],
        crm=rng.choices(["billing_id", "erp_code"], [85, 15])[0],
        has_tax_id=rng.random() < 0.7,
        shape=rng.choice(["classic", "current"]),
    )
    if plan.resolution == "tax_id":
        plan.has_tax_id = True
    n_subs = 1 if rng.random() < 0.88 else 2
    for n in range(n_subs):
        start = created + rng.randrange(0, 3600) + (0 if n == 0 else rng.randrange(0, 20 * 86400))
        if start >= export_at - 86400:
            break
        plan.subs.append(random_sub(rng, start, allow_metered=(n == 0)))
    return plan


def random_sub(rng: random.Random, start: int, *, allow_metered: bool) -> SubPlan:
    """A plausible subscription starting at ``start``."""
    interval = "year" if rng.random() < 0.15 else "month"
    tier = rng.choices(["starter", "team", "business"], [40, 40, 20])[0]
    licensed = [(tier, 1 if tier == "starter" else rng.randint(1, 25))]
    if interval == "month" and rng.random() < 0.12:
        licensed.append(("addon", rng.randint(1, 5)))
    metered: list[str] = []
    if allow_metered and interval == "month" and rng.random() < 0.35:
        metered = ["api_requests"] if rng.random() < 0.6 else ["storage_gb_hours"]
    sub = SubPlan(start=start, interval=interval, licensed=licensed, metered=metered,
                  shape=rng.choice(["classic", "current"]))
    if rng.random() < 0.15:
        sub.trial_days = 14
    roll = rng.random()
    if roll < 0.08:
        sub.coupons = [CouponPlan(percent_off=rng.choice([Decimal(10), Decimal(20),
                                                          Decimal("12.5")]))]
    elif roll < 0.11:
        sub.coupons = [CouponPlan(percent_off=Decimal(25), duration="repeating",
                                  duration_in_months=3)]
    elif roll < 0.13:
        sub.coupons = [CouponPlan(percent_off=Decimal(50), duration="once")]
    elif roll < 0.16:
        sub.coupons = [CouponPlan(amount_off=500)]
    roll = rng.random()
    if roll < 0.05:
        sub.cancel = ("period_end", rng.randint(1, 4))
    elif roll < 0.08:
        sub.cancel = ("immediate", start + rng.randrange(5 * 86400, 120 * 86400))
    if not sub.coupons and len(licensed) == 1 and tier != "starter" and rng.random() < 0.06:
        sub.upgrade = (rng.uniform(0.2, 0.8), licensed[0][1] + rng.randint(1, 10))
    if rng.random() < 0.01:
        sub.incomplete = True
    elif not metered and rng.random() < 0.01:
        sub.dunning = True
    return sub
