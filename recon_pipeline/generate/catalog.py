"""The fictional business: legal entities, products, prices, meters, GL accounts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Entity:
    """A legal entity that bills customers in its functional currency."""

    code: str
    name: str
    currency: str  # lower case, as Stripe writes it
    country: str
    tax_rate: Decimal
    weight: int  # share of customers


ENTITIES: tuple[Entity, ...] = (
    Entity("US01", "Northwind Cloud Inc.", "usd", "US", Decimal("0"), 45),
    Entity("DE01", "Northwind Cloud GmbH", "eur", "DE", Decimal("0.19"), 25),
    Entity("GB01", "Northwind Cloud Ltd", "gbp", "GB", Decimal("0.20"), 20),
    Entity("JP01", "Northwind Cloud K.K.", "jpy", "JP", Decimal("0.10"), 10),
)
ENTITY_BY_CODE = {e.code: e for e in ENTITIES}

#: Countries a customer of each entity may be in.
COUNTRIES = {
    "US01": ("US", "US", "US", "CA", "MX"),
    "DE01": ("DE", "DE", "AT", "NL", "FR"),
    "GB01": ("GB", "GB", "IE"),
    "JP01": ("JP",),
}

#: (code, role, name) of the general ledger accounts, the same in every entity.
GL_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("1000", "CASH", "Cash at bank"),
    ("1100", "AR", "Accounts receivable"),
    ("1150", "GATEWAY_CLEARING", "Stripe clearing"),
    ("2200", "TAX_PAYABLE", "Sales tax / VAT payable"),
    ("2400", "DEFERRED_REVENUE", "Deferred revenue"),
    ("4000", "REVENUE", "Subscription revenue"),
    ("6100", "GATEWAY_FEES", "Payment processing fees"),
    ("9000", "OTHER", "Suspense"),
)
ACCOUNT = {role: code for code, role, _ in GL_ACCOUNTS}


@dataclass(frozen=True)
class Price:
    """A Stripe price: licensed (per seat) or metered (per unit of a meter)."""

    id: str
    product: str
    product_name: str
    currency: str
    interval: str
    interval_count: int
    usage_type: str  # licensed | metered
    unit_amount: int | None
    unit_amount_decimal: Decimal
    meter_event: str | None  # for metered prices: the usage event type
    meter_id: str | None  # the billing.meter when the price uses one (current shape)
    tier: str


#: (tier, product name, monthly unit amount in major units of USD).
LICENSED_TIERS = (
    ("starter", "Starter plan", Decimal("19")),
    ("team", "Team plan", Decimal("49")),
    ("business", "Business plan", Decimal("129")),
    ("addon", "Audit log add-on", Decimal("15")),
)
#: (meter event, product name, unit price in minor units of USD, decimal).
METERED = (
    ("api_requests", "API requests", Decimal("0.05")),
    ("storage_gb_hours", "Storage (GB-hours)", Decimal("1.25")),
)
#: Price of one USD in each currency's minor units, for the catalog only.
CATALOG_FX = {"usd": Decimal("1"), "eur": Decimal("0.92"), "gbp": Decimal("0.79"),
              "jpy": Decimal("1.5")}


def build_prices() -> list[Price]:
    """The price book: every tier monthly and yearly, and every meter, in every currency."""
    prices: list[Price] = []
    for entity in ENTITIES:
        cur = entity.currency
        for tier, name, usd in LICENSED_TIERS:
            monthly = (usd * CATALOG_FX[cur]).quantize(Decimal(1)) * 100
            if cur == "jpy":
                monthly = (usd * 150).quantize(Decimal(10))
            for interval, factor in (("month", 1), ("year", 10)):
                if tier == "addon" and interval == "year":
                    continue
                amount = int(monthly) * factor
                prices.append(Price(
                    id=f"price_{tier}_{interval}ly_{cur}", product=f"prod_{tier}",
                    product_name=name, currency=cur, interval=interval, interval_count=1,
                    usage_type="licensed", unit_amount=amount,
                    unit_amount_decimal=Decimal(amount), meter_event=None, meter_id=None,
                    tier=tier))
        for event, name, usd_minor in METERED:
            unit = usd_minor * CATALOG_FX[cur]
            if cur == "jpy":
                unit = usd_minor * Decimal("1.5")
            unit = unit.quantize(Decimal("0.0001")).normalize()
            uses_meter = cur in ("usd", "eur")  # the others still bill legacy usage by metadata
            prices.append(Price(
                id=f"price_{event}_{cur}", product=f"prod_{event}", product_name=name,
                currency=cur, interval="month", interval_count=1, usage_type="metered",
                unit_amount=None, unit_amount_decimal=unit, meter_event=event,
                meter_id=f"mtr_{event}" if uses_meter else None, tier=event))
    return prices


PRICES: tuple[Price, ...] = tuple(build_prices())
PRICE_BY_ID = {p.id: p for p in PRICES}


def price_for(tier: str, interval: str, currency: str) -> Price:
    """The licensed price of a tier, or the metered price of a meter event."""
    if tier in {event for event, _, _ in METERED}:
        return PRICE_BY_ID[f"price_{tier}_{currency}"]
    return PRICE_BY_ID[f"price_{tier}_{interval}ly_{currency}"]
