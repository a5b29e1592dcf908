"""Every genuine Stripe sample (current API shape) is read without losing a field docs/sources.md
names; CloudEvents examples without a usage value are quarantined, not dropped."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from tests.unit.extract.helpers import SAMPLES, extract, reasons, sample, write_lines

T0 = datetime.fromtimestamp(1234567890, UTC)


def _one(tmp_path: Path, name: str, rel: str, obj: object) -> dict[str, list[dict[str, object]]]:
    write_lines(tmp_path / "src", rel, [obj])
    result = extract(tmp_path / "src", name, tmp_path / "out")
    assert result.quarantine == []
    return result.tables


def test_customer(tmp_path: Path) -> None:
    [row] = _one(tmp_path, "billing/customers", "billing/customers.jsonl",
                 sample("customer"))["customers"]
    assert row == {"customer_id": "cus_QXg1o8vcGmoR32", "name": None, "email": None,
                   "currency": "usd", "country": None, "created_at": T0, "legal_entity": None,
                   "crm_account_id": None, "erp_customer_code": None, "tax_id": None,
                   "_file": "billing/customers.jsonl", "_line": 1}


def test_product_and_price(tmp_path: Path) -> None:
    [product] = _one(tmp_path, "billing/products", "billing/products.jsonl",
                     sample("product"))["products"]
    assert (product["product_id"], product["name"]) == ("prod_QXg1hqf4jFNsqG", "T-shirt")
    [price] = _one(tmp_path, "billing/prices", "billing/prices.jsonl",
                   sample("price"))["prices"]
    assert price == {"price_id": "price_1PgafmB7WZ01zgkW6dKueIc5",
                     "product_id": "prod_QXg1hqf4jFNsqG", "currency": "usd",
                     "unit_amount": 2000, "unit_amount_decimal": Decimal("2000"),
                     "interval": "month", "interval_count": 1, "usage_type": "licensed",
                     "meter_id": None, "meter_event_name": None,
                     "_file": "billing/prices.jsonl", "_line": 1}


def test_subscription_with_item_and_current_discount(tmp_path: Path) -> None:
    sub = sample("subscription")
    sub["items"]["data"].append(sample("subscription_item"))
    discount = sample("discount")
    discount["source"]["coupon"] = sample("coupon")
    sub["discounts"] = [discount]
    tables = _one(tmp_path, "billing/subscriptions", "billing/subscriptions.jsonl", sub)
    [row] = tables["subscriptions"]
    assert row == {"subscription_id": "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw",
                   "customer_id": "cus_QXg1o8vcGmoR32", "status": "active", "currency": "usd",
                   "start_at": T0, "billing_cycle_anchor_at": T0, "trial_end_at": T0,
                   "canceled_at": T0, "ended_at": T0, "cancel_at": T0, "created_at": T0,
                   "_file": "billing/subscriptions.jsonl", "_line": 1}
    assert [(i["subscription_item_id"], i["subscription_id"], i["price_id"], i["quantity"])
            for i in tables["subscription_items"]] == [
        ("si_QXhVnC2h0Jczwc", "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw", "price_1PgafmB7WZ01zgkW6dKueIc5", 1),
        ("si_QXhVBoJ7NQdNXh", "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw", "price_1PgafmB7WZ01zgkW6dKueIc5", 1),
    ]
    [disc] = tables["subscription_discounts"]
    assert disc == {"subscription_id": "sub_1Pgc6rB7WZ01zgkWNy0Cn5nw",
                    "discount_id": "di_1Pgc6rB7WZ01zgkW7Al8Fal9", "coupon_id": "Z4OV52SU",
                    "percent_off": Decimal("25.5"), "amount_off": None, "currency": "usd",
                    "duration": "forever", "duration_in_months": 3, "start_at": T0,
                    "end_at": T0, "_file": "billing/subscriptions.jsonl", "_line": 1}


def test_invoice_and_its_line(tmp_path: Path) -> None:
    invoice = sample("invoice")
    invoice["lines"]["data"].append(sample("line_item"))
    tables = _one(tmp_path, "billing/invoices", "billing/invoices.jsonl", invoice)
    [row] = tables["invoices"]
    assert row == {"invoice_id": "in_1Pgc6tB7WZ01zgkWu9fdqL6I", "number": None,
                   "customer_id": "cus_QXg1o8vcGmoR32", "currency": "usd", "status": "draft",
                   "subtotal": 1000, "total": 1000, "tax": None, "amount_paid": 0,
                   "amount_remaining": 1000, "paid_out_of_band": None, "created_at": T0,
                   "finalized_at": None, "paid_at": None, "voided_at": None,
                   "subscription_id": "subscription", "charge_id": None,
                   "_file": "billing/invoices.jsonl", "_line": 1}
    period = datetime.fromtimestamp(1721954054, UTC)
    expected = {"invoice_id": "in_1Pgc6tB7WZ01zgkWu9fdqL6I", "amount": 1000, "currency": "usd",
                "quantity": Decimal(1), "period_start_at": period, "period_end_at": period,
                "discount_amount": 0, "price_id": None,
                "subscription_item_id": "subscription_item", "subscription_id": "subscription",
                "is_proration": True, "_file": "billing/invoices.jsonl", "_line": 1}
    assert [line["invoice_line_id"] for line in tables["invoice_lines"]] == [
        "il_1Pgc6sB7WZ01zgkWFnxLrLCq", "il_tmp_1Pgc6sB7WZ01zgkWrG16hkdl"]
    for line in tables["invoice_lines"]:
        assert {k: v for k, v in line.items() if k != "invoice_line_id"} == expected


def test_credit_note(tmp_path: Path) -> None:
    [row] = _one(tmp_path, "billing/credit_notes", "billing/credit_notes.jsonl",
                 sample("credit_note"))["credit_notes"]
    assert row == {"credit_note_id": "cn_1Pgc75B7WZ01zgkWJMPt5riP",
                   "invoice_id": "in_1Pgc75B7WZ01zgkWYv4iMwt7",
                   "customer_id": "cus_QXg1o8vcGmoR32", "amount": 1690, "currency": "usd",
                   "status": "issued", "created_at": T0,
                   "_file": "billing/credit_notes.jsonl", "_line": 1}


def test_charge_raw_amounts(tmp_path: Path) -> None:
    [row] = _one(tmp_path, "payments/charges", "payments/charges.jsonl",
                 sample("charge"))["charges"]
    assert row == {"charge_id": "ch_1PgafuB7WZ01zgkWXYmPNZs8", "amount": 100,
                   "amount_captured": 0, "captured": False, "amount_refunded": 0,
                   "currency": "usd", "status": "succeeded", "paid": True, "customer_id": None,
                   "created_at": T0, "balance_transaction_id": "txn_1PgaxNB7WZ01zgkWEV3TLf40",
                   "payment_intent_id": None, "invoice_id": None,
                   "_file": "payments/charges.jsonl", "_line": 1}


def test_refund_balance_transaction_payout(tmp_path: Path) -> None:
    [refund] = _one(tmp_path / "r", "payments/refunds", "payments/refunds.jsonl",
                    sample("refund"))["refunds"]
    assert (refund["refund_id"], refund["charge_id"], refund["amount"], refund["currency"],
            refund["status"], refund["created_at"], refund["balance_transaction_id"]) == (
        "re_1Pgc72B7WZ01zgkWqPvrRrPE", "ch_1PgafuB7WZ01zgkWXYmPNZs8", 100, "usd",
        "succeeded", T0, None)
    [txn] = _one(tmp_path / "b", "payments/balance_transactions",
                 "payments/balance_transactions.jsonl.gz",
                 sample("balance_transaction"))["balance_transactions"]
    assert (txn["balance_transaction_id"], txn["type"], txn["source_id"], txn["amount"],
            txn["fee"], txn["net"], txn["currency"], txn["created_at"], txn["available_on_at"],
            txn["payout_id"]) == ("txn_1PgaxNB7WZ01zgkWEV3TLf40", "charge",
                                  "ch_1PgafuB7WZ01zgkWXYmPNZs8", 100, 0, 100, "usd", T0, T0,
                                  None)
    [payout] = _one(tmp_path / "p", "payments/payouts", "payments/payouts.jsonl",
                    sample("payout"))["payouts"]
    assert (payout["payout_id"], payout["amount"], payout["currency"], payout["status"],
            payout["arrival_at"], payout["created_at"]) == (
        "po_1Pgc79B7WZ01zgkWu1KToYf4", 1100, "usd", "in_transit", T0, T0)


def test_invoice_payment_placeholder_currency_is_quarantined(tmp_path: Path) -> None:
    """The fixture's currency is the placeholder "currency": unknown, so quarantined; the same
    object with a real currency is read field by field."""
    fixed = dict(sample("invoice_payment"), currency="usd", amount_paid=1000)
    write_lines(tmp_path / "src", "payments/invoice_payments.jsonl",
                [sample("invoice_payment"), fixed])
    result = extract(tmp_path / "src", "payments/invoice_payments", tmp_path / "out")
    assert reasons(result) == [(1, "unknown currency: currency")]
    [row] = result.tables["invoice_payments"]
    assert row == {"invoice_payment_id": "obj_123", "invoice_id": "invoice",
                   "payment_type": "payment_intent", "charge_id": None,
                   "payment_intent_id": None, "amount_paid": 1000, "currency": "usd",
                   "status": "status", "created_at": datetime.fromtimestamp(1028554472, UTC),
                   "_file": "payments/invoice_payments.jsonl", "_line": 2}


def test_cloudevents_examples_without_a_value_are_quarantined(tmp_path: Path) -> None:
    examples = json.loads((SAMPLES / "cloudevents" / "json-format-examples.json").read_text())
    with_subject = dict(examples[2], subject="cus_1")
    write_lines(tmp_path / "src", "usage/examples.jsonl", [*examples, with_subject])
    result = extract(tmp_path / "src", "usage/events", tmp_path / "out")
    assert result.tables["events"] == []
    got = dict(reasons(result))
    assert len(got) == len(examples) + 1
    assert got[7] == got[8] == "not a JSON object"
    assert {got[n] for n in range(1, 7)} == {"missing key field: subject"}
    assert got[9] == "missing key field: data.value"
    assert result.counts[0]["rows_read"] == len(examples) + 1
