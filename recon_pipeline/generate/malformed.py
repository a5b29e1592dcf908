"""Rows that cannot be read, planted among the good ones; the pipeline must quarantine each."""

from __future__ import annotations

import random

import orjson

from recon_pipeline.generate.outputs import Outputs
from recon_pipeline.generate.truth import Truth
from recon_pipeline.lib.cycles import days

#: (kind, file key or path, reason written to the truth).
KINDS = (
    ("truncated_json", "invoices", "bad JSON: truncated line"),
    ("invalid_utf8", "customers", "invalid UTF-8"),
    ("missing_id", "charges", "missing key field: id"),
    ("missing_customer", "subscriptions", "missing key field: customer"),
    ("wrong_type", "refunds", "wrong type: amount is a string"),
    ("unknown_currency", "charges", "unknown currency: xyz"),
    ("negative_usage", "usage", "negative usage value"),
    ("untimed_usage", "usage", "usage event without a time"),
    ("bad_time", "usage", "unparsable usage time"),
    ("wrong_columns", "crm", "wrong CSV column count"),
)


def schedule(total_customers: int) -> dict[int, list[str]]:
    """After which customer each malformed row is written: every kind twice, early and late."""
    out: dict[int, list[str]] = {}
    for n, (kind, _, _) in enumerate(KINDS):
        for position in (total_customers // 5 + n, (4 * total_customers) // 5 + n):
            out.setdefault(min(position, total_customers - 1), []).append(kind)
    return out


def write(kind: str, outputs: Outputs, rng: random.Random, truth: Truth) -> None:
    """Write one malformed row of ``kind`` and record it in the truth."""
    files = outputs.files
    tag = f"{rng.getrandbits(64):016x}"
    reason = next(r for k, _, r in KINDS if k == kind)
    if kind == "truncated_json":
        text = orjson.dumps({"id": f"in_bad{tag}", "object": "invoice", "customer": "cus_x",
                             "currency": "usd", "status": "paid", "total": 1000})
        f = files["invoices"]
        line = f.raw(text[: len(text) // 2], objects=1)
    elif kind == "invalid_utf8":
        f = files["customers"]
        line = f.raw(b'{"id": "cus_bad' + tag.encode() + b'", "object": "customer", '
                     b'"name": "M\xfcller \xff GmbH", "currency": "eur", "created": 1767225600}')
    elif kind in ("missing_id", "unknown_currency"):
        f = files["charges"]
        obj = {"id": f"ch_bad{tag}", "object": "charge", "amount": 5000, "amount_captured": 5000,
               "captured": True, "currency": "usd", "status": "succeeded", "paid": True,
               "customer": "cus_unknown", "created": 1767225600, "amount_refunded": 0,
               "balance_transaction": None, "payment_intent": None}
        if kind == "missing_id":
            del obj["id"]
        else:
            obj["currency"] = "xyz"
        line = f.raw(orjson.dumps(obj))
    elif kind == "missing_customer":
        f = files["subscriptions"]
        line = f.raw(orjson.dumps({"id": f"sub_bad{tag}", "object": "subscription",
                                   "status": "active", "currency": "usd",
                                   "start_date": 1767225600, "billing_cycle_anchor": 1767225600,
                                   "items": {"object": "list", "data": []}}))
    elif kind == "wrong_type":
        f = files["refunds"]
        line = f.raw(orjson.dumps({"id": f"re_bad{tag}", "object": "refund", "amount": "12.50",
                                   "charge": "ch_unknown", "currency": "usd",
                                   "status": "succeeded", "created": 1767225600}))
    elif kind in ("negative_usage", "untimed_usage", "bad_time"):
        f = outputs.usage_file("//metering.northwind.example/api-gateway",
                               outputs.ctx.export_at - days(10))
        event: dict[str, object] = {"specversion": "1.0", "id": f"bad-{tag}",
                                    "source": "//metering.northwind.example/api-gateway",
                                    "type": "api_requests", "subject": "cus_unknown",
                                    "time": "2026-09-15T10:00:00Z", "data": {"value": 5}}
        if kind == "negative_usage":
            event["data"] = {"value": -5}
        elif kind == "untimed_usage":
            del event["time"]
        else:
            event["time"] = "15/09/2026 10h"
        line = f.raw(orjson.dumps(event))
    else:
        crm = outputs.crm
        line = crm.raw(f"001BAD{tag[:12].upper()},Broken Row Ltd,GB,GBP")
        truth.bad_row("crm", crm.relative, line, reason)
        return
    truth.bad_row(f.relative.split("/")[0], f.relative, line, reason)
