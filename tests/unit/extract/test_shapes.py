"""Both Stripe API shapes in one file, list pages, gzip, blank lines, CRLF, BOM, chunking."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.unit.extract.helpers import extract, reasons, write_lines


def _line(current: bool, ident: str, **extra: Any) -> dict[str, Any]:
    line: dict[str, Any] = {"id": ident, "object": "line_item", "amount": 1500,
                            "currency": "eur", "quantity": 3,
                            "period": {"start": 1780000000, "end": 1782592000},
                            "discount_amounts": [{"amount": 100}, {"amount": 50}], **extra}
    if current:
        line["pricing"] = {"type": "price_details",
                           "price_details": {"price": "price_cur", "product": "prod_1"}}
        line["parent"] = {"type": "subscription_item_details", "subscription_item_details": {
            "subscription_item": "si_cur", "subscription": "sub_cur", "proration": True}}
    else:
        line.update(price={"id": "price_old", "object": "price", "unit_amount": 500},
                    subscription_item="si_old", subscription="sub_old", proration=False)
    return line


def _invoice(current: bool, ident: str) -> dict[str, Any]:
    inv: dict[str, Any] = {
        "id": ident, "object": "invoice", "number": f"N-{ident}", "customer": "cus_1",
        "currency": "eur", "status": "paid", "subtotal": 4500, "total": 5355,
        "amount_paid": 5355, "amount_remaining": 0, "created": 1780000000,
        "status_transitions": {"finalized_at": 1780000100, "paid_at": 1780000200,
                               "voided_at": None},
        "lines": {"object": "list", "data": [_line(current, f"il_{ident}", quantity=3)],
                  "has_more": False}}
    if current:
        inv["parent"] = {"type": "subscription_details",
                         "subscription_details": {"subscription": "sub_cur"}}
        inv["total_taxes"] = [{"amount": 800}, {"amount": 55}]
        inv["lines"]["data"][0]["quantity_decimal"] = "2.5"
    else:
        inv.update(subscription="sub_old", charge="ch_1", tax=855, paid_out_of_band=True)
    return inv


def test_invoices_in_both_shapes_in_one_file(tmp_path: Path) -> None:
    write_lines(tmp_path / "s", "billing/invoices.jsonl",
                [_invoice(False, "in_a"), _invoice(True, "in_b")])
    result = extract(tmp_path / "s", "billing/invoices", tmp_path / "o")
    assert result.quarantine == []
    old, new = result.tables["invoices"]
    assert (old["tax"], old["subscription_id"], old["charge_id"], old["paid_out_of_band"]) == (
        855, "sub_old", "ch_1", True)
    assert (new["tax"], new["subscription_id"], new["charge_id"], new["paid_out_of_band"]) == (
        855, "sub_cur", None, None)
    lo, ln = result.tables["invoice_lines"]
    assert (lo["price_id"], lo["subscription_item_id"], lo["subscription_id"],
            lo["is_proration"], lo["quantity"], lo["discount_amount"]) == (
        "price_old", "si_old", "sub_old", False, Decimal(3), 150)
    assert (ln["price_id"], ln["subscription_item_id"], ln["subscription_id"],
            ln["is_proration"], ln["quantity"], ln["discount_amount"]) == (
        "price_cur", "si_cur", "sub_cur", True, Decimal("2.5"), 150)


def test_subscriptions_classic_discount_and_current_discounts(tmp_path: Path) -> None:
    coupon = {"id": "CPN", "object": "coupon", "percent_off": 12.5, "amount_off": None,
              "currency": None, "duration": "repeating", "duration_in_months": 6}
    base = {"object": "subscription", "customer": {"id": "cus_1", "object": "customer"},
            "status": "active", "currency": "usd", "start_date": 1780000000,
            "billing_cycle_anchor": 1780000000, "created": 1780000000,
            "items": {"object": "list", "data": [
                {"id": "si_1", "price": {"id": "price_1"}, "quantity": 2}]}}
    classic = dict(base, id="sub_classic", discounts=["di_1"],
                   discount={"id": "di_1", "coupon": coupon, "start": 1780000000, "end": None})
    current = dict(base, id="sub_current", discounts=[
        {"id": "di_2", "source": {"type": "coupon", "coupon": coupon}, "start": 1780000000},
        {"id": "di_3", "source": {"type": "coupon", "coupon": dict(
            coupon, id="AMT", percent_off=None, amount_off=500, currency="usd")}}])
    none = dict(base, id="sub_none", discount=None, discounts=[])
    write_lines(tmp_path / "s", "billing/subscriptions.jsonl", [classic, current, none])
    result = extract(tmp_path / "s", "billing/subscriptions", tmp_path / "o")
    assert result.quarantine == []
    assert [s["customer_id"] for s in result.tables["subscriptions"]] == ["cus_1"] * 3
    assert [(d["subscription_id"], d["discount_id"], d["coupon_id"], d["percent_off"],
             d["amount_off"], d["currency"]) for d in result.tables["subscription_discounts"]
            ] == [("sub_classic", "di_1", "CPN", Decimal("12.5"), None, None),
                  ("sub_current", "di_2", "CPN", Decimal("12.5"), None, None),
                  ("sub_current", "di_3", "AMT", None, 500, "usd")]
    assert len(result.tables["subscription_items"]) == 3


def test_price_meter_in_both_places(tmp_path: Path) -> None:
    price = {"object": "price", "product": "prod_1", "currency": "usd", "unit_amount": None,
             "unit_amount_decimal": "0.0395"}
    write_lines(tmp_path / "s", "billing/prices.jsonl", [
        dict(price, id="price_m", recurring={"interval": "month", "interval_count": 1,
                                             "usage_type": "metered", "meter": "mtr_1"}),
        dict(price, id="price_e", metadata={"meter": "api_requests"},
             recurring={"interval": "month", "interval_count": 1, "usage_type": "metered",
                        "meter": None})])
    rows = extract(tmp_path / "s", "billing/prices", tmp_path / "o").tables["prices"]
    assert [(p["meter_id"], p["meter_event_name"], p["unit_amount_decimal"]) for p in rows] == [
        ("mtr_1", None, Decimal("0.0395")), (None, "api_requests", Decimal("0.0395"))]


def test_list_pages_gzip_blank_lines_crlf_and_bom(tmp_path: Path) -> None:
    charge = {"object": "charge", "amount": 100, "currency": "usd", "status": "succeeded",
              "created": 1780000000}
    page = {"object": "list", "data": [dict(charge, id="ch_2"), dict(charge, currency="xyz",
                                                                     id="ch_3"),
                                       dict(charge, id="ch_4")], "has_more": False}
    write_lines(tmp_path / "s", "payments/charges.jsonl.gz", [
        b"\xef\xbb\xbf" + b'{"id":"ch_1","object":"charge","amount":100,"currency":"usd",'
        b'"status":"succeeded","created":1780000000}\r', "", "   ", page,
        dict(charge, id="ch_5", invoice={"id": "in_9", "object": "invoice"})])
    result = extract(tmp_path / "s", "payments/charges", tmp_path / "o")
    rows = result.tables["charges"]
    assert [(r["charge_id"], r["_line"]) for r in rows] == [
        ("ch_1", 1), ("ch_2", 4), ("ch_4", 4), ("ch_5", 5)]
    assert rows[-1]["invoice_id"] == "in_9"
    assert reasons(result) == [(4, "data[1]: unknown currency: xyz")]
    [count] = result.counts
    assert (count["file"], count["rows_read"], count["rows_loaded"]) == (
        "payments/charges.jsonl.gz", 5, 4)


def test_small_chunks_give_the_same_rows(tmp_path: Path) -> None:
    invoices = [_invoice(n % 2 == 0, f"in_{n}") for n in range(40)]
    lines: list[Any] = [*invoices[:10], "{bad", *invoices[10:25],
                        {"object": "list", "data": invoices[25:]}]
    write_lines(tmp_path / "s", "billing/invoices.jsonl", lines)
    whole = extract(tmp_path / "s", "billing/invoices", tmp_path / "a")
    small = extract(tmp_path / "s", "billing/invoices", tmp_path / "b", chunk_bytes=700,
                    workers=3)
    assert small.arrow["invoices"].equals(whole.arrow["invoices"])
    assert small.arrow["invoice_lines"].equals(whole.arrow["invoice_lines"])
    assert reasons(small) == reasons(whole) == [(11, "bad JSON")]
    assert [r["_line"] for r in whole.tables["invoices"]][-16:] == [26] + [27] * 15
