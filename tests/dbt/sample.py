"""A small hand-made raw zone (cycle 2026-09) that touches every rule of the canonical model:
each customer resolution rule and a duplicate, a Jan 31 anchor, a trial, a cancellation, an
incomplete subscription, discounts, finalized and draft invoices, both ways of linking a
charge to an invoice, a reversed journal, JPY and KWD amounts, and usage in tenths with a
redelivery and an orphan."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

Row = dict[str, Any]


def at(text: str) -> datetime:
    """UTC instant of ``YYYY-MM-DD[ HH:MM[:SS[.fff]]]``."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


D = Decimal

CUSTOMERS: list[Row] = [
    {"customer_id": "cus_ref", "name": "Acme", "currency": "usd", "country": "US",
     "legal_entity": "US01", "erp_customer_code": "E_WRONG", "created_at": at("2025-12-01")},
    {"customer_id": "cus_tax", "name": "Tax Co", "currency": "eur", "country": "DE",
     "legal_entity": "DE01", "tax_id": "de 123 456-789", "created_at": at("2026-01-01")},
    {"customer_id": "cus_name", "name": "Blue Analytics, L.L.C.", "currency": "usd",
     "country": "us", "legal_entity": "US01", "created_at": at("2026-01-01")},
    {"customer_id": "cus_dup", "name": "Northern Analytics Ltd", "currency": "gbp",
     "country": "GB", "legal_entity": "US01", "created_at": at("2026-01-01")},
    {"customer_id": "cus_jpy", "name": "Kabushiki", "currency": "jpy", "country": "JP",
     "legal_entity": "US01", "erp_customer_code": "E_JPY", "created_at": at("2026-01-01")},
]

ERP_CUSTOMERS: list[Row] = [
    {"customer_code": "E_REF", "name": "ACME INC", "entity_code": "US01", "currency": "USD",
     "country": "US", "external_ref": "cus_ref"},
    {"customer_code": "E_WRONG", "name": "Other", "entity_code": "US01", "currency": "USD",
     "country": "US"},
    {"customer_code": "E_TAX", "name": "Tax GmbH", "entity_code": "DE01", "currency": "EUR",
     "country": "DE", "tax_id": "DE123456789"},
    {"customer_code": "E_NAME", "name": "BLUE ANALYTICS LLC", "entity_code": "US01",
     "currency": "USD", "country": "US"},
    {"customer_code": "E_DUP1", "name": "NORTHERN ANALYTICS, LTD.", "entity_code": "US01",
     "currency": "GBP", "country": "GB"},
    {"customer_code": "E_DUP2", "name": "Northern Analytics Limited", "entity_code": "US01",
     "currency": "GBP", "country": "GB"},
    {"customer_code": "E_JPY", "name": "Kabushiki KK", "entity_code": "US01", "currency": "JPY",
     "country": "JP"},
]

CRM_ACCOUNTS: list[Row] = [
    {"account_id": "acc_ref", "name": "Acme", "billing_customer_id": "cus_ref"},
    {"account_id": "acc_tax", "name": "Tax", "erp_customer_code": "E_TAX"},
]

PRICES: list[Row] = [
    {"price_id": "price_lic", "product_id": "prod_seat", "currency": "usd", "unit_amount": 1000,
     "interval": "month", "interval_count": 1, "usage_type": "licensed"},
    {"price_id": "price_half", "product_id": "prod_seat", "currency": "usd", "unit_amount": 2,
     "unit_amount_decimal": D("2.5"), "interval": "month", "interval_count": 1,
     "usage_type": "licensed"},
    {"price_id": "price_year", "product_id": "prod_seat", "currency": "eur",
     "unit_amount": 12000, "interval": "year", "interval_count": 1, "usage_type": "licensed"},
    {"price_id": "price_eur", "product_id": "prod_seat", "currency": "eur",
     "unit_amount": 1200, "interval": "month", "interval_count": 1, "usage_type": "licensed"},
    {"price_id": "price_api", "product_id": "prod_api", "currency": "usd", "unit_amount": 1,
     "unit_amount_decimal": D("0.5"), "interval": "month", "interval_count": 1,
     "usage_type": "metered", "meter_id": "mtr_api"},
    {"price_id": "price_storage", "product_id": "prod_storage", "currency": "jpy",
     "unit_amount": 3, "interval": "month", "interval_count": 1, "usage_type": "metered",
     "meter_event_name": "storage_gb"},
    {"price_id": "price_week", "product_id": "prod_seat", "currency": "usd", "unit_amount": 70,
     "interval": "week", "interval_count": 2, "usage_type": "licensed"},
]

SUBSCRIPTIONS: list[Row] = [
    {"subscription_id": "sub_jan31", "customer_id": "cus_ref", "status": "active",
     "currency": "usd", "start_at": at("2026-01-31 10:30"),
     "billing_cycle_anchor_at": at("2026-01-31 10:30"), "created_at": at("2026-01-31 10:30")},
    {"subscription_id": "sub_trial", "customer_id": "cus_tax", "status": "active",
     "currency": "eur", "start_at": at("2026-07-01"), "billing_cycle_anchor_at": at("2026-07-15"),
     "trial_end_at": at("2026-08-15"), "created_at": at("2026-07-01")},
    {"subscription_id": "sub_canceled", "customer_id": "cus_name", "status": "canceled",
     "currency": "usd", "start_at": at("2026-06-10 08:00"),
     "billing_cycle_anchor_at": at("2026-06-10 08:00"), "canceled_at": at("2026-09-20 12:00"),
     "cancel_at": at("2026-12-01"), "created_at": at("2026-06-10 08:00")},
    {"subscription_id": "sub_incomplete", "customer_id": "cus_dup", "status": "incomplete",
     "currency": "gbp", "start_at": at("2026-09-01"), "billing_cycle_anchor_at": at("2026-09-01"),
     "created_at": at("2026-09-01")},
    {"subscription_id": "sub_storage", "customer_id": "cus_jpy", "status": "active",
     "currency": "jpy", "start_at": at("2026-08-01"), "billing_cycle_anchor_at": at("2026-08-01"),
     "created_at": at("2026-08-01")},
]

SUBSCRIPTION_ITEMS: list[Row] = [
    {"subscription_item_id": "si_jan31_seat", "subscription_id": "sub_jan31",
     "price_id": "price_lic", "quantity": 3},
    {"subscription_item_id": "si_jan31_half", "subscription_id": "sub_jan31",
     "price_id": "price_half", "quantity": 1},
    {"subscription_item_id": "si_jan31_api", "subscription_id": "sub_jan31",
     "price_id": "price_api"},
    {"subscription_item_id": "si_trial", "subscription_id": "sub_trial",
     "price_id": "price_eur", "quantity": 1},
    {"subscription_item_id": "si_year", "subscription_id": "sub_canceled",
     "price_id": "price_year", "quantity": 1},
    {"subscription_item_id": "si_canceled", "subscription_id": "sub_canceled",
     "price_id": "price_week", "quantity": 2},
    {"subscription_item_id": "si_incomplete", "subscription_id": "sub_incomplete",
     "price_id": "price_lic", "quantity": 1},
    {"subscription_item_id": "si_storage", "subscription_id": "sub_storage",
     "price_id": "price_storage"},
]

SUBSCRIPTION_DISCOUNTS: list[Row] = [
    {"subscription_id": "sub_jan31", "discount_id": "di_pct", "coupon_id": "co_10",
     "percent_off": D("10"), "duration": "forever", "start_at": at("2026-01-31 10:30")},
    {"subscription_id": "sub_jan31", "discount_id": "di_amt", "coupon_id": "co_500",
     "amount_off": 500, "currency": "usd", "duration": "repeating", "duration_in_months": 9,
     "start_at": at("2026-01-31 10:30")},
    {"subscription_id": "sub_canceled", "discount_id": "di_once", "coupon_id": "co_once",
     "percent_off": D("50"), "duration": "once", "start_at": at("2026-09-01")},
]

INVOICES: list[Row] = [
    {"invoice_id": "in_seat_sep", "customer_id": "cus_ref", "currency": "usd", "status": "paid",
     "subtotal": 3002, "total": 2202, "tax": 0, "amount_paid": 2202, "amount_remaining": 0,
     "created_at": at("2026-08-31 10:30"), "finalized_at": at("2026-08-31 11:30"),
     "paid_at": at("2026-09-01 09:00"), "subscription_id": "sub_jan31", "charge_id": "ch_classic"},
    {"invoice_id": "in_api_aug", "customer_id": "cus_ref", "currency": "usd", "status": "open",
     "subtotal": 1, "total": 1, "amount_paid": 0, "amount_remaining": 1,
     "created_at": at("2026-09-01 10:30"), "finalized_at": at("2026-09-01 11:30"),
     "subscription_id": "sub_jan31"},
    {"invoice_id": "in_oob", "customer_id": "cus_tax", "currency": "eur", "status": "paid",
     "subtotal": 1200, "total": 1200, "amount_paid": 1200, "amount_remaining": 0,
     "created_at": at("2026-08-15"), "finalized_at": at("2026-08-15 01:00"),
     "paid_at": at("2026-09-02"), "subscription_id": "sub_trial"},
    {"invoice_id": "in_draft", "customer_id": "cus_name", "currency": "usd", "status": "draft",
     "subtotal": 140, "total": 140, "created_at": at("2026-09-25"),
     "subscription_id": "sub_canceled"},
    {"invoice_id": "in_kwd", "customer_id": "cus_jpy", "currency": "kwd", "status": "paid",
     "subtotal": 1234, "total": 1234, "amount_paid": 1234, "amount_remaining": 0,
     "paid_out_of_band": True, "created_at": at("2026-09-05"), "finalized_at": at("2026-09-05")},
]

INVOICE_LINES: list[Row] = [
    {"invoice_line_id": "il_seat", "invoice_id": "in_seat_sep", "amount": 3000,
     "currency": "usd", "quantity": D("3"), "period_start_at": at("2026-08-31 10:30"),
     "period_end_at": at("2026-09-30 10:30"), "discount_amount": 800, "price_id": "price_lic",
     "subscription_item_id": "si_jan31_seat", "is_proration": False},
    {"invoice_line_id": "il_half", "invoice_id": "in_seat_sep", "amount": 2, "currency": "usd",
     "quantity": D("1"), "period_start_at": at("2026-08-31 10:30"),
     "period_end_at": at("2026-09-30 10:30"), "discount_amount": 0,
     "subscription_item_id": "si_jan31_half", "subscription_id": "sub_jan31"},
    {"invoice_line_id": "il_api", "invoice_id": "in_api_aug", "amount": 1, "currency": "usd",
     "quantity": D("0.3"), "period_start_at": at("2026-07-31 10:30"),
     "period_end_at": at("2026-08-31 10:30"), "price_id": "price_api",
     "subscription_item_id": "si_jan31_api", "is_proration": False},
    {"invoice_line_id": "il_trial", "invoice_id": "in_oob", "amount": 1200, "currency": "eur",
     "quantity": D("1"), "period_start_at": at("2026-08-15"), "period_end_at": at("2026-09-15"),
     "price_id": "price_eur", "subscription_item_id": "si_trial", "is_proration": False},
    {"invoice_line_id": "il_week", "invoice_id": "in_draft", "amount": 140, "currency": "usd",
     "quantity": D("2"), "period_start_at": at("2026-09-16 08:00"),
     "period_end_at": at("2026-09-20 12:00"), "price_id": "price_week",
     "subscription_item_id": "si_canceled", "is_proration": True},
]

CHARGES: list[Row] = [
    {"charge_id": "ch_classic", "amount": 2202, "amount_captured": 2202, "captured": True,
     "amount_refunded": 100, "currency": "usd", "status": "succeeded", "paid": True,
     "customer_id": "cus_ref", "created_at": at("2026-09-01 09:00"),
     "balance_transaction_id": "txn_ch_classic", "payment_intent_id": "pi_classic"},
    {"charge_id": "ch_intent", "amount": 1, "captured": True, "currency": "usd",
     "status": "succeeded", "paid": True, "customer_id": "cus_ref",
     "created_at": at("2026-09-02"), "payment_intent_id": "pi_api"},
    {"charge_id": "ch_uncaptured", "amount": 500, "captured": False, "currency": "usd",
     "status": "succeeded", "paid": True, "customer_id": "cus_ref",
     "created_at": at("2026-09-03")},
    {"charge_id": "ch_failed", "amount": 500, "currency": "usd", "status": "failed",
     "paid": False, "customer_id": "cus_name", "created_at": at("2026-09-30 23:59:59")},
]

INVOICE_PAYMENTS: list[Row] = [
    {"invoice_payment_id": "inpay_api", "invoice_id": "in_api_aug",
     "payment_type": "payment_intent", "payment_intent_id": "pi_api", "amount_paid": 1,
     "currency": "usd", "status": "paid", "created_at": at("2026-09-02")},
    {"invoice_payment_id": "inpay_oob", "invoice_id": "in_oob", "payment_type": "payment_record",
     "amount_paid": 1200, "currency": "eur", "status": "paid", "created_at": at("2026-09-02")},
    {"invoice_payment_id": "inpay_open", "invoice_id": "in_draft", "payment_type": "charge",
     "charge_id": "ch_failed", "amount_paid": 0, "currency": "usd", "status": "open",
     "created_at": at("2026-09-30")},
]

REFUNDS: list[Row] = [
    {"refund_id": "re_1", "charge_id": "ch_classic", "amount": 100, "currency": "usd",
     "status": "succeeded", "created_at": at("2026-09-10"), "balance_transaction_id": "txn_re_1"},
]

BALANCE_TRANSACTIONS: list[Row] = [
    {"balance_transaction_id": "txn_ch_classic", "type": "charge", "source_id": "ch_classic",
     "amount": 2202, "fee": 94, "net": 2108, "currency": "usd", "created_at": at("2026-09-01"),
     "available_on_at": at("2026-09-03"), "payout_id": "po_1"},
    {"balance_transaction_id": "txn_re_1", "type": "refund", "source_id": "re_1",
     "amount": -100, "fee": 0, "net": -100, "currency": "usd", "created_at": at("2026-09-10"),
     "available_on_at": at("2026-09-10"), "payout_id": "po_1"},
    {"balance_transaction_id": "txn_po_1", "type": "payout", "source_id": "po_1",
     "amount": -2008, "fee": 0, "net": -2008, "currency": "usd", "created_at": at("2026-09-12"),
     "available_on_at": at("2026-09-12"), "payout_id": "po_1"},
]

PAYOUTS: list[Row] = [
    {"payout_id": "po_1", "amount": 2008, "currency": "usd", "status": "paid",
     "arrival_at": at("2026-09-14"), "created_at": at("2026-09-12")},
    {"payout_id": "po_2", "amount": 50, "currency": "usd", "status": "failed",
     "arrival_at": at("2026-10-01"), "created_at": at("2026-09-29")},
]

GL_ACCOUNTS: list[Row] = [
    {"account_code": "1100", "name": "Receivables", "role": "AR"},
    {"account_code": "2400", "name": "Deferred revenue", "role": "DEFERRED_REVENUE"},
    {"account_code": "4000", "name": "Revenue", "role": "REVENUE"},
    {"account_code": "1050", "name": "Gateway clearing", "role": "GATEWAY_CLEARING"},
    {"account_code": "6100", "name": "Gateway fees", "role": "GATEWAY_FEES"},
    {"account_code": "1000", "name": "Bank", "role": "CASH"},
]


def _journal(journal_id: str, kind: str, ref: str, lines: list[tuple[str, str, str]],
             currency: str = "USD", period: str = "2026-09", **extra: Any) -> list[Row]:
    return [
        {"entity_code": "US01", "journal_id": journal_id, "line_no": n, "period": period,
         "posting_date": date(int(period[:4]), int(period[5:]), 15), "account_code": account,
         "debit": D(debit), "credit": D(credit), "currency": currency, "document_type": kind,
         "document_ref": ref, **extra}
        for n, (account, debit, credit) in enumerate(lines, start=1)
    ]


GL_JOURNAL_LINES: list[Row] = [
    *_journal("J1", "INVOICE", "in_seat_sep", [("1100", "22.02", "0"), ("2400", "0", "22.02")],
              period="2026-08"),
    *_journal("J2", "INVOICE", "in_seat_sep", [("1100", "22.02", "0"), ("2400", "0", "22.02")],
              period="2026-08"),
    *_journal("J3", "REVERSAL", "in_seat_sep", [("1100", "0", "22.02"), ("2400", "22.02", "0")],
              period="2026-08", reversal_of="J2"),
    *_journal("J4", "PAYMENT", "ch_classic", [("1050", "22.02", "0"), ("1100", "0", "22.02")]),
    *_journal("J5", "FEE", "ch_classic", [("6100", "0.94", "0"), ("1050", "0", "0.94")]),
    *_journal("J6", "REFUND", "re_1", [("1100", "1.00", "0"), ("1050", "0", "1.00")]),
    *_journal("J7", "PAYOUT", "po_1", [("1000", "20.08", "0"), ("1050", "0", "20.08")]),
    *_journal("J8", "REVREC", "in_seat_sep", [("2400", "22.02", "0"), ("4000", "0", "22.02")]),
    # KWD has three decimals (fils): 1.234 KWD posts the invoice's 1234 fils exactly.
    *_journal("J9", "INVOICE", "in_kwd", [("1100", "1.234", "0"), ("4000", "0", "1.234")],
              currency="KWD"),
    *_journal("J10", "INVOICE", "in_jpy", [("1100", "1500.50", "0"), ("4000", "0", "1500.50")],
              currency="JPY"),
]

USAGE_EVENTS: list[Row] = [
    *({"event_source": "//meter/api", "event_id": f"e{n}", "type": "api_requests",
       "subject": "cus_ref", "event_at": at(f"2026-08-{10 + n} 12:00:00.250"),
       "value": D("0.1")} for n in range(3)),
    {"event_source": "//meter/api", "event_id": "e0", "type": "api_requests",
     "subject": "cus_ref", "event_at": at("2026-08-10 12:00:00.250"), "value": D("0.1")},
    {"event_source": "//meter/api", "event_id": "e_sep", "type": "api_requests",
     "subject": "cus_ref", "event_at": at("2026-09-15"), "value": D("1234.000000000001"),
     "subscription_item_id": "si_jan31_api"},
    {"event_source": "//meter/storage", "event_id": "s1", "type": "storage_gb",
     "subject": "cus_jpy", "event_at": at("2026-09-30 23:59:59.999"), "value": D("2.5")},
    {"event_source": "//meter/gpu", "event_id": "g1", "type": "gpu_hours",
     "subject": "cus_ref", "event_at": at("2026-09-05"), "value": D("7")},
    {"event_source": "//meter/api", "event_id": "e_unknown", "type": "api_requests",
     "subject": "cus_nobody", "event_at": at("2026-09-05"), "value": D("1")},
]

LEGAL_ENTITIES: list[Row] = [
    {"entity_code": "US01", "name": "Acme Inc", "functional_currency": "USD", "country": "US"},
    {"entity_code": "DE01", "name": "Acme GmbH", "functional_currency": "eur", "country": "DE"},
]

FX_RATES: list[Row] = [
    {"rate_date": date(2026, 9, 28), "currency": "EUR", "rate_to_reporting": Decimal("1.08")},
    {"rate_date": date(2026, 9, 30), "currency": "EUR",
     "rate_to_reporting": Decimal("1.0812345678")},
    {"rate_date": date(2026, 9, 29), "currency": "JPY",
     "rate_to_reporting": Decimal("0.00668539")},
    {"rate_date": date(2026, 9, 30), "currency": "USD", "rate_to_reporting": Decimal("1")},
]

SAMPLE: dict[tuple[str, str], list[Row]] = {
    ("billing", "customers"): CUSTOMERS,
    ("billing", "products"): [{"product_id": p, "name": p} for p in
                              ("prod_seat", "prod_api", "prod_storage")],
    ("billing", "prices"): PRICES,
    ("billing", "meters"): [{"meter_id": "mtr_api", "event_name": "api_requests"}],
    ("billing", "subscriptions"): SUBSCRIPTIONS,
    ("billing", "subscription_items"): SUBSCRIPTION_ITEMS,
    ("billing", "subscription_discounts"): SUBSCRIPTION_DISCOUNTS,
    ("billing", "invoices"): INVOICES,
    ("billing", "invoice_lines"): INVOICE_LINES,
    ("billing", "credit_notes"): [
        {"credit_note_id": "cn_1", "invoice_id": "in_seat_sep", "customer_id": "cus_ref",
         "amount": 100, "currency": "usd", "status": "issued", "created_at": at("2026-09-10")}],
    ("payments", "charges"): CHARGES,
    ("payments", "invoice_payments"): INVOICE_PAYMENTS,
    ("payments", "refunds"): REFUNDS,
    ("payments", "balance_transactions"): BALANCE_TRANSACTIONS,
    ("payments", "payouts"): PAYOUTS,
    ("erp", "gl_accounts"): GL_ACCOUNTS,
    ("erp", "erp_customers"): ERP_CUSTOMERS,
    ("erp", "gl_journal_lines"): GL_JOURNAL_LINES,
    ("usage", "events"): USAGE_EVENTS,
    ("crm", "accounts"): CRM_ACCOUNTS,
    ("reference", "legal_entities"): LEGAL_ENTITIES,
    ("reference", "fx_rates"): FX_RATES,
}
