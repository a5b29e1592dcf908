"""A tiny builder that writes a minimal sources directory (docs/sources.md) from Python.

Stripe objects come out in the classic or current API shape (per builder, or per object), the
ERP as a real SQLite ledger with its three tables, usage as CloudEvents JSON Lines, CRM and
reference data as CSV. Nothing here knows the reconciliation rules: amounts are what the
case says they are.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.cases.stripe_shapes import (
    CouponSpec,
    Json,
    LineSpec,
    PriceSpec,
    Shape,
    Time,
    discount_obj,
    line_obj,
    price_obj,
    ts,
)

ROLE_ACCOUNTS = {
    "CASH": "1000",
    "GATEWAY_CLEARING": "1050",
    "AR": "1100",
    "TAX_PAYABLE": "2200",
    "DEFERRED_REVENUE": "2400",
    "REVENUE": "4000",
    "GATEWAY_FEES": "6100",
    "OTHER": "9000",
}
CRM_HEADER = ("account_id", "name", "country", "currency", "legal_entity",
              "billing_customer_id", "erp_customer_code", "tax_id", "status")
JOURNAL_COLUMNS = ("entity_code", "journal_id", "line_no", "posting_date", "period",
                   "account_code", "debit", "credit", "currency", "document_type",
                   "document_ref", "customer_code", "reversal_of")
_DECIMAL_MARK = re.compile(r'"__decimal__([-0-9.Ee+]+)__"')


def dumps(obj: Any) -> str:
    """JSON with Decimals written as exact JSON numbers (``0.1`` stays ``0.1``)."""

    def mark(value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"__decimal__{value}__"
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [mark(v) for v in value]
        return value

    return _DECIMAL_MARK.sub(r"\1", json.dumps(mark(obj), ensure_ascii=False))


class SourcesBuilder:
    """Collects rows, then ``write()`` lays them out as a sources directory under ``root``."""

    def __init__(self, root: Path, shape: Shape = "classic") -> None:
        """Start an empty sources directory in ``root`` with Stripe objects of ``shape``."""
        self.root = Path(root)
        self.shape: Shape = shape
        self.files: dict[str, list[bytes]] = defaultdict(list)
        self.prices: dict[str, PriceSpec] = {}
        self.account_rows = [(code, role.title(), role) for role, code in ROLE_ACCOUNTS.items()]
        self.erp_customer_rows: list[tuple[Any, ...]] = []
        self.journal_rows: list[dict[str, Any]] = []
        self.crm_rows: list[Sequence[str]] = []
        self.fx_rows: list[Sequence[str]] = []
        self.entity_rows = [("US01", "Example Inc", "USD", "US"),
                            ("DE01", "Example GmbH", "EUR", "DE")]

    # ------------------------------------------------------------ raw output

    def line(self, rel: str, obj: Any) -> None:
        """Append one JSON line to file ``rel`` (``.gz`` files are gzip-compressed on write)."""
        self.files[rel].append(dumps(obj).encode("utf-8"))

    def raw_line(self, rel: str, data: bytes | str) -> None:
        """Append a line exactly as given (for malformed rows)."""
        self.files[rel].append(data if isinstance(data, bytes) else data.encode("utf-8"))

    def list_page(self, rel: str, objects: list[Json]) -> None:
        """Append one line holding a Stripe list page of ``objects``."""
        self.line(rel, {"object": "list", "data": objects, "has_more": False, "url": "/v1/x"})

    def _shape(self, shape: Shape | None) -> Shape:
        return self.shape if shape is None else shape

    # ------------------------------------------------------------ billing

    def customer(
        self,
        id: str,
        *,
        name: str,
        currency: str = "usd",
        country: str = "US",
        legal_entity: str | None = "US01",
        erp_code: str | None = None,
        crm_account: str | None = None,
        tax_id: str | None = None,
    ) -> Json:
        """A billing customer (tax id in ``tax_ids`` in current shape, metadata in classic)."""
        metadata = {"legal_entity": legal_entity, "erp_customer_code": erp_code,
                    "crm_account_id": crm_account}
        obj: Json = {
            "id": id, "object": "customer", "name": name, "email": f"billing@{id}.example",
            "currency": currency, "address": {"country": country, "city": None},
            "created": ts("2025-01-01"),
            "metadata": {k: v for k, v in metadata.items() if v is not None},
        }
        if tax_id is not None and self.shape == "current":
            obj["tax_ids"] = {"object": "list", "data": [{"type": "eu_vat", "value": tax_id}]}
        elif tax_id is not None:
            obj["metadata"]["tax_id"] = tax_id
        self.line("billing/customers.jsonl", obj)
        return obj

    def price(self, spec: PriceSpec) -> PriceSpec:
        """Register a price (prices.jsonl; for current-shape metered prices also its meter)."""
        self.prices[spec.id] = spec
        self.line("billing/prices.jsonl", price_obj(spec, self.shape))
        if spec.meter is not None and self.shape == "current":
            self.line("billing/meters.jsonl", {"id": spec.meter_id, "object": "billing.meter",
                                              "event_name": spec.meter, "status": "active"})
        return spec

    def subscription(
        self,
        id: str,
        *,
        customer: str,
        items: Sequence[tuple[str, str, int | None]],
        start_date: Time,
        anchor: Time | None = None,
        status: str = "active",
        currency: str = "usd",
        trial_end: Time | None = None,
        canceled_at: Time | None = None,
        ended_at: Time | None = None,
        cancel_at: Time | None = None,
        coupons: Sequence[CouponSpec] = (),
        shape: Shape | None = None,
    ) -> Json:
        """A subscription; ``items`` are (item id, registered price id, quantity)."""
        shape = self._shape(shape)
        start = ts(start_date)
        discounts = [discount_obj(c, id, c.start if c.start is not None else start, currency,
                                  shape) for c in coupons]
        obj: Json = {
            "id": id, "object": "subscription", "customer": customer, "status": status,
            "currency": currency, "start_date": start, "created": start,
            "billing_cycle_anchor": ts(anchor if anchor is not None else start_date),
            "trial_end": None if trial_end is None else ts(trial_end),
            "canceled_at": None if canceled_at is None else ts(canceled_at),
            "ended_at": None if ended_at is None else ts(ended_at),
            "cancel_at": None if cancel_at is None else ts(cancel_at),
            "items": {"object": "list", "has_more": False, "data": [
                {"id": item_id, "object": "subscription_item",
                 "price": price_obj(self.prices[price_id], shape), "quantity": quantity,
                 "subscription": id}
                for item_id, price_id, quantity in items
            ]},
        }
        if shape == "classic":
            # Classic: the (deprecated) single `discount` object beside `discounts`; with one
            # coupon `discounts` holds its id, with several the expanded objects.
            obj["discount"] = discounts[0] if discounts else None
            obj["discounts"] = [d["id"] for d in discounts] if len(discounts) == 1 else discounts
        else:
            obj["discounts"] = discounts
        self.line("billing/subscriptions.jsonl", obj)
        return obj

    def invoice(
        self,
        id: str,
        *,
        customer: str,
        lines: Sequence[LineSpec],
        finalized_at: Time | None,
        status: str = "open",
        currency: str = "usd",
        subscription: str | None = None,
        total: int | None = None,
        tax: int = 0,
        amount_paid: int = 0,
        paid_at: Time | None = None,
        charge: str | None = None,
        out_of_band: bool = False,
        created: Time | None = None,
        shape: Shape | None = None,
        rel: str = "billing/invoices.jsonl",
        as_list_page: bool = False,
    ) -> Json:
        """An invoice; ``total`` defaults to the lines' net amounts plus tax."""
        shape = self._shape(shape)
        subtotal = sum(line.amount for line in lines)
        if total is None:
            total = subtotal - sum(sum(line.discount_amounts) for line in lines) + tax
        created_ts = ts(created if created is not None else (finalized_at or "2026-01-01"))
        obj: Json = {
            "id": id, "object": "invoice", "number": f"N-{id}", "customer": customer,
            "currency": currency, "status": status, "subtotal": subtotal, "total": total,
            "amount_due": total, "amount_paid": amount_paid,
            "amount_remaining": max(total - amount_paid, 0), "created": created_ts,
            "status_transitions": {
                "finalized_at": None if finalized_at is None else ts(finalized_at),
                "paid_at": None if paid_at is None else ts(paid_at),
                "voided_at": None, "marked_uncollectible_at": None,
            },
            "lines": {"object": "list", "has_more": False, "url": f"/v1/invoices/{id}/lines",
                      "data": [line_obj(line, id, currency, shape) for line in lines]},
        }
        if shape == "classic":
            obj.update(subscription=subscription, charge=charge, tax=tax)
            if out_of_band:
                obj["paid_out_of_band"] = True
        else:
            obj["parent"] = None if subscription is None else {
                "type": "subscription_details", "quote_details": None,
                "subscription_details": {"subscription": subscription, "metadata": {}},
            }
            obj["total_taxes"] = [{"amount": tax, "tax_behavior": "exclusive"}] if tax else []
            if out_of_band:
                self.invoice_payment(id, payment_type="payment_record", amount_paid=amount_paid)
        if as_list_page:
            self.list_page(rel, [obj])
        else:
            self.line(rel, obj)
        return obj

    # ------------------------------------------------------------ payments

    def charge(
        self,
        id: str,
        *,
        amount: int,
        created: Time,
        currency: str = "usd",
        status: str = "succeeded",
        customer: str | None = None,
        invoice: str | None = None,
        balance_transaction: str | None = None,
        captured: bool = True,
        amount_captured: int | None = None,
        shape: Shape | None = None,
    ) -> Json:
        """A charge; its invoice link is ``invoice`` (classic) or an invoice_payment (current)."""
        shape = self._shape(shape)
        obj: Json = {
            "id": id, "object": "charge", "amount": amount,
            "amount_captured": amount if amount_captured is None else amount_captured,
            "amount_refunded": 0, "captured": captured, "currency": currency, "status": status,
            "paid": status == "succeeded", "customer": customer, "created": ts(created),
            "balance_transaction": balance_transaction, "payment_intent": f"pi_{id}",
        }
        if shape == "classic":
            obj["invoice"] = invoice
        elif invoice is not None:
            self.invoice_payment(invoice, payment_intent=f"pi_{id}", amount_paid=amount)
        self.line("payments/charges.jsonl", obj)
        return obj

    def invoice_payment(
        self,
        invoice: str,
        *,
        payment_type: str = "payment_intent",
        payment_intent: str | None = None,
        charge: str | None = None,
        status: str = "paid",
        amount_paid: int = 0,
    ) -> Json:
        """A current-shape invoice_payment linking a payment to an invoice."""
        payment: Json = {"type": payment_type}
        if payment_type == "payment_intent":
            payment["payment_intent"] = payment_intent
        elif payment_type == "charge":
            payment["charge"] = charge
        else:
            payment["payment_record"] = f"pr_{invoice}"
        obj = {"id": f"inpay_{invoice}_{len(self.files['payments/invoice_payments.jsonl'])}",
               "object": "invoice_payment", "invoice": invoice, "payment": payment,
               "status": status, "amount_paid": amount_paid, "currency": "usd"}
        self.line("payments/invoice_payments.jsonl", obj)
        return obj

    def refund(self, id: str, *, charge: str, amount: int, created: Time,
               currency: str = "usd", status: str = "succeeded") -> Json:
        """A refund."""
        obj = {"id": id, "object": "refund", "charge": charge, "amount": amount,
               "currency": currency, "status": status, "created": ts(created),
               "balance_transaction": None}
        self.line("payments/refunds.jsonl", obj)
        return obj

    def balance_transaction(self, id: str, *, type: str, source: str, amount: int, fee: int,
                            created: Time, currency: str = "usd",
                            payout: str | None = None) -> Json:
        """A balance transaction (net = amount − fee)."""
        obj = {"id": id, "object": "balance_transaction", "type": type, "source": source,
               "amount": amount, "fee": fee, "net": amount - fee, "currency": currency,
               "created": ts(created), "available_on": ts(created), "payout": payout}
        self.line("payments/balance_transactions.jsonl", obj)
        return obj

    def payout(self, id: str, *, amount: int, arrival_date: Time, currency: str = "usd",
               status: str = "paid") -> Json:
        """A payout."""
        obj = {"id": id, "object": "payout", "amount": amount, "currency": currency,
               "status": status, "arrival_date": ts(arrival_date), "created": ts(arrival_date),
               "balance_transaction": f"txn_{id}"}
        self.line("payments/payouts.jsonl", obj)
        return obj

    # ------------------------------------------------------------ usage

    def usage_event(self, id: str, *, type: str, subject: str, time: str,
                    value: Decimal | int, source: str = "//api.example/metering",
                    subscription_item: str | None = None,
                    rel: str = "usage/events.jsonl") -> Json:
        """A CloudEvents 1.0 usage event (``value`` written as an exact JSON number)."""
        data: Json = {"value": value}
        if subscription_item is not None:
            data["subscription_item"] = subscription_item
        obj = {"specversion": "1.0", "id": id, "source": source, "type": type,
               "subject": subject, "time": time, "datacontenttype": "application/json",
               "data": data}
        self.line(rel, obj)
        return obj

    # ------------------------------------------------------------ ERP

    def erp_customer(self, code: str, *, name: str, entity: str | None = "US01",
                     currency: str | None = "USD", country: str | None = "US",
                     tax_id: str | None = None, external_ref: str | None = None) -> None:
        """A row of erp_customers."""
        self.erp_customer_rows.append((code, name, entity, currency, country, tax_id,
                                       external_ref))

    def journal(
        self,
        journal_id: str,
        *,
        document_type: str,
        document_ref: str | None,
        period: str,
        lines: Sequence[tuple[str, str, str]],
        currency: str = "USD",
        entity: str = "US01",
        reversal_of: str | None = None,
        customer_code: str | None = None,
    ) -> None:
        """A journal: ``lines`` are (account role, debit, credit) with decimal strings."""
        for number, (role, debit, credit) in enumerate(lines, 1):
            self.journal_rows.append({
                "entity_code": entity, "journal_id": journal_id, "line_no": number,
                "posting_date": f"{period}-15", "period": period,
                "account_code": ROLE_ACCOUNTS[role], "debit": debit, "credit": credit,
                "currency": currency, "document_type": document_type,
                "document_ref": document_ref, "customer_code": customer_code,
                "reversal_of": reversal_of,
            })

    def reverse(self, journal_id: str, *, reversal_id: str, period: str) -> None:
        """A REVERSAL journal: the mirror image of ``journal_id``."""
        original = [r for r in self.journal_rows if r["journal_id"] == journal_id]
        for row in original:
            self.journal_rows.append({
                **row, "journal_id": reversal_id, "period": period,
                "posting_date": f"{period}-20", "debit": row["credit"], "credit": row["debit"],
                "document_type": "REVERSAL", "reversal_of": journal_id,
            })

    def journal_row_raw(self, **columns: Any) -> None:
        """A journal line exactly as given (for malformed rows)."""
        self.journal_rows.append({c: columns.get(c) for c in JOURNAL_COLUMNS})

    def post_invoice(self, invoice_id: str, amount: str, period: str, *,
                     journal_id: str | None = None, currency: str = "USD",
                     entity: str = "US01") -> None:
        """INVOICE journal: Dr AR ``amount``; Cr DEFERRED_REVENUE ``amount``."""
        self.journal(journal_id or f"JE-{invoice_id}", document_type="INVOICE",
                     document_ref=invoice_id, period=period, currency=currency, entity=entity,
                     lines=[("AR", amount, "0.00"), ("DEFERRED_REVENUE", "0.00", amount)])

    def post_revrec(self, invoice_id: str, amount: str, period: str, *,
                    journal_id: str | None = None, currency: str = "USD") -> None:
        """REVREC journal: Dr DEFERRED_REVENUE; Cr REVENUE ``amount``."""
        self.journal(journal_id or f"RR-{invoice_id}-{period}", document_type="REVREC",
                     document_ref=invoice_id, period=period, currency=currency,
                     lines=[("DEFERRED_REVENUE", amount, "0.00"), ("REVENUE", "0.00", amount)])

    def post_payment(self, charge_id: str, amount: str, period: str, *,
                     fee: str | None = None, currency: str = "USD") -> None:
        """PAYMENT journal (Dr GATEWAY_CLEARING; Cr AR) and, with ``fee``, a FEE journal."""
        self.journal(f"PAY-{charge_id}", document_type="PAYMENT", document_ref=charge_id,
                     period=period, currency=currency,
                     lines=[("GATEWAY_CLEARING", amount, "0.00"), ("AR", "0.00", amount)])
        if fee is not None:
            self.journal(f"FEE-{charge_id}", document_type="FEE", document_ref=charge_id,
                         period=period, currency=currency,
                         lines=[("GATEWAY_FEES", fee, "0.00"), ("GATEWAY_CLEARING", "0.00", fee)])

    def post_refund(self, refund_id: str, amount: str, period: str) -> None:
        """REFUND journal: Dr AR; Cr GATEWAY_CLEARING ``amount``."""
        self.journal(f"REF-{refund_id}", document_type="REFUND", document_ref=refund_id,
                     period=period,
                     lines=[("AR", amount, "0.00"), ("GATEWAY_CLEARING", "0.00", amount)])

    def post_payout(self, payout_id: str, amount: str, period: str) -> None:
        """PAYOUT journal: Dr CASH; Cr GATEWAY_CLEARING ``amount``."""
        self.journal(f"PO-{payout_id}", document_type="PAYOUT", document_ref=payout_id,
                     period=period,
                     lines=[("CASH", amount, "0.00"), ("GATEWAY_CLEARING", "0.00", amount)])

    # ------------------------------------------------------------ CRM and reference

    def crm_account(self, account_id: str, *, name: str, billing_customer_id: str | None,
                    erp_customer_code: str | None, country: str = "US", currency: str = "USD",
                    legal_entity: str = "US01", tax_id: str = "", status: str = "active") -> None:
        """A row of crm/accounts.csv."""
        self.crm_rows.append((account_id, name, country, currency, legal_entity,
                              billing_customer_id or "", erp_customer_code or "", tax_id,
                              status))

    def fx(self, day: str, currency: str, rate: str) -> None:
        """A row of reference/fx_rates.csv."""
        self.fx_rows.append((day, currency, rate))

    def healthy_customer(self, id: str, *, name: str, currency: str = "usd",
                         country: str = "US", entity: str = "US01") -> None:
        """A customer that resolves cleanly: billing, ERP (external_ref) and CRM agree."""
        code = f"E-{id}"
        self.customer(id, name=name, currency=currency, country=country, legal_entity=entity,
                      erp_code=code)
        self.erp_customer(code, name=name, entity=entity, currency=currency.upper(),
                          country=country, external_ref=id)
        self.crm_account(f"crm_{id}", name=name, billing_customer_id=id,
                         erp_customer_code=code, country=country, currency=currency.upper(),
                         legal_entity=entity)

    # ------------------------------------------------------------ output

    def _write_csv(self, rel: str, header: Sequence[str], rows: list[Sequence[str]]) -> None:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        existing = b"".join(line + b"\n" for line in self.files.pop(rel, []))
        path.write_bytes(buffer.getvalue().encode("utf-8") + existing)

    def _write_ledger(self) -> None:
        path = self.root / "erp" / "ledger.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        con = sqlite3.connect(path)
        with con:
            con.execute("CREATE TABLE gl_accounts (account_code TEXT, name TEXT, role TEXT)")
            con.execute("CREATE TABLE erp_customers (customer_code TEXT, name TEXT, "
                        "entity_code TEXT, currency TEXT, country TEXT, tax_id TEXT, "
                        "external_ref TEXT)")
            con.execute("CREATE TABLE gl_journal_lines (entity_code TEXT, journal_id TEXT, "
                        "line_no INTEGER, posting_date TEXT, period TEXT, account_code TEXT, "
                        "debit TEXT, credit TEXT, currency TEXT, document_type TEXT, "
                        "document_ref TEXT, customer_code TEXT, reversal_of TEXT)")
            con.executemany("INSERT INTO gl_accounts VALUES (?, ?, ?)", self.account_rows)
            con.executemany("INSERT INTO erp_customers VALUES (?, ?, ?, ?, ?, ?, ?)",
                            self.erp_customer_rows)
            con.executemany(
                f"INSERT INTO gl_journal_lines VALUES ({', '.join('?' * len(JOURNAL_COLUMNS))})",
                [tuple(r[c] for c in JOURNAL_COLUMNS) for r in self.journal_rows])
        con.close()

    def write(self) -> Path:
        """Write every file under ``root``; returns ``root``."""
        self._write_csv("crm/accounts.csv", CRM_HEADER, self.crm_rows)
        self._write_csv("reference/fx_rates.csv", ("date", "currency", "rate_to_reporting"),
                        self.fx_rows)
        self._write_csv("reference/legal_entities.csv",
                        ("entity_code", "name", "functional_currency", "country"),
                        list(self.entity_rows))
        for rel, lines in self.files.items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            content = b"".join(line + b"\n" for line in lines)
            path.write_bytes(gzip.compress(content, mtime=0) if rel.endswith(".gz") else content)
        for folder in ("billing", "payments", "usage"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        self._write_ledger()
        return self.root


def day_of(value: Time) -> date:
    """UTC date of a builder time (handy for expected ``period_start``)."""
    return datetime.fromtimestamp(ts(value), tz=UTC).date()
