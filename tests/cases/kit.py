"""What a case is: a function that writes a sources directory and returns, per cycle, the
findings the spec expects there. Nothing here depends on the oracle or on recon_pipeline, so
the pipeline's own tests can run the same catalog."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from tests.cases.stripe_shapes import SHAPES, LineSpec, PriceSpec, Shape, Time, ts


@dataclass(frozen=True)
class Expected:
    """One expected finding (its cycle is the key it is filed under)."""

    category: str
    object_id: str
    period_start: date | None = None
    leakage_amount: Decimal | None = None
    leakage_amount_reporting: Decimal | None = None


Expectation = dict[str, frozenset[Expected]]  # cycle -> every finding of that cycle
Build = Callable[[Path, Shape], Expectation]


@dataclass(frozen=True)
class Case:
    """A named case, the Stripe shapes it is run in, and the configuration it assumes."""

    name: str
    build: Build
    shapes: tuple[Shape, ...] = SHAPES
    tolerance_minor: int = 1
    grace_days: int = 3
    reporting_currency: str = "USD"


def register(
    registry: list[Case], *, shapes: tuple[Shape, ...] = SHAPES, tolerance_minor: int = 1
) -> Callable[[Build], Build]:
    """Decorator: add the function to ``registry`` as a case named after it."""

    def add(build: Build) -> Build:
        registry.append(Case(build.__name__, build, shapes, tolerance_minor))
        return build

    return add


def E(
    category: str,
    object_id: str,
    period_start: str | None = None,
    leakage: str | None = None,
    reporting: str | None = None,
) -> Expected:
    """Shorthand for an Expected finding (dates and amounts as text)."""
    return Expected(
        category,
        object_id,
        None if period_start is None else date.fromisoformat(period_start),
        None if leakage is None else Decimal(leakage),
        None if reporting is None else Decimal(reporting),
    )


def expect(**cycles: Iterable[Expected]) -> Expectation:
    """``expect(c2026_10=[...])``: cycles as keyword names ``cYYYY_MM``."""
    return {name[1:].replace("_", "-"): frozenset(found) for name, found in cycles.items()}


def one_off(id: str, amount: int, at: Time) -> LineSpec:
    """A one-off line without a price (neither licensed nor metered: no revenue schedule)."""
    return LineSpec(id, amount, ts(at), ts(at), quantity=1)


def sub_line(
    id: str,
    amount: int,
    start: Time,
    end: Time,
    *,
    item: str,
    sub: str,
    price: PriceSpec,
    proration: bool = False,
    quantity: int | None = 1,
    quantity_decimal: str | None = None,
    discounts: tuple[int, ...] = (),
) -> LineSpec:
    """A subscription line of ``item`` (of subscription ``sub``) at ``price``."""
    return LineSpec(id, amount, start, end, price=price, subscription_item=item,
                    subscription=sub, proration=proration, quantity=quantity,
                    quantity_decimal=quantity_decimal, discount_amounts=discounts)
