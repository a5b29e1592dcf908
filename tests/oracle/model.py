"""Canonical records the oracle reads from a sources directory (one shape for both Stripe APIs).

Timestamps of Stripe objects stay Unix seconds (ints), money stays minor units (ints), so every
comparison is exact. Currency codes are upper-case everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from tests.oracle.common import cycle_of

FINALIZED_STATUSES = frozenset({"open", "paid", "uncollectible"})


@dataclass(frozen=True)
class Skipped:
    """A row that could not be read: where it is and why (the quarantine)."""

    source: str  # top folder: billing, payments, erp, usage, crm, reference
    file: str  # relative to SOURCES (for the ledger: erp/ledger.sqlite)
    line: int  # 1-based line (CSV: physical line, header = 1; SQLite: row ordinal in rowid order)
    reason: str  # one of read.REASONS
    detail: str


@dataclass(frozen=True)
class Price:
    """A Stripe price, as far as the rules need it."""

    id: str
    product: str | None
    currency: str
    unit_amount: int | None
    unit_amount_decimal: Decimal | None
    interval: str | None
    interval_count: int
    usage_type: str | None
    meter_id: str | None  # recurring.meter
    meter_event: str | None  # metadata.meter

    @property
    def unit_price(self) -> Decimal | None:
        """Minor units per unit: ``unit_amount_decimal`` when present, else ``unit_amount``."""
        if self.unit_amount_decimal is not None:
            return self.unit_amount_decimal
        return None if self.unit_amount is None else Decimal(self.unit_amount)


@dataclass(frozen=True)
class Coupon:
    """The coupon of an authorised discount."""

    id: str | None
    percent_off: Decimal | None
    amount_off: int | None
    duration: str | None
    duration_in_months: int | None


@dataclass(frozen=True)
class Discount:
    """A subscription discount: its coupon and when it started (Unix seconds)."""

    coupon: Coupon
    start: int | None


@dataclass(frozen=True)
class SubItem:
    """A subscription item with its price as exported."""

    id: str
    price: Price
    quantity: int | None


@dataclass(frozen=True)
class Subscription:
    """A subscription; ``end`` follows the spec's order of end fields."""

    id: str
    customer: str
    status: str
    currency: str | None
    start_date: int
    billing_cycle_anchor: int
    trial_end: int | None
    canceled_at: int | None
    ended_at: int | None
    cancel_at: int | None
    items: tuple[SubItem, ...]
    discounts: tuple[Discount, ...]

    @property
    def end(self) -> int | None:
        """``ended_at``; else ``canceled_at`` when canceled; else a scheduled ``cancel_at``."""
        if self.ended_at is not None:
            return self.ended_at
        if self.status == "canceled" and self.canceled_at is not None:
            return self.canceled_at
        return self.cancel_at


@dataclass(frozen=True)
class Customer:
    """A billing customer."""

    id: str
    name: str | None
    currency: str | None
    country: str | None
    legal_entity: str | None
    crm_account_id: str | None
    erp_customer_code: str | None
    tax_id: str | None


@dataclass(frozen=True)
class InvoiceLine:
    """An invoice line; ``price`` is the classic embedded object when there is one."""

    id: str
    amount: int
    quantity: Decimal | None  # quantity_decimal when present, else quantity
    period_start: int
    period_end: int
    discount_total: int
    price_id: str | None
    price: Price | None
    subscription_item: str | None
    subscription: str | None
    proration: bool

    @property
    def net(self) -> int:
        """``amount`` less its ``discount_amounts``."""
        return self.amount - self.discount_total


@dataclass(frozen=True)
class Invoice:
    """A Stripe invoice."""

    id: str
    customer: str
    currency: str
    status: str
    total: int
    amount_paid: int
    paid_out_of_band: bool | None
    finalized_at: int | None
    paid_at: int | None
    created: int
    subscription: str | None
    charge: str | None
    lines: tuple[InvoiceLine, ...]

    @property
    def finalized(self) -> bool:
        """Status open, paid or uncollectible."""
        return self.status in FINALIZED_STATUSES

    @property
    def finalized_ts(self) -> int:
        """When it was finalized (``created`` when the transition is missing)."""
        return self.finalized_at if self.finalized_at is not None else self.created

    @property
    def cycle(self) -> str:
        """Month of ``finalized_at``, else ``created``."""
        return cycle_of(self.finalized_ts)


@dataclass(frozen=True)
class Charge:
    """A gateway charge."""

    id: str
    amount: int
    amount_captured: int | None
    captured: bool | None
    currency: str
    status: str
    customer: str | None
    created: int
    balance_transaction: str | None
    payment_intent: str | None
    invoice: str | None

    @property
    def succeeded(self) -> bool:
        """Status ``succeeded`` and not ``captured: false``."""
        return self.status == "succeeded" and self.captured is not False

    @property
    def settled_amount(self) -> int:
        """``amount_captured`` when present, else ``amount``."""
        return self.amount if self.amount_captured is None else self.amount_captured


@dataclass(frozen=True)
class InvoicePayment:
    """Current-shape link of a payment to an invoice."""

    invoice: str
    status: str
    payment_type: str | None
    charge: str | None
    payment_intent: str | None


@dataclass(frozen=True)
class Refund:
    """A refund of a charge."""

    id: str
    charge: str | None
    amount: int
    currency: str
    status: str
    created: int


@dataclass(frozen=True)
class BalanceTransaction:
    """A balance transaction; amounts are in the settlement currency."""

    id: str
    type: str
    source: str | None
    amount: int
    fee: int
    net: int
    currency: str
    payout: str | None


@dataclass(frozen=True)
class Payout:
    """A payout to the bank."""

    id: str
    amount: int
    currency: str
    status: str
    arrival_date: int
    balance_transaction: str | None


@dataclass(frozen=True)
class CreditNote:
    """A credit note (read, not reconciled)."""

    id: str
    invoice: str
    amount: int
    currency: str
    created: int
    status: str


@dataclass(frozen=True)
class JournalLine:
    """One row of gl_journal_lines."""

    entity_code: str | None
    journal_id: str
    period: str
    account_code: str
    debit: Decimal
    credit: Decimal
    currency: str
    document_type: str
    document_ref: str | None
    reversal_of: str | None


@dataclass(frozen=True)
class ErpCustomer:
    """One row of erp_customers."""

    customer_code: str
    name: str | None
    entity_code: str | None
    currency: str | None
    country: str | None
    tax_id: str | None
    external_ref: str | None


@dataclass(frozen=True)
class UsageEvent:
    """A CloudEvents usage event (after redelivery dedup)."""

    source: str
    id: str
    type: str
    subject: str
    time: datetime
    value: Decimal
    subscription_item: str | None


@dataclass(frozen=True)
class CrmAccount:
    """One row of crm/accounts.csv."""

    account_id: str
    name: str | None
    country: str | None
    currency: str | None
    legal_entity: str | None
    billing_customer_id: str | None
    erp_customer_code: str | None
    tax_id: str | None
    status: str | None


@dataclass(frozen=True)
class FxRate:
    """One row of reference/fx_rates.csv."""

    date: date
    currency: str
    rate_to_reporting: Decimal


@dataclass
class Sources:
    """Everything read from one sources directory, keyed by id where objects have one."""

    customers: dict[str, Customer] = field(default_factory=dict)
    products: dict[str, str | None] = field(default_factory=dict)
    prices: dict[str, Price] = field(default_factory=dict)
    meters: dict[str, str] = field(default_factory=dict)  # meter id -> event_name
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    invoices: dict[str, Invoice] = field(default_factory=dict)
    credit_notes: dict[str, CreditNote] = field(default_factory=dict)
    charges: dict[str, Charge] = field(default_factory=dict)
    refunds: dict[str, Refund] = field(default_factory=dict)
    balance_transactions: dict[str, BalanceTransaction] = field(default_factory=dict)
    payouts: dict[str, Payout] = field(default_factory=dict)
    invoice_payments: list[InvoicePayment] = field(default_factory=list)
    account_roles: dict[str, str] = field(default_factory=dict)  # account_code -> role
    erp_customers: list[ErpCustomer] = field(default_factory=list)
    journal_lines: list[JournalLine] = field(default_factory=list)
    usage_events: list[UsageEvent] = field(default_factory=list)
    redeliveries: int = 0
    crm_accounts: list[CrmAccount] = field(default_factory=list)
    legal_entities: dict[str, dict[str, str | None]] = field(default_factory=dict)
    fx_rates: list[FxRate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
