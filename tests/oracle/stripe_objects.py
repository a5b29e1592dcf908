"""Stripe objects (classic and current API shapes) to canonical records.

Each field is read from its classic place first and, when that is absent or null, from its
current place (docs/sources.md's table), so one file may mix both shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from tests.oracle.fields import (
    BAD_VALUE,
    MISSING_FIELD,
    NOT_AN_OBJECT,
    WRONG_TYPE,
    RowError,
    get,
    opt_bool,
    opt_currency,
    opt_decimal_str,
    opt_int,
    opt_list,
    opt_number,
    opt_obj,
    opt_ref,
    opt_str,
    req_currency,
    req_int,
    req_ref,
    req_str,
)
from tests.oracle.model import (
    BalanceTransaction,
    Charge,
    Coupon,
    CreditNote,
    Customer,
    Discount,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    Payout,
    Price,
    Refund,
    SubItem,
    Subscription,
)

Obj = Mapping[str, Any]
INVOICE_STATUSES = frozenset({"draft", "open", "paid", "void", "uncollectible"})


def _first(*values: Any) -> Any:
    """First value that is not None."""
    return next((v for v in values if v is not None), None)


def _object(value: Any, what: str) -> Obj:
    """``value`` when it is a JSON object, else a NOT_AN_OBJECT error."""
    if not isinstance(value, Mapping):
        raise RowError(NOT_AN_OBJECT, what)
    return value


def parse_customer(obj: Obj) -> Customer:
    """A billing customer; tax id = first ``tax_ids.data[].value``, else ``metadata.tax_id``."""
    tax_values = [req_str(_object(t, "tax_ids.data[]"), "value")
                  for t in opt_list(obj, "tax_ids.data")]
    # SPEC-AMBIGUITY: a customer with several tax ids is compared on the first one.
    return Customer(
        id=req_str(obj, "id"),
        name=opt_str(obj, "name"),
        currency=opt_currency(obj, "currency"),
        country=opt_str(obj, "address.country"),
        legal_entity=opt_str(obj, "metadata.legal_entity"),
        crm_account_id=opt_str(obj, "metadata.crm_account_id"),
        erp_customer_code=opt_str(obj, "metadata.erp_customer_code"),
        tax_id=_first(*tax_values, opt_str(obj, "metadata.tax_id")),
    )


def parse_product(obj: Obj) -> tuple[str, str | None]:
    """A product: id and name."""
    return req_str(obj, "id"), opt_str(obj, "name")


def parse_meter(obj: Obj) -> tuple[str, str]:
    """A billing meter: id and the event ``type`` it counts."""
    return req_str(obj, "id"), req_str(obj, "event_name")


def parse_price(obj: Obj) -> Price:
    """A price: unit amount, recurrence and (for metered prices) its meter."""
    interval_count = opt_int(obj, "recurring.interval_count")
    if interval_count is not None and interval_count < 1:
        raise RowError(BAD_VALUE, "recurring.interval_count < 1")
    return Price(
        id=req_str(obj, "id"),
        product=opt_ref(obj, "product"),
        currency=req_currency(obj, "currency"),
        unit_amount=opt_int(obj, "unit_amount"),
        unit_amount_decimal=opt_decimal_str(obj, "unit_amount_decimal"),
        interval=opt_str(obj, "recurring.interval"),
        interval_count=1 if interval_count is None else interval_count,
        usage_type=opt_str(obj, "recurring.usage_type"),
        meter_id=opt_str(obj, "recurring.meter"),
        meter_event=opt_str(obj, "metadata.meter"),
    )


def _coupon(obj: Obj) -> Coupon:
    return Coupon(
        id=opt_str(obj, "id"),
        percent_off=opt_number(obj, "percent_off"),
        amount_off=opt_int(obj, "amount_off"),
        duration=opt_str(obj, "duration"),
        duration_in_months=opt_int(obj, "duration_in_months"),
    )


def _discounts(obj: Obj) -> tuple[Discount, ...]:
    """``discounts[]`` objects when there are any, else the single classic ``discount``."""
    # SPEC-AMBIGUITY: classic subscriptions may carry both `discount` (object) and `discounts`
    # (ids, or the same discounts expanded); to avoid counting one discount twice, expanded
    # `discounts[]` objects win, unexpanded ids are ignored, and `discount` is the fallback.
    found = [d for d in opt_list(obj, "discounts") if isinstance(d, Mapping)]
    if not found:
        single = opt_obj(obj, "discount")
        found = [single] if single is not None else []
    discounts: list[Discount] = []
    seen: set[str] = set()
    for d in found:
        coupon = _first(opt_obj(d, "coupon"), opt_obj(d, "source.coupon"))
        if coupon is None:
            continue  # a discount without a coupon authorises nothing we can price
        key = opt_str(d, "id")
        if key is not None and key in seen:
            continue
        if key is not None:
            seen.add(key)
        discounts.append(Discount(coupon=_coupon(coupon), start=opt_int(d, "start")))
    return tuple(discounts)


def parse_subscription(obj: Obj) -> Subscription:
    """A subscription with its items (prices expanded) and discounts."""
    items = []
    for raw in opt_list(obj, "items.data"):
        item = _object(raw, "items.data[]")
        price = opt_obj(item, "price")
        if price is None:
            raise RowError(MISSING_FIELD, "items.data[].price")
        items.append(SubItem(req_str(item, "id"), parse_price(price), opt_int(item, "quantity")))
    return Subscription(
        id=req_str(obj, "id"),
        customer=req_ref(obj, "customer"),
        status=req_str(obj, "status"),
        currency=opt_currency(obj, "currency"),
        start_date=req_int(obj, "start_date"),
        billing_cycle_anchor=req_int(obj, "billing_cycle_anchor"),
        trial_end=opt_int(obj, "trial_end"),
        canceled_at=opt_int(obj, "canceled_at"),
        ended_at=opt_int(obj, "ended_at"),
        cancel_at=opt_int(obj, "cancel_at"),
        items=tuple(items),
        discounts=_discounts(obj),
    )


def parse_line(obj: Obj, invoice_subscription: str | None) -> InvoiceLine:
    """An invoice line in either shape."""
    classic_price = opt_obj(obj, "price")
    price = parse_price(classic_price) if classic_price is not None else None
    quantity_decimal = opt_decimal_str(obj, "quantity_decimal")
    quantity = opt_int(obj, "quantity")
    proration = _first(
        opt_bool(obj, "proration"),
        opt_bool(obj, "parent.subscription_item_details.proration"),
        # SPEC-AMBIGUITY: a current-shape one-off item line says proration here.
        opt_bool(obj, "parent.invoice_item_details.proration"),
    )
    return InvoiceLine(
        id=req_str(obj, "id"),
        amount=req_int(obj, "amount"),
        quantity=_first(quantity_decimal, None if quantity is None else Decimal(quantity)),
        period_start=req_int(obj, "period.start"),
        period_end=req_int(obj, "period.end"),
        discount_total=sum(
            req_int(_object(d, "discount_amounts[]"), "amount")
            for d in opt_list(obj, "discount_amounts")
        ),
        price_id=price.id if price else opt_ref(obj, "pricing.price_details.price"),
        price=price,
        subscription_item=_first(
            opt_ref(obj, "subscription_item"),
            opt_str(obj, "parent.subscription_item_details.subscription_item"),
        ),
        subscription=_first(
            opt_ref(obj, "subscription"),
            opt_str(obj, "parent.subscription_item_details.subscription"),
            opt_str(obj, "parent.invoice_item_details.subscription"),
            # SPEC-AMBIGUITY: a line that names no subscription belongs to its invoice's.
            invoice_subscription,
        ),
        proration=bool(proration),
    )


def parse_invoice(obj: Obj) -> Invoice:
    """An invoice with its lines."""
    status = req_str(obj, "status")
    if status not in INVOICE_STATUSES:
        raise RowError(BAD_VALUE, f"status {status!r}")
    if get(obj, "lines") is not None and not isinstance(get(obj, "lines.data"), list):
        raise RowError(WRONG_TYPE, "lines.data is not a list")
    subscription = _first(
        opt_ref(obj, "subscription"), opt_ref(obj, "parent.subscription_details.subscription")
    )
    lines = tuple(
        parse_line(_object(raw, "lines.data[]"), subscription)
        for raw in opt_list(obj, "lines.data")
    )
    for taxed in opt_list(obj, "total_taxes"):
        req_int(_object(taxed, "total_taxes[]"), "amount")  # read so a bad tax row is caught
    opt_int(obj, "tax")
    return Invoice(
        id=req_str(obj, "id"),
        customer=req_ref(obj, "customer"),
        currency=req_currency(obj, "currency"),
        status=status,
        total=req_int(obj, "total"),
        amount_paid=opt_int(obj, "amount_paid") or 0,
        paid_out_of_band=opt_bool(obj, "paid_out_of_band"),
        finalized_at=opt_int(obj, "status_transitions.finalized_at"),
        paid_at=opt_int(obj, "status_transitions.paid_at"),
        created=req_int(obj, "created"),
        subscription=subscription,
        charge=opt_ref(obj, "charge"),
        lines=lines,
    )


def parse_credit_note(obj: Obj) -> CreditNote:
    """A credit note (loaded, no rule yet)."""
    return CreditNote(
        id=req_str(obj, "id"),
        invoice=req_ref(obj, "invoice"),
        amount=req_int(obj, "amount"),
        currency=req_currency(obj, "currency"),
        created=req_int(obj, "created"),
        status=req_str(obj, "status"),
    )


def parse_charge(obj: Obj) -> Charge:
    """A charge."""
    return Charge(
        id=req_str(obj, "id"),
        amount=req_int(obj, "amount"),
        amount_captured=opt_int(obj, "amount_captured"),
        captured=opt_bool(obj, "captured"),
        currency=req_currency(obj, "currency"),
        status=req_str(obj, "status"),
        customer=opt_ref(obj, "customer"),
        created=req_int(obj, "created"),
        balance_transaction=opt_ref(obj, "balance_transaction"),
        payment_intent=opt_ref(obj, "payment_intent"),
        invoice=opt_ref(obj, "invoice"),
    )


def parse_invoice_payment(obj: Obj) -> InvoicePayment:
    """An invoice_payment (current shape)."""
    return InvoicePayment(
        invoice=req_ref(obj, "invoice"),
        status=req_str(obj, "status"),
        payment_type=opt_str(obj, "payment.type"),
        charge=opt_ref(obj, "payment.charge"),
        payment_intent=opt_ref(obj, "payment.payment_intent"),
    )


def parse_refund(obj: Obj) -> Refund:
    """A refund."""
    return Refund(
        id=req_str(obj, "id"),
        charge=opt_ref(obj, "charge"),
        amount=req_int(obj, "amount"),
        currency=req_currency(obj, "currency"),
        status=req_str(obj, "status"),
        created=req_int(obj, "created"),
    )


def parse_balance_transaction(obj: Obj) -> BalanceTransaction:
    """A balance transaction."""
    return BalanceTransaction(
        id=req_str(obj, "id"),
        type=req_str(obj, "type"),
        source=opt_ref(obj, "source"),
        amount=req_int(obj, "amount"),
        fee=req_int(obj, "fee"),
        net=req_int(obj, "net"),
        currency=req_currency(obj, "currency"),
        payout=opt_ref(obj, "payout"),
    )


def parse_payout(obj: Obj) -> Payout:
    """A payout."""
    return Payout(
        id=req_str(obj, "id"),
        amount=req_int(obj, "amount"),
        currency=req_currency(obj, "currency"),
        status=req_str(obj, "status"),
        arrival_date=req_int(obj, "arrival_date"),
        balance_transaction=opt_ref(obj, "balance_transaction"),
    )
