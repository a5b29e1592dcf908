"""The raw zone's contract: one Arrow schema per extracted table.

Extraction reads both Stripe API shapes (classic and current) and writes ONE shape per table,
the one below, so that dbt staging only renames and casts. Money from Stripe is ``int64`` in
minor units of the row's currency; ERP money and every quantity or rate is an exact decimal;
times are UTC timestamps (seconds). Every table carries its lineage: ``_file`` (relative to the
sources directory) and ``_line`` (1-based line of the file; for a Stripe list page, the page's
line). Streamed events land in the same tables with ``_file`` naming the stream log segment.

Raw zone layout: ``OUT/raw/<cycle>/<source>/<table>.parquet`` (e.g. ``raw/2026-09/billing/
invoices.parquet``), plus ``OUT/raw/<cycle>/quarantine.parquet``.
"""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("s", tz="UTC")
MONEY = pa.int64()  # Stripe minor units
DEC = pa.decimal128(38, 12)  # exact quantities, unit prices, percentages, rates
ERP_MONEY = pa.decimal128(18, 2)  # ERP major units
STR = pa.string()
INT = pa.int64()
BOOL = pa.bool_()

_LINEAGE = [("_file", STR), ("_line", pa.int32())]


def _schema(*fields: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field(name, kind) for name, kind in (*fields, *_LINEAGE)])


SCHEMAS: dict[tuple[str, str], pa.Schema] = {
    # billing/ --------------------------------------------------------------------------------
    ("billing", "customers"): _schema(
        ("customer_id", STR), ("name", STR), ("email", STR), ("currency", STR),
        ("country", STR), ("created_at", TS), ("legal_entity", STR), ("crm_account_id", STR),
        ("erp_customer_code", STR), ("tax_id", STR)),
    ("billing", "products"): _schema(("product_id", STR), ("name", STR)),
    ("billing", "prices"): _schema(
        ("price_id", STR), ("product_id", STR), ("currency", STR), ("unit_amount", MONEY),
        ("unit_amount_decimal", DEC), ("interval", STR), ("interval_count", INT),
        ("usage_type", STR), ("meter_id", STR), ("meter_event_name", STR)),
    ("billing", "meters"): _schema(("meter_id", STR), ("event_name", STR)),
    ("billing", "subscriptions"): _schema(
        ("subscription_id", STR), ("customer_id", STR), ("status", STR), ("currency", STR),
        ("start_at", TS), ("billing_cycle_anchor_at", TS), ("trial_end_at", TS),
        ("canceled_at", TS), ("ended_at", TS), ("cancel_at", TS), ("created_at", TS)),
    ("billing", "subscription_items"): _schema(
        ("subscription_item_id", STR), ("subscription_id", STR), ("price_id", STR),
        ("quantity", INT)),
    ("billing", "subscription_discounts"): _schema(
        ("subscription_id", STR), ("discount_id", STR), ("coupon_id", STR),
        ("percent_off", DEC), ("amount_off", MONEY), ("currency", STR), ("duration", STR),
        ("duration_in_months", INT), ("start_at", TS), ("end_at", TS)),
    ("billing", "invoices"): _schema(
        ("invoice_id", STR), ("number", STR), ("customer_id", STR), ("currency", STR),
        ("status", STR), ("subtotal", MONEY), ("total", MONEY), ("tax", MONEY),
        ("amount_paid", MONEY), ("amount_remaining", MONEY), ("paid_out_of_band", BOOL),
        ("created_at", TS), ("finalized_at", TS), ("paid_at", TS), ("voided_at", TS),
        ("subscription_id", STR), ("charge_id", STR)),
    ("billing", "invoice_lines"): _schema(
        ("invoice_line_id", STR), ("invoice_id", STR), ("amount", MONEY), ("currency", STR),
        ("quantity", DEC), ("period_start_at", TS), ("period_end_at", TS),
        ("discount_amount", MONEY), ("price_id", STR), ("subscription_item_id", STR),
        ("subscription_id", STR), ("is_proration", BOOL)),
    ("billing", "credit_notes"): _schema(
        ("credit_note_id", STR), ("invoice_id", STR), ("customer_id", STR), ("amount", MONEY),
        ("currency", STR), ("status", STR), ("created_at", TS)),
    # payments/ -------------------------------------------------------------------------------
    ("payments", "charges"): _schema(
        ("charge_id", STR), ("amount", MONEY), ("amount_captured", MONEY), ("captured", BOOL),
        ("amount_refunded", MONEY), ("currency", STR), ("status", STR), ("paid", BOOL),
        ("customer_id", STR), ("created_at", TS), ("balance_transaction_id", STR),
        ("payment_intent_id", STR), ("invoice_id", STR)),
    ("payments", "invoice_payments"): _schema(
        ("invoice_payment_id", STR), ("invoice_id", STR), ("payment_type", STR),
        ("charge_id", STR), ("payment_intent_id", STR), ("amount_paid", MONEY),
        ("currency", STR), ("status", STR), ("created_at", TS)),
    ("payments", "refunds"): _schema(
        ("refund_id", STR), ("charge_id", STR), ("amount", MONEY), ("currency", STR),
        ("status", STR), ("created_at", TS), ("balance_transaction_id", STR)),
    ("payments", "balance_transactions"): _schema(
        ("balance_transaction_id", STR), ("type", STR), ("source_id", STR), ("amount", MONEY),
        ("fee", MONEY), ("net", MONEY), ("currency", STR), ("created_at", TS),
        ("available_on_at", TS), ("payout_id", STR)),
    ("payments", "payouts"): _schema(
        ("payout_id", STR), ("amount", MONEY), ("currency", STR), ("status", STR),
        ("arrival_at", TS), ("created_at", TS)),
    # erp -------------------------------------------------------------------------------------
    ("erp", "gl_accounts"): _schema(("account_code", STR), ("name", STR), ("role", STR)),
    ("erp", "erp_customers"): _schema(
        ("customer_code", STR), ("name", STR), ("entity_code", STR), ("currency", STR),
        ("country", STR), ("tax_id", STR), ("external_ref", STR)),
    ("erp", "gl_journal_lines"): _schema(
        ("entity_code", STR), ("journal_id", STR), ("line_no", INT), ("posting_date",
                                                                     pa.date32()),
        ("period", STR), ("account_code", STR), ("debit", ERP_MONEY), ("credit", ERP_MONEY),
        ("currency", STR), ("document_type", STR), ("document_ref", STR),
        ("customer_code", STR), ("reversal_of", STR)),
    # usage/ ----------------------------------------------------------------------------------
    ("usage", "events"): _schema(
        ("event_source", STR), ("event_id", STR), ("type", STR), ("subject", STR),
        ("event_at", pa.timestamp("ms", tz="UTC")), ("value", DEC),
        ("subscription_item_id", STR)),
    # crm/ and reference/ ---------------------------------------------------------------------
    ("crm", "accounts"): _schema(
        ("account_id", STR), ("name", STR), ("country", STR), ("currency", STR),
        ("legal_entity", STR), ("billing_customer_id", STR), ("erp_customer_code", STR),
        ("tax_id", STR), ("status", STR)),
    ("reference", "legal_entities"): _schema(
        ("entity_code", STR), ("name", STR), ("functional_currency", STR), ("country", STR)),
    ("reference", "fx_rates"): _schema(
        ("rate_date", pa.date32()), ("currency", STR), ("rate_to_reporting", DEC)),
}

#: Rows that could not be read (docs/outputs.md: quarantine.parquet).
QUARANTINE = pa.schema([
    pa.field("source", STR), pa.field("file", STR), pa.field("line", pa.int64()),
    pa.field("record", STR), pa.field("reason", STR),
])

#: Rows read / loaded / quarantined per file, for asset metadata and summary.json.
#: ``rows_read = rows_loaded + rows_quarantined + rows_redelivered``; ``rows_redelivered``
#: (added, only usage events have any) counts valid lines repeating an earlier (source, id),
#: read but not loaded again.
FILE_COUNTS = pa.schema([
    pa.field("source", STR), pa.field("file", STR), pa.field("table", STR),
    pa.field("rows_read", pa.int64()), pa.field("rows_loaded", pa.int64()),
    pa.field("rows_quarantined", pa.int64()), pa.field("rows_redelivered", pa.int64()),
])
