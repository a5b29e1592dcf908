"""Exact decimals end to end, and every kind of unreadable row quarantined at its line while
the rest of the file loads."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tests.unit.extract.helpers import extract, reasons, write_lines


def _event(n: int, value: str, **extra: Any) -> str:
    body = {"specversion": "1.0", "id": f"e{n}", "source": "//meter", "type": "api_requests",
            "subject": "cus_1", "time": "2026-09-15T10:00:00Z", **extra}
    import json

    text = json.dumps(body, separators=(",", ":"))
    return text[:-1] + f',"data":{{"value":{value},"subscription_item":"si_1"}}}}'


def test_usage_values_are_exact(tmp_path: Path) -> None:
    values = ["0.1", "0.1", "0.1", "12345678.901234567891", "0.123456789012", "1e-5", "2.50E2"]
    write_lines(tmp_path / "s", "usage/a.jsonl", [_event(n, v) for n, v in enumerate(values)])
    result = extract(tmp_path / "s", "usage/events", tmp_path / "o")
    assert result.quarantine == []
    table = result.arrow["events"]
    assert table.schema.field("value").type == pa.decimal128(38, 12)
    got = [r["value"] for r in result.tables["events"]]
    assert got == [Decimal("0.1"), Decimal("0.1"), Decimal("0.1"),
                   Decimal("12345678.901234567891"), Decimal("0.123456789012"),
                   Decimal("0.00001"), Decimal("250")]
    assert pc.sum(table.column("value").slice(0, 3)).as_py() == Decimal("0.3")
    assert result.tables["events"][0]["subscription_item_id"] == "si_1"


def test_inexact_or_non_numeric_decimals_are_quarantined(tmp_path: Path) -> None:
    write_lines(tmp_path / "s", "usage/a.jsonl", [
        _event(1, "0.1234567890123"), _event(2, '"5"'), _event(3, "7")])
    result = extract(tmp_path / "s", "usage/events", tmp_path / "o")
    assert reasons(result) == [
        (1, "bad decimal: data.value is not a decimal of at most 12 places"),
        (2, "wrong type: data.value is a string, expected a number")]
    assert [r["value"] for r in result.tables["events"]] == [Decimal(7)]


def test_decimal_strings_and_fx_rates_are_exact(tmp_path: Path) -> None:
    line = {"id": "il_1", "amount": 1, "currency": "usd", "quantity": 1,
            "quantity_decimal": "12345678.901234567891", "period": {"start": 1, "end": 2}}
    invoice = {"id": "in_1", "object": "invoice", "customer": "cus_1", "currency": "usd",
               "status": "open", "total": 1, "created": 1, "lines": {"data": [line]}}
    write_lines(tmp_path / "s", "billing/invoices.jsonl", [invoice])
    result = extract(tmp_path / "s", "billing/invoices", tmp_path / "o")
    assert result.tables["invoice_lines"][0]["quantity"] == Decimal("12345678.901234567891")
    rates = tmp_path / "s" / "reference" / "fx_rates.csv"
    rates.parent.mkdir()
    rates.write_text("date,currency,rate_to_reporting\n2026-09-01,EUR,1.084447123456\n"
                     "2026-09-01,GBP,1.1234567890123\n2026-09-01,JPY,0.1\n")
    fx = extract(tmp_path / "s", "reference/fx_rates", tmp_path / "o")
    assert [r["rate_to_reporting"] for r in fx.tables["fx_rates"]] == [
        Decimal("1.084447123456"), Decimal("0.1")]
    assert reasons(fx) == [(3, "bad value: rate_to_reporting 1.1234567890123 is not an exact "
                               "decimal")]


def test_every_kind_of_bad_json_row_is_quarantined(tmp_path: Path) -> None:
    good = {"id": "re_1", "object": "refund", "amount": 100, "charge": "ch_1",
            "currency": "usd", "status": "succeeded", "created": 1780000000}
    write_lines(tmp_path / "s", "payments/refunds.jsonl", [
        good,                                                    # 1
        b'{"id": "re_2", "amount": 1\xff}',                      # 2 invalid UTF-8
        '{"id": "re_3", "amount": ',                             # 3 bad JSON
        "[1, 2]",                                                # 4 not an object
        dict(good, id=None),                                     # 5 missing id
        dict(good, amount="12.50"),                              # 6 wrong type
        dict(good, currency="xyz"),                              # 7 unknown currency
        dict(good, amount=-5),                                   # 8 impossible value
        dict(good, created=-1),                                  # 9 impossible time
        dict(good, amount=12.0),                                 # 10 not an integer
        dict(good, id="re_11"),                                  # 11
    ])
    result = extract(tmp_path / "s", "payments/refunds", tmp_path / "o")
    assert reasons(result) == [
        (2, "invalid UTF-8"), (3, "bad JSON"), (4, "not a JSON object"),
        (5, "missing key field: id"),
        (6, "wrong type: amount is a string, expected an integer"),
        (7, "unknown currency: xyz"), (8, "impossible value: amount is negative"),
        (9, "impossible value: created is not a Unix time"),
        (10, "wrong type: amount is a number, expected an integer")]
    assert result.quarantine[0]["record"] == '{"id": "re_2", "amount": 1\ufffd}'
    assert result.quarantine[1]["record"] == '{"id": "re_3", "amount": '
    assert [r["refund_id"] for r in result.tables["refunds"]] == ["re_1", "re_11"]
    assert result.counts[0]["rows_read"] == 11


def test_bad_child_row_quarantines_its_invoice(tmp_path: Path) -> None:
    line = {"id": "il_1", "amount": 1, "period": {"start": 1, "end": 2}}
    invoice = {"object": "invoice", "customer": "cus_1", "currency": "usd", "status": "open",
               "total": 1, "created": 1}
    write_lines(tmp_path / "s", "billing/invoices.jsonl", [
        dict(invoice, id="in_1", lines={"data": [line, dict(line, id="il_2", amount="x")]}),
        dict(invoice, id="in_2", lines={"data": [dict(line, id=None)]}),
        dict(invoice, id="in_3", status="weird", lines={"data": [line]}),
        dict(invoice, id="in_4", lines={"data": [line]})])
    result = extract(tmp_path / "s", "billing/invoices", tmp_path / "o")
    assert reasons(result) == [
        (1, "wrong type: lines.data[].amount is a string, expected an integer"),
        (2, "missing key field: lines.data[].id"),
        (3, "impossible value: unknown invoice status")]
    assert [r["invoice_id"] for r in result.tables["invoice_lines"]] == ["in_4"]


def test_usage_quarantine_reasons_and_redeliveries(tmp_path: Path) -> None:
    write_lines(tmp_path / "s", "usage/b.jsonl.gz", [
        _event(1, "5"), _event(2, "-5"), _event(3, "1", time=None),
        _event(4, "1", time="15/09/2026 10h"), _event(5, "1", time="2026-09-15T10:00:00"),
        _event(1, "6")])
    write_lines(tmp_path / "s", "usage/a.jsonl", [_event(1, "7"), _event(9, "1")])
    result = extract(tmp_path / "s", "usage/events", tmp_path / "o")
    assert [(q["file"], q["line"], q["reason"]) for q in result.quarantine] == [
        ("usage/b.jsonl.gz", 2, "negative usage value"),
        ("usage/b.jsonl.gz", 3, "usage event without a time"),
        ("usage/b.jsonl.gz", 4, "unparsable usage time"),
        ("usage/b.jsonl.gz", 5, "unparsable usage time")]
    assert [(r["event_id"], r["value"], r["_file"]) for r in result.tables["events"]] == [
        ("e1", Decimal(7), "usage/a.jsonl"), ("e9", Decimal(1), "usage/a.jsonl")]
    counts = {c["file"]: (c["rows_read"], c["rows_loaded"], c["rows_quarantined"],
                          c["rows_redelivered"]) for c in result.counts}
    assert counts == {"usage/a.jsonl": (2, 2, 0, 0), "usage/b.jsonl.gz": (6, 0, 4, 2)}


def test_csv_rows_with_the_wrong_column_count_or_bytes(tmp_path: Path) -> None:
    path = tmp_path / "s" / "crm" / "accounts.csv"
    path.parent.mkdir(parents=True)
    header = ("account_id,name,country,currency,legal_entity,billing_customer_id,"
              "erp_customer_code,tax_id,status\n")
    path.write_bytes(
        (header + '001A,"Blue, LLC",US,USD,US01,cus_1,USC1,,Active\n'
         "001B,Broken Row Ltd,GB,GBP\n\n"
         '001C,"Multi\nline",GB,GBP,GB01,cus_3,GBC3,GB1,Active\n').encode()
        + b"001D,M\xfcller,DE,EUR,DE01,cus_4,DEC4,DE1,Active\n"
        + b",No id,DE,EUR,DE01,cus_5,DEC5,DE1,Active\n001E,Odd,DE,XYZ,DE01,,,,\n")
    result = extract(tmp_path / "s", "crm/accounts", tmp_path / "o")
    assert reasons(result) == [
        (3, "wrong CSV column count: 4 columns, header has 9"), (7, "invalid UTF-8"),
        (8, "missing key field: account_id"), (9, "unknown currency: XYZ")]
    rows = result.tables["accounts"]
    assert [(r["account_id"], r["name"], r["tax_id"], r["_line"]) for r in rows] == [
        ("001A", "Blue, LLC", None, 2), ("001C", "Multi\nline", "GB1", 5)]
    assert result.counts[0]["rows_read"] == 6


def test_a_malformed_csv_row_of_several_lines_gives_up_its_first_line(tmp_path: Path) -> None:
    """docs/sources.md: a quoted cell may span lines; when the row it makes is malformed, only
    its first line is quarantined and the lines after it are read again on their own."""
    path = tmp_path / "s" / "crm" / "accounts.csv"
    path.parent.mkdir(parents=True)
    header = ("account_id,name,country,currency,legal_entity,billing_customer_id,"
              "erp_customer_code,tax_id,status\n")
    path.write_bytes((
        header
        + '001A,"Open,US,USD,US01,,,,Active\n'            # 2: the quote closes mid-cell on 4
        + "001B,Good,US,USD,US01,,,,Active\n"             # 3
        + '001C,"Two\nlines",US,USD,US01,,,,Active\n'     # 4-5: well-formed, loads
        + '001D,"Bad\ncurrency",US,XYZ,US01,,,,Active\n'  # 6-7: well-formed, fails a check
        + "001E,Good,US,USD,US01,,,,Active\n"             # 8
        + '001F,Last,US,USD,US01,,,,"Active\n'            # 9: the quote never closes
    ).encode())
    result = extract(tmp_path / "s", "crm/accounts", tmp_path / "o")
    rows = result.tables["accounts"]
    assert [(r["account_id"], r["name"], r["_line"]) for r in rows] == [
        ("001B", "Good", 3), ("001C", "Two\nlines", 4), ("001E", "Good", 8)]
    bad = {q["line"]: (q["record"], q["reason"]) for q in result.quarantine}
    assert sorted(bad) == [2, 6, 7, 9]
    assert bad[2][0] == '001A,"Open,US,USD,US01,,,,Active'
    assert bad[2][1].startswith("bad CSV: unterminated quote: the quoted cell opened on this "
                                "line runs to line 4 and that record is malformed (")
    assert bad[6] == ('001D,"Bad', "bad CSV: unterminated quote: the quoted cell opened on "
                      "this line runs to line 7 and that record is malformed (unknown "
                      "currency: XYZ); the lines after this one are read again on their own")
    assert bad[7] == ('currency",US,XYZ,US01,,,,Active',
                      "wrong CSV column count: 8 columns, header has 9")
    assert bad[9] == ('001F,Last,US,USD,US01,,,,"Active', "bad CSV: unterminated quote: the "
                      "quoted cell opened on this line never closes (the file ends first)")
    assert result.counts[0]["rows_read"] == 7
    assert result.counts[0]["rows_quarantined"] == 4
