"""Specs of billing/: Stripe customers, products, prices, meters, subscriptions, invoices and
credit notes, each read in both API shapes (classic, before 2025, and current).
"""

from __future__ import annotations

from recon_pipeline.lib.extract.spec import Child, Spec, f

_DEC = "DECIMAL(38, 12)"

CUSTOMERS = Spec(
    "billing", "customers", ("billing/customers",),
    fields=(
        f("customer_id", "str", "id", required=True), f("name", "str"), f("email", "str"),
        f("currency", "cur"), f("country", "str", "address.country"),
        f("created_at", "ts", "created"), f("legal_entity", "str", "metadata.legal_entity"),
        f("crm_account_id", "str", "metadata.crm_account_id"),
        f("erp_customer_code", "str", "metadata.erp_customer_code"),
        f("tax_id", "str", "tax_ids.data[].value", "metadata.tax_id"),
    ),
    output=(
        "customer_id", "name", "email", "currency", "country", "created_at", "legal_entity",
        "crm_account_id", "erp_customer_code", "tax_id",
    ),
)

PRODUCTS = Spec(
    "billing", "products", ("billing/products",),
    fields=(f("product_id", "str", "id", required=True), f("name", "str")),
    output=("product_id", "name"),
)

_PRICE_FIELDS = (
    f("price_id", "str", "id", required=True), f("product_id", "ref", "product"),
    f("currency", "cur", required=True), f("unit_amount", "int", nonneg=True),
    f("unit_amount_decimal", "decstr"), f("interval", "str", "recurring.interval"),
    f("interval_count", "int", "recurring.interval_count"),
    f("usage_type", "str", "recurring.usage_type"), f("meter_id", "str", "recurring.meter"),
    f("meter_event_name", "str", "metadata.meter"),
)

PRICES = Spec(
    "billing", "prices", ("billing/prices",),
    fields=_PRICE_FIELDS,
    output=tuple(fl.name for fl in _PRICE_FIELDS),
    checks=(("{interval_count} < 1", "impossible value: recurring.interval_count < 1"),),
)

METERS = Spec(
    "billing", "meters", ("billing/meters",),
    fields=(f("meter_id", "str", "id", required=True),
            f("event_name", "str", required=True)),
    output=("meter_id", "event_name"),
)

_TS = ("trial_end_at", "canceled_at", "ended_at", "cancel_at")
SUBSCRIPTIONS = Spec(
    "billing", "subscriptions", ("billing/subscriptions",),
    fields=(
        f("subscription_id", "str", "id", required=True),
        f("customer_id", "ref", "customer", required=True),
        f("status", "str", required=True), f("currency", "cur"),
        f("start_at", "ts", "start_date", required=True),
        f("billing_cycle_anchor_at", "ts", "billing_cycle_anchor", required=True),
        f("trial_end_at", "ts", "trial_end"), f("canceled_at", "ts"), f("ended_at", "ts"),
        f("cancel_at", "ts"),
        f("created_at", "ts", "created"),
    ),
    output=("subscription_id", "customer_id", "status", "currency", "start_at",
            "billing_cycle_anchor_at", *_TS, "created_at"),
    number_keys=("percent_off",),
    children=(
        Child(
            "subscription_items", "items.data",
            fields=(f("subscription_item_id", "str", "id", required=True),
                    f("price_id", "ref", "price", required=True),
                    f("quantity", "int", nonneg=True)),
            output=("subscription_item_id", ("subscription_id", "{^subscription_id}"),
                    "price_id", "quantity"),
        ),
        Child(
            "subscription_discounts", "discounts", fallback_path="discount",
            keep="e['coupon'] IS NOT NULL OR e['source']['coupon'] IS NOT NULL",
            fields=(
                f("discount_id", "str", "id"),
                f("coupon_id", "str", "coupon.id", "source.coupon.id"),
                f("percent_off", "num", "coupon.percent_off", "source.coupon.percent_off"),
                f("amount_off", "int", "coupon.amount_off", "source.coupon.amount_off",
                  nonneg=True),
                f("currency", "cur", "coupon.currency", "source.coupon.currency"),
                f("duration", "str", "coupon.duration", "source.coupon.duration"),
                f("duration_in_months", "int", "coupon.duration_in_months",
                  "source.coupon.duration_in_months"),
                f("start_at", "ts", "start"), f("end_at", "ts", "end"),
            ),
            output=(("subscription_id", "{^subscription_id}"), "discount_id", "coupon_id",
                    "percent_off", "amount_off", "currency", "duration", "duration_in_months",
                    "start_at", "end_at"),
        ),
    ),
)

_STATUSES = "('draft', 'open', 'paid', 'void', 'uncollectible')"
_MONEY = ("subtotal", "total", "amount_paid", "amount_remaining")
INVOICES = Spec(
    "billing", "invoices", ("billing/invoices",),
    fields=(
        f("invoice_id", "str", "id", required=True), f("number", "str"),
        f("customer_id", "ref", "customer", required=True),
        f("currency", "cur", required=True), f("status", "str", required=True),
        *(f(name, "int", required=name == "total") for name in _MONEY),
        f("tax_classic", "int", "tax"), f("tax_current", "sum", "total_taxes[].amount"),
        f("paid_out_of_band", "bool"), f("created_at", "ts", "created", required=True),
        f("finalized_at", "ts", "status_transitions.finalized_at"),
        f("paid_at", "ts", "status_transitions.paid_at"),
        f("voided_at", "ts", "status_transitions.voided_at"),
        f("subscription_id", "ref", "subscription", "parent.subscription_details.subscription"),
        f("charge_id", "ref", "charge"),
    ),
    output=("invoice_id", "number", "customer_id", "currency", "status", *_MONEY,
            ("tax", "COALESCE({tax_classic}, {tax_current})"), "paid_out_of_band",
            "created_at", "finalized_at", "paid_at", "voided_at", "subscription_id",
            "charge_id"),
    checks=((f"{{status}} NOT IN {_STATUSES}", "impossible value: unknown invoice status"),),
    children=(
        Child(
            "invoice_lines", "lines.data",
            fields=(
                f("invoice_line_id", "str", "id", required=True),
                f("amount", "int", required=True), f("currency", "cur"),
                f("quantity_decimal", "decstr"), f("quantity_int", "int", "quantity"),
                f("period_start_at", "ts", "period.start", required=True),
                f("period_end_at", "ts", "period.end", required=True),
                f("discounts", "sum", "discount_amounts[].amount"),
                f("price_id", "ref", "price", "pricing.price_details.price"),
                f("subscription_item_id", "ref", "subscription_item",
                  "parent.subscription_item_details.subscription_item"),
                f("line_subscription", "ref", "subscription",
                  "parent.subscription_item_details.subscription",
                  "parent.invoice_item_details.subscription"),
                f("proration", "bool", "proration",
                  "parent.subscription_item_details.proration",
                  "parent.invoice_item_details.proration"),
            ),
            output=(
                "invoice_line_id", ("invoice_id", "{^invoice_id}"), "amount", "currency",
                ("quantity", f"COALESCE({{quantity_decimal}}, CAST({{quantity_int}} AS {_DEC}))"),
                "period_start_at", "period_end_at",
                ("discount_amount", "COALESCE({discounts}, 0)"), "price_id",
                "subscription_item_id",
                ("subscription_id", "COALESCE({line_subscription}, {^subscription_id})"),
                ("is_proration", "COALESCE({proration}, false)"),
            ),
        ),
    ),
)

CREDIT_NOTES = Spec(
    "billing", "credit_notes", ("billing/credit_notes",),
    fields=(
        f("credit_note_id", "str", "id", required=True),
        f("invoice_id", "ref", "invoice", required=True), f("customer_id", "ref", "customer"),
        f("amount", "int", required=True), f("currency", "cur", required=True),
        f("status", "str", required=True), f("created_at", "ts", "created", required=True),
    ),
    output=("credit_note_id", "invoice_id", "customer_id", "amount", "currency", "status",
            "created_at"),
    optional=True,
)

SPECS = (CUSTOMERS, PRODUCTS, PRICES, METERS, SUBSCRIPTIONS, INVOICES, CREDIT_NOTES)
