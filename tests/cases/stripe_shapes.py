"""Render Stripe objects in the classic (before 2025) or current (2025 and later) API shape.

Field placement follows docs/sources.md's table and the genuine fixtures in
tests/samples/stripe/; fields no rule reads are kept to a realistic few.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

Shape = Literal["classic", "current"]
SHAPES: tuple[Shape, ...] = ("classic", "current")
Json = dict[str, Any]
Time = int | str


def ts(value: Time) -> int:
    """Unix seconds of an int (kept), a date ``2026-10-01`` (midnight UTC) or an ISO datetime."""
    if isinstance(value, int):
        return value
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


@dataclass(frozen=True)
class PriceSpec:
    """A price as a case states it; ``meter`` is the usage event type a metered price bills."""

    id: str
    unit_amount: int | None = None
    unit_amount_decimal: str | None = None
    currency: str = "usd"
    interval: str | None = "month"
    interval_count: int = 1
    usage_type: str = "licensed"
    meter: str | None = None
    product: str = "prod_main"

    @property
    def meter_id(self) -> str | None:
        """Id of the billing.meter that counts ``meter`` events (current shape)."""
        return None if self.meter is None else f"mtr_{self.meter}"


def price_obj(p: PriceSpec, shape: Shape) -> Json:
    """A price object; classic names its meter in metadata, current in ``recurring.meter``."""
    unit_amount = p.unit_amount
    decimal = p.unit_amount_decimal
    if decimal is None and unit_amount is not None:
        decimal = str(unit_amount)
    if unit_amount is None and decimal is not None and Decimal(decimal) % 1 == 0:
        unit_amount = int(Decimal(decimal))
    recurring: Json | None = None
    if p.interval is not None:
        recurring = {
            "interval": p.interval,
            "interval_count": p.interval_count,
            "trial_period_days": None,
            "usage_type": p.usage_type,
        }
        if shape == "current":
            recurring["meter"] = p.meter_id
        else:
            recurring["aggregate_usage"] = "sum" if p.usage_type == "metered" else None
    metadata = {"meter": p.meter} if shape == "classic" and p.meter else {}
    return {
        "id": p.id,
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "currency": p.currency,
        "livemode": False,
        "metadata": metadata,
        "product": p.product,
        "recurring": recurring,
        "type": "recurring" if recurring else "one_time",
        "unit_amount": unit_amount,
        "unit_amount_decimal": decimal,
    }


@dataclass(frozen=True)
class CouponSpec:
    """An authorised subscription discount's coupon; ``start`` defaults to the start_date."""

    id: str
    percent_off: Decimal | None = None
    amount_off: int | None = None
    duration: str = "forever"
    duration_in_months: int | None = None
    start: int | None = None


def coupon_obj(c: CouponSpec, currency: str) -> Json:
    """A coupon object."""
    return {
        "id": c.id,
        "object": "coupon",
        "amount_off": c.amount_off,
        "currency": currency if c.amount_off is not None else None,
        "duration": c.duration,
        "duration_in_months": c.duration_in_months,
        "percent_off": c.percent_off,
        "valid": True,
    }


def discount_obj(c: CouponSpec, sub_id: str, start: int, currency: str, shape: Shape) -> Json:
    """A discount object: classic carries ``coupon``, current ``source.coupon``."""
    discount: Json = {
        "id": f"di_{c.id}",
        "object": "discount",
        "end": None,
        "start": start,
        "subscription": sub_id,
    }
    if shape == "classic":
        discount["coupon"] = coupon_obj(c, currency)
    else:
        discount["source"] = {"type": "coupon", "coupon": coupon_obj(c, currency)}
    return discount


@dataclass(frozen=True)
class LineSpec:
    """An invoice line as a case states it."""

    id: str
    amount: int
    start: Time
    end: Time
    price: PriceSpec | None = None
    subscription_item: str | None = None
    subscription: str | None = None
    proration: bool = False
    quantity: int | None = 1
    quantity_decimal: str | None = None
    discount_amounts: tuple[int, ...] = ()


def line_obj(line: LineSpec, invoice_id: str, currency: str, shape: Shape) -> Json:
    """An invoice line item in the requested shape."""
    obj: Json = {
        "id": line.id,
        "object": "line_item",
        "amount": line.amount,
        "currency": currency,
        "description": None,
        "discount_amounts": [
            {"amount": a, "discount": f"di_line_{i}"} for i, a in enumerate(line.discount_amounts)
        ],
        "invoice": invoice_id,
        "livemode": False,
        "metadata": {},
        "period": {"start": ts(line.start), "end": ts(line.end)},
        "quantity": line.quantity,
        "quantity_decimal": line.quantity_decimal,
    }
    if shape == "classic":
        obj["price"] = None if line.price is None else price_obj(line.price, shape)
        obj["proration"] = line.proration
        obj["subscription"] = line.subscription
        obj["subscription_item"] = line.subscription_item
        obj["type"] = "subscription" if line.subscription_item else "invoiceitem"
        return obj
    obj["pricing"] = None if line.price is None else {
        "type": "price_details",
        "price_details": {"price": line.price.id, "product": line.price.product},
        "unit_amount_decimal": line.price.unit_amount_decimal,
    }
    if line.subscription_item is not None:
        obj["parent"] = {
            "type": "subscription_item_details",
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": line.proration,
                "proration_details": {"credited_items": None},
                "subscription": line.subscription,
                "subscription_item": line.subscription_item,
            },
        }
    else:
        obj["parent"] = {
            "type": "invoice_item_details",
            "invoice_item_details": {
                "invoice_item": f"ii_{line.id}",
                "proration": line.proration,
                "proration_details": {"credited_items": None},
                "subscription": line.subscription,
            },
            "subscription_item_details": None,
        }
    return obj
