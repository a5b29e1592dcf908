"""Render the internal model as Stripe API objects (classic and current shapes) and CloudEvents."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from recon_pipeline.generate.catalog import ENTITY_BY_CODE, Price
from recon_pipeline.generate.model import (
    Charge,
    CreditNote,
    Discount,
    Invoice,
    InvoicePayment,
    Line,
    Party,
    Refund,
    Subscription,
    UsageEvent,
)
from recon_pipeline.lib.cycles import iso

Obj = dict[str, Any]
_ADDRESS = {"US": ("San Francisco", "CA", "94105"), "CA": ("Toronto", "ON", "M5V 2T6"),
            "MX": ("Ciudad de México", "CDMX", "06600"), "DE": ("Berlin", None, "10115"),
            "AT": ("Wien", None, "1010"), "NL": ("Amsterdam", None, "1012"),
            "FR": ("Paris", None, "75001"), "GB": ("London", None, "EC1A 1BB"),
            "IE": ("Dublin", None, "D02 X285"), "JP": ("Tokyo", None, "100-0005")}


def address(country: str) -> Obj:
    """A postal address in the country."""
    city, state, postal = _ADDRESS[country]
    return {"city": city, "country": country, "line1": "1 Market Street", "line2": None,
            "postal_code": postal, "state": state}


def customer(p: Party) -> Obj:
    """A Stripe customer with its cross-references in metadata."""
    metadata: dict[str, str] = {"legal_entity": p.entity}
    if p.meta_crm_id:
        metadata["crm_account_id"] = p.meta_crm_id
    if p.meta_erp_code:
        metadata["erp_customer_code"] = p.meta_erp_code
    tax_ids: list[Obj] = []
    if p.tax_id and p.tax_id_in_metadata:
        metadata["tax_id"] = p.tax_id
    elif p.tax_id:
        tax_ids.append({"id": f"txi_{p.id[4:]}", "object": "tax_id", "country": p.country,
                        "created": p.created, "customer": p.id, "livemode": False,
                        "type": "eu_vat" if p.country not in ("US", "JP") else "us_ein",
                        "value": p.tax_id, "verification": {"status": "verified",
                                                            "verified_address": None,
                                                            "verified_name": None}})
    return {
        "id": p.id, "object": "customer", "address": address(p.country), "balance": 0,
        "created": p.created, "currency": p.currency, "default_source": None,
        "delinquent": False, "description": None, "discount": None, "email": p.email,
        "invoice_prefix": p.id[4:12].upper(),
        "invoice_settings": {"custom_fields": None, "default_payment_method": None,
                             "footer": None, "rendering_options": None},
        "livemode": False, "metadata": metadata, "name": p.name, "next_invoice_sequence": 1,
        "phone": None, "preferred_locales": ["en"], "shipping": None, "tax_exempt": "none",
        "tax_ids": {"object": "list", "data": tax_ids, "has_more": False,
                    "url": f"/v1/customers/{p.id}/tax_ids"},
        "test_clock": None}


def price(pr: Price, created: int) -> Obj:
    """A Stripe price; a metered price names its meter (current) or its event in metadata."""
    metadata: dict[str, str] = {}
    meter = pr.meter_id
    if pr.usage_type == "metered" and meter is None:
        metadata["meter"] = pr.meter_event or ""
    return {
        "id": pr.id, "object": "price", "active": True, "billing_scheme": "per_unit",
        "created": created, "currency": pr.currency, "custom_unit_amount": None,
        "livemode": False, "lookup_key": pr.id.removeprefix("price_"), "metadata": metadata,
        "nickname": None, "product": pr.product,
        "recurring": {"interval": pr.interval, "interval_count": pr.interval_count,
                      "meter": meter, "trial_period_days": None, "usage_type": pr.usage_type,
                      "aggregate_usage": None if meter else ("sum" if metadata else None)},
        "tax_behavior": "exclusive", "tiers_mode": None, "transform_quantity": None,
        "type": "recurring", "unit_amount": pr.unit_amount,
        "unit_amount_decimal": _decimal_text(pr.unit_amount_decimal)}


def product(product_id: str, name: str, created: int) -> Obj:
    """A Stripe product."""
    return {"id": product_id, "object": "product", "active": True, "created": created,
            "default_price": None, "description": None, "images": [], "livemode": False,
            "marketing_features": [], "metadata": {}, "name": name, "package_dimensions": None,
            "shippable": None, "statement_descriptor": None, "tax_code": "txcd_10103001",
            "unit_label": None, "updated": created, "url": None}


def meter(meter_id: str, event: str, created: int) -> Obj:
    """A Stripe billing meter."""
    return {"id": meter_id, "object": "billing.meter", "created": created,
            "customer_mapping": {"event_payload_key": "stripe_customer_id",
                                 "type": "by_id"},
            "default_aggregation": {"formula": "sum"}, "display_name": event.replace("_", " "),
            "event_name": event, "event_time_window": None, "livemode": False,
            "status": "active", "status_transitions": {"deactivated_at": None},
            "updated": created, "value_settings": {"event_payload_key": "value"}}


def _coupon(d: Discount) -> Obj:
    c = d.coupon
    return {"id": c.id, "object": "coupon", "amount_off": c.amount_off, "created": d.start,
            "currency": c.currency, "duration": c.duration,
            "duration_in_months": c.duration_in_months, "livemode": False,
            "max_redemptions": None, "metadata": {}, "name": None, "percent_off": c.percent_off,
            "redeem_by": None, "times_redeemed": 1, "valid": True}


def _discount(d: Discount, sub: Subscription, current: bool) -> Obj:
    base: Obj = {"id": d.id, "object": "discount", "checkout_session": None,
                 "customer": sub.customer, "end": d.end, "invoice": None, "invoice_item": None,
                 "promotion_code": None, "start": d.start, "subscription": sub.id,
                 "subscription_item": None}
    if current:
        base["source"] = {"coupon": _coupon(d), "type": "coupon"}
    else:
        base["coupon"] = _coupon(d)
    return base


def subscription(sub: Subscription, period: tuple[int, int]) -> Obj:
    """A Stripe subscription with its items and discounts, in its shape."""
    current = sub.shape == "current"
    items = []
    for it in sub.items:
        item: Obj = {"id": it.id, "object": "subscription_item", "billing_thresholds": None,
                     "created": it.created, "discounts": [], "metadata": {},
                     "price": price(it.price, it.created), "subscription": sub.id,
                     "tax_rates": []}
        if it.price.usage_type == "licensed":
            item["quantity"] = it.quantity
        if current:
            item["current_period_start"], item["current_period_end"] = period
        items.append(item)
    obj: Obj = {
        "id": sub.id, "object": "subscription", "application": None,
        "automatic_tax": {"enabled": False, "liability": None},
        "billing_cycle_anchor": sub.anchor, "cancel_at": sub.cancel_at,
        "cancel_at_period_end": sub.cancel_at is not None and sub.ended_at is None,
        "canceled_at": sub.canceled_at, "cancellation_details": {
            "comment": None, "feedback": None,
            "reason": "cancellation_requested" if sub.canceled_at else None},
        "collection_method": "charge_automatically", "created": sub.created,
        "currency": sub.currency, "customer": sub.customer, "days_until_due": None,
        "default_payment_method": f"pm_{sub.id[4:20]}", "description": None,
        "ended_at": sub.ended_at,
        "items": {"object": "list", "data": items, "has_more": False,
                  "url": f"/v1/subscription_items?subscription={sub.id}"},
        "latest_invoice": None, "livemode": False, "metadata": {}, "pending_update": None,
        "schedule": None, "start_date": sub.start_date, "status": sub.status,
        "trial_end": sub.trial_end, "trial_start": sub.start_date if sub.trial_end else None}
    if current:
        obj["discounts"] = [_discount(d, sub, True) for d in sub.discounts]
        obj["billing_mode"] = {"type": "flexible"}
    else:
        obj["current_period_start"], obj["current_period_end"] = period
        obj["discount"] = _discount(sub.discounts[0], sub, False) if sub.discounts else None
        obj["discounts"] = []
        obj["plan"] = None
    return obj


def _line(ln: Line, inv: Invoice, current: bool) -> Obj:
    discounts = [{"amount": ln.discount, "discount": f"di_{inv.id[3:17]}"}] if ln.discount else []
    obj: Obj = {
        "id": ln.id, "object": "line_item", "amount": ln.amount, "currency": ln.currency,
        "description": ln.description, "discount_amounts": discounts, "discountable": True,
        "discounts": [d["discount"] for d in discounts], "invoice": inv.id, "livemode": False,
        "metadata": {}, "period": {"end": ln.end, "start": ln.start}, "quantity": ln.quantity,
        "taxes": [] if current else None}
    if ln.quantity_decimal is not None and (current or ln.quantity_decimal != ln.quantity):
        obj["quantity_decimal"] = _decimal_text(ln.quantity_decimal)
    if current:
        obj["pricing"] = {"type": "price_details", "price_details": {
            "price": ln.price.id, "product": ln.price.product},
            "unit_amount_decimal": _decimal_text(ln.price.unit_amount_decimal)}
        obj["parent"] = {"type": "subscription_item_details", "invoice_item_details": None,
                         "subscription_item_details": {
                             "invoice_item": None, "proration": ln.proration,
                             "proration_details": {"credited_items": None},
                             "subscription": ln.subscription,
                             "subscription_item": ln.item}}
        obj["subtotal"] = ln.amount
    else:
        obj["price"] = price(ln.price, 1735689600)
        obj["plan"] = None
        obj["proration"] = ln.proration
        obj["proration_details"] = {"credited_items": None}
        obj["subscription"] = ln.subscription
        obj["subscription_item"] = ln.item
        obj["type"] = "subscription"
        obj["tax_amounts"] = []
    return obj


def invoice(inv: Invoice, party: Party) -> Obj:
    """A Stripe invoice with its lines, in its shape."""
    current = inv.shape == "current"
    entity = ENTITY_BY_CODE[party.entity]
    paid = inv.status == "paid"
    # Nothing is paid on an open or draft invoice: all of it remains (never below zero).
    remaining = 0 if inv.status in ("paid", "void") else inv.total
    obj: Obj = {
        "id": inv.id, "object": "invoice", "account_country": entity.country,
        "account_name": entity.name, "account_tax_ids": None, "amount_due": inv.total,
        "amount_paid": inv.amount_paid if paid else 0, "amount_remaining": remaining,
        "amount_shipping": 0, "application": None, "attempt_count": 1 if paid else 0,
        "attempted": inv.status != "draft", "auto_advance": inv.status == "draft",
        "automatic_tax": {"enabled": False, "liability": None, "status": None},
        "billing_reason": inv.billing_reason, "collection_method": "charge_automatically",
        "created": inv.created, "currency": inv.currency, "custom_fields": None,
        "customer": inv.customer, "customer_address": address(party.country),
        "customer_email": party.email, "customer_name": party.name, "customer_phone": None,
        "customer_shipping": None, "customer_tax_exempt": "none",
        "customer_tax_ids": [{"type": "eu_vat", "value": party.tax_id}] if party.tax_id else [],
        "default_payment_method": None, "default_source": None, "default_tax_rates": [],
        "description": None, "discounts": [], "due_date": None,
        "effective_at": inv.finalized_at, "ending_balance": 0 if inv.finalized_at else None,
        "footer": None, "from_invoice": None,
        "hosted_invoice_url": f"https://invoice.stripe.com/i/acct_1Nw/{inv.id}",
        "invoice_pdf": f"https://pay.stripe.com/invoice/acct_1Nw/{inv.id}/pdf",
        "issuer": {"type": "self"}, "last_finalization_error": None, "latest_revision": None,
        "lines": {"object": "list", "data": [_line(ln, inv, current) for ln in inv.lines],
                  "has_more": False, "total_count": len(inv.lines),
                  "url": f"/v1/invoices/{inv.id}/lines"},
        "livemode": False, "metadata": {}, "next_payment_attempt": None, "number": inv.number,
        "on_behalf_of": None, "payment_settings": {
            "default_mandate": None, "payment_method_options": None,
            "payment_method_types": None},
        "period_end": max((ln.end for ln in inv.lines), default=inv.created),
        "period_start": min((ln.start for ln in inv.lines), default=inv.created),
        "post_payment_credit_notes_amount": 0, "pre_payment_credit_notes_amount": 0,
        "receipt_number": None, "rendering": None, "starting_balance": 0,
        "statement_descriptor": None, "status": inv.status,
        "status_transitions": {"finalized_at": inv.finalized_at,
                               "marked_uncollectible_at": None,
                               "paid_at": inv.paid_at, "voided_at": inv.voided_at},
        "subtotal": inv.subtotal, "subtotal_excluding_tax": inv.subtotal,
        "test_clock": None, "total": inv.total,
        "total_discount_amounts": [{"amount": inv.discount_total, "discount": "di_"}]
        if inv.discount_total else [],
        "total_excluding_tax": inv.subtotal - inv.discount_total, "webhooks_delivered_at":
        inv.created}
    if current:
        obj["parent"] = {"type": "subscription_details", "quote_details": None,
                         "subscription_details": {"metadata": {},
                                                  "subscription": inv.subscription}} \
            if inv.subscription else None
        obj["total_taxes"] = [{"amount": inv.tax, "tax_behavior": "exclusive",
                               "tax_rate_details": {"tax_rate": f"txr_{party.entity}"},
                               "taxability_reason": "standard_rated",
                               "taxable_amount": inv.subtotal - inv.discount_total,
                               "type": "tax_rate_details"}] if inv.tax else []
        obj["confirmation_secret"] = None
    else:
        obj["subscription"] = inv.subscription
        obj["charge"] = inv.charge
        obj["paid"] = paid
        obj["paid_out_of_band"] = inv.paid_out_of_band
        obj["payment_intent"] = None
        obj["tax"] = inv.tax if inv.tax else None
        obj["total_tax_amounts"] = [{"amount": inv.tax, "inclusive": False,
                                     "tax_rate": f"txr_{party.entity}"}] if inv.tax else []
    return obj


def charge(ch: Charge, party: Party) -> Obj:
    """A Stripe charge; the classic shape names its invoice."""
    ok = ch.status == "succeeded"
    obj: Obj = {
        "id": ch.id, "object": "charge", "amount": ch.amount,
        "amount_captured": ch.amount if ok else 0, "amount_refunded": ch.amount_refunded,
        "application": None, "application_fee": None, "application_fee_amount": None,
        "balance_transaction": ch.balance_transaction,
        "billing_details": {"address": address(party.country), "email": party.email,
                            "name": party.name, "phone": None},
        "calculated_statement_descriptor": "NORTHWIND CLOUD", "captured": ok,
        "created": ch.created, "currency": ch.currency, "customer": ch.customer,
        "description": "Subscription update", "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None if ok else "card_declined",
        "failure_message": None if ok else "Your card was declined.",
        "fraud_details": {}, "livemode": False, "metadata": {}, "on_behalf_of": None,
        "outcome": {"network_status": "approved_by_network" if ok else "declined_by_network",
                    "reason": None if ok else "generic_decline", "risk_level": "normal",
                    "risk_score": 21, "seller_message": "Payment complete." if ok else
                    "The bank did not return any further details with this decline.",
                    "type": "authorized" if ok else "issuer_declined"},
        "paid": ok, "payment_intent": ch.payment_intent,
        "payment_method": f"pm_{ch.customer[4:18]}",
        "payment_method_details": {"card": {"brand": "visa", "country": party.country,
                                            "exp_month": 8, "exp_year": 2029,
                                            "funding": "credit", "last4": "4242",
                                            "network": "visa"}, "type": "card"},
        "receipt_email": party.email, "receipt_number": None,
        "receipt_url": f"https://pay.stripe.com/receipts/{ch.id}", "refunded":
        ch.amount_refunded >= ch.amount and ok,
        "review": None, "shipping": None, "source_transfer": None,
        "statement_descriptor": None, "status": ch.status, "transfer_data": None,
        "transfer_group": None}
    if ch.shape == "classic":
        obj["invoice"] = ch.invoice
    return obj


def refund(re: Refund) -> Obj:
    """A Stripe refund."""
    return {"id": re.id, "object": "refund", "amount": re.amount,
            "balance_transaction": re.balance_transaction, "charge": re.charge,
            "created": re.created, "currency": re.currency, "destination_details": None,
            "metadata": {}, "payment_intent": None, "reason": "requested_by_customer",
            "receipt_number": None, "source_transfer_reversal": None, "status": "succeeded",
            "transfer_reversal": None}


def balance_transaction(txn: str, kind: str, source: str, amount: int, fee: int,
                        currency: str, created: int, available_on: int,
                        payout: str | None) -> Obj:
    """A Stripe balance transaction, with the payout that settled it."""
    return {"id": txn, "object": "balance_transaction", "amount": amount,
            "available_on": available_on, "created": created, "currency": currency,
            "description": None, "exchange_rate": None, "fee": fee,
            "fee_details": [{"amount": fee, "application": None, "currency": currency,
                             "description": "Stripe processing fees", "type": "stripe_fee"}]
            if fee else [], "net": amount - fee, "reporting_category": kind,
            "source": source, "status": "available", "type": kind, "payout": payout}


def payout(po: str, amount: int, currency: str, created: int, arrival: int,
           status: str, txn: str) -> Obj:
    """A Stripe automatic payout."""
    return {"id": po, "object": "payout", "amount": amount, "arrival_date": arrival,
            "automatic": True, "balance_transaction": txn, "created": created,
            "currency": currency, "description": "STRIPE PAYOUT", "destination": "ba_1NwBank",
            "failure_balance_transaction": None, "failure_code": None,
            "failure_message": None, "livemode": False, "metadata": {}, "method": "standard",
            "reconciliation_status": "completed" if status == "paid" else "in_progress",
            "source_type": "card", "statement_descriptor": None, "status": status,
            "type": "bank_account"}


def invoice_payment(ip: InvoicePayment) -> Obj:
    """A Stripe invoice payment (current API)."""
    payment: Obj = {"type": ip.kind}
    if ip.kind == "charge":
        payment["charge"] = ip.charge
    elif ip.kind == "payment_intent":
        payment["payment_intent"] = ip.payment_intent
    else:
        payment["payment_record"] = f"pr_{ip.id[6:20]}"
    return {"id": ip.id, "object": "invoice_payment", "amount_paid":
            ip.amount_paid if ip.status == "paid" else None, "amount_requested": ip.amount_paid,
            "created": ip.created, "currency": ip.currency, "invoice": ip.invoice,
            "is_default": True, "livemode": False, "payment": payment, "status": ip.status,
            "status_transitions": {"canceled_at": ip.created if ip.status == "canceled" else None,
                                   "paid_at": ip.created if ip.status == "paid" else None}}


def credit_note(cn: CreditNote) -> Obj:
    """A Stripe credit note."""
    return {"id": cn.id, "object": "credit_note", "amount": cn.amount, "created": cn.created,
            "currency": cn.currency, "customer": cn.customer, "invoice": cn.invoice,
            "livemode": False, "memo": "Refund", "metadata": {}, "number": None,
            "reason": "order_change", "status": cn.status, "subtotal": cn.amount,
            "total": cn.amount, "type": "post_payment"}


def cloud_event(ev: UsageEvent) -> Obj:
    """A CloudEvents 1.0 structured-mode event."""
    data: Obj = {"value": ev.value}
    if ev.item:
        data["subscription_item"] = ev.item
    return {"specversion": "1.0", "id": ev.id, "source": ev.source, "type": ev.type,
            "subject": ev.subject, "time": iso(ev.time), "datacontenttype": "application/json",
            "data": data}


def _decimal_text(value: Decimal) -> str:
    """Plain decimal text without exponent ('0.05', '1900')."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
