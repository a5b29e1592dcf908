"""The generator's internal model of one customer's history, before it is rendered as exports.

Money is in integer minor units of the object's currency; times are Unix seconds (UTC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from recon_pipeline.generate.catalog import Price
from recon_pipeline.lib.cycles import add_interval


@dataclass
class Coupon:
    """A coupon as attached to a subscription through a discount."""

    id: str
    percent_off: Decimal | None
    amount_off: int | None
    currency: str | None
    duration: str  # forever | once | repeating
    duration_in_months: int | None


@dataclass
class Discount:
    """An authorised discount on a subscription."""

    id: str
    coupon: Coupon
    start: int
    end: int | None


@dataclass
class Item:
    """A subscription item: one price and its quantity (as exported, i.e. after any upgrade)."""

    id: str
    price: Price
    quantity: int
    created: int


@dataclass
class Subscription:
    """A subscription and its lifecycle."""

    id: str
    customer: str
    currency: str
    status: str
    created: int
    start_date: int
    anchor: int
    trial_end: int | None
    canceled_at: int | None
    ended_at: int | None
    cancel_at: int | None
    items: list[Item]
    discounts: list[Discount] = field(default_factory=list)
    shape: str = "current"


@dataclass
class Line:
    """An invoice line."""

    id: str
    amount: int
    currency: str
    quantity: int
    quantity_decimal: Decimal | None
    start: int
    end: int
    discount: int
    price: Price
    item: str | None
    subscription: str | None
    proration: bool
    description: str

    @property
    def net(self) -> int:
        """Amount less its discounts."""
        return self.amount - self.discount


@dataclass
class Invoice:
    """An invoice with its lines and lifecycle."""

    id: str
    number: str | None
    customer: str
    currency: str
    status: str  # draft | open | paid | void | uncollectible
    created: int
    finalized_at: int | None
    paid_at: int | None
    voided_at: int | None
    subscription: str | None
    lines: list[Line]
    tax_rate: Decimal
    billing_reason: str
    tax: int = 0
    amount_paid: int = 0
    charge: str | None = None  # classic link to the charge that paid it
    paid_out_of_band: bool = False
    shape: str = "current"

    @property
    def subtotal(self) -> int:
        """Sum of the line amounts before discounts and tax."""
        return sum(line.amount for line in self.lines)

    @property
    def discount_total(self) -> int:
        """Sum of the line discounts."""
        return sum(line.discount for line in self.lines)

    @property
    def total(self) -> int:
        """Subtotal less discounts plus tax."""
        return self.subtotal - self.discount_total + self.tax

    @property
    def is_finalized(self) -> bool:
        """Open, paid or uncollectible (drafts and voids are not)."""
        return self.status in ("open", "paid", "uncollectible")


@dataclass
class Charge:
    """A gateway charge and its balance transaction."""

    id: str
    customer: str
    amount: int
    currency: str
    status: str  # succeeded | failed
    created: int
    invoice: str | None
    payment_intent: str
    balance_transaction: str | None
    fee: int
    amount_refunded: int = 0
    shape: str = "current"


@dataclass
class Refund:
    """A refund of (part of) a charge."""

    id: str
    charge: str
    amount: int
    currency: str
    created: int
    balance_transaction: str


@dataclass
class InvoicePayment:
    """Current-shape link between a payment and an invoice."""

    id: str
    invoice: str
    kind: str  # charge | payment_intent | payment_record
    charge: str | None
    payment_intent: str | None
    amount_paid: int
    currency: str
    status: str
    created: int


@dataclass
class CreditNote:
    """A credit note against an invoice."""

    id: str
    invoice: str
    customer: str
    amount: int
    currency: str
    created: int
    status: str = "issued"


@dataclass
class Journal:
    """An ERP journal; ``lines`` are (account role, debit minor, credit minor)."""

    id: str
    entity: str
    posting_date: int
    period: str
    doc_type: str
    doc_ref: str
    currency: str  # lower case here, upper case in the ERP
    customer_code: str | None
    lines: list[tuple[str, int, int]]
    reversal_of: str | None = None


@dataclass
class UsageEvent:
    """A CloudEvents metering event."""

    id: str
    source: str
    type: str
    subject: str
    time: int
    value: Decimal
    item: str | None


@dataclass
class Party:
    """The customer in every system: billing, ERP customer master, CRM."""

    id: str
    name: str
    email: str
    currency: str
    country: str
    entity: str
    created: int
    tax_id: str | None
    tax_id_in_metadata: bool
    meta_erp_code: str | None
    meta_crm_id: str | None
    erp_rows: list[dict[str, str | None]] = field(default_factory=list)
    crm_rows: list[dict[str, str]] = field(default_factory=list)
    shape: str = "current"


@dataclass
class World:
    """Everything one customer contributes to the exports."""

    party: Party
    subscriptions: list[Subscription] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    invoice_payments: list[InvoicePayment] = field(default_factory=list)
    credit_notes: list[CreditNote] = field(default_factory=list)
    journals: list[Journal] = field(default_factory=list)
    events: list[UsageEvent] = field(default_factory=list)
    redelivered: list[UsageEvent] = field(default_factory=list)


def current_period(sub: Subscription, export_at: int) -> tuple[int, int]:
    """The subscription's billing period at the export (or its last one, once ended)."""
    at = min(export_at, sub.ended_at or export_at) - 1
    interval = "year" if sub.items and sub.items[0].price.interval == "year" else "month"
    k = 0
    while add_interval(sub.anchor, interval, 1, k + 1) <= at:
        k += 1
    return add_interval(sub.anchor, interval, 1, k), add_interval(sub.anchor, interval, 1, k + 1)
