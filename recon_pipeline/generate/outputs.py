"""Where the rendered objects go: one writer per file of the sources layout."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from recon_pipeline.generate import render
from recon_pipeline.generate.catalog import Entity, Price
from recon_pipeline.generate.context import Context
from recon_pipeline.generate.model import Journal, Subscription, World, current_period
from recon_pipeline.generate.writer import CsvFile, JsonLines, Ledger
from recon_pipeline.lib.cycles import cycle_of, days, midnight

CRM_HEADER = ["account_id", "name", "country", "currency", "legal_entity",
              "billing_customer_id", "erp_customer_code", "tax_id", "status"]
_FILES = {
    "customers": "billing/customers.jsonl", "products": "billing/products.jsonl",
    "prices": "billing/prices.jsonl", "meters": "billing/meters.jsonl",
    "subscriptions": "billing/subscriptions.jsonl", "invoices": "billing/invoices.jsonl",
    "credit_notes": "billing/credit_notes.jsonl.gz", "charges": "payments/charges.jsonl",
    "refunds": "payments/refunds.jsonl",
    "balance_transactions": "payments/balance_transactions.jsonl.gz",
    "payouts": "payments/payouts.jsonl", "invoice_payments": "payments/invoice_payments.jsonl",
}
_USAGE_FILE = {"//metering.northwind.example/api-gateway": "api-gateway",
               "//metering.northwind.example/storage": "storage",
               "//metering.northwind.example/gpu": "gpu"}


class Outputs:
    """Every file of a sources directory, open for streaming."""

    def __init__(self, root: Path, ctx: Context, entities: tuple[Entity, ...]) -> None:
        self.root = root
        self.ctx = ctx
        self.files = {key: JsonLines(root, rel) for key, rel in _FILES.items()}
        self.usage: dict[str, JsonLines] = {}
        self.crm = CsvFile(root, "crm/accounts.csv", CRM_HEADER)
        self.ledger = Ledger(root / "erp" / "ledger.sqlite", [e.code for e in entities])
        self.entities = entities

    # static data -----------------------------------------------------------------------------
    def catalog(self, prices: tuple[Price, ...], created: int) -> None:
        """Products, prices and meters."""
        seen: set[str] = set()
        for p in prices:
            if p.product not in seen:
                seen.add(p.product)
                self.files["products"].write(render.product(p.product, p.product_name, created))
        meters = sorted({(p.meter_id, p.meter_event) for p in prices if p.meter_id})
        for meter_id, event in meters:
            self.files["meters"].write(render.meter(meter_id or "", event or "", created))
        batch = [render.price(p, created) for p in prices]
        self.files["prices"].page(batch[:10], "/v1/prices")
        for obj in batch[10:]:
            self.files["prices"].write(obj)

    def reference(self, fx: dict[tuple[date, str], Decimal]) -> None:
        """Legal entities and FX rates."""
        entities = CsvFile(self.root, "reference/legal_entities.csv",
                           ["entity_code", "name", "functional_currency", "country"])
        for e in self.entities:
            entities.write([e.code, e.name, e.currency.upper(), e.country])
        entities.close()
        rates = CsvFile(self.root, "reference/fx_rates.csv",
                        ["date", "currency", "rate_to_reporting"])
        for (day, cur), rate in sorted(fx.items()):
            rates.write([day.isoformat(), cur, f"{rate:f}"])
        rates.close()

    # one customer ----------------------------------------------------------------------------
    def world(self, w: World, rng: random.Random) -> None:
        """Render and write everything one customer contributes."""
        party = w.party
        self.files["customers"].write(render.customer(party))
        for sub in w.subscriptions:
            self.files["subscriptions"].write(render.subscription(
                sub, current_period(sub, self.ctx.export_at) if _has_period(sub) else
                (sub.start_date, sub.start_date)))
        invoices = [render.invoice(inv, party) for inv in w.invoices]
        if len(invoices) >= 3 and rng.random() < 0.05:
            self.files["invoices"].page(invoices, f"/v1/invoices?customer={party.id}")
        else:
            for obj in invoices:
                self.files["invoices"].write(obj)
        charges = [render.charge(ch, party) for ch in w.charges]
        if len(charges) >= 2 and rng.random() < 0.05:
            self.files["charges"].page(charges, f"/v1/charges?customer={party.id}")
        else:
            for obj in charges:
                self.files["charges"].write(obj)
        for ch in w.charges:
            if ch.status == "succeeded" and ch.balance_transaction:
                self._txn(party.entity, ch.balance_transaction, "charge", ch.id, ch.amount,
                          ch.fee, ch.currency, ch.created)
        for re in w.refunds:
            self.files["refunds"].write(render.refund(re))
            self._txn(party.entity, re.balance_transaction, "refund", re.id, -re.amount, 0,
                      re.currency, re.created)
        for ip in w.invoice_payments:
            self.files["invoice_payments"].write(render.invoice_payment(ip))
        for cn in w.credit_notes:
            self.files["credit_notes"].write(render.credit_note(cn))
        for ev in [*w.events, *w.redelivered]:
            self.usage_file(ev.source, ev.time).write(render.cloud_event(ev))
        for row in party.erp_rows:
            self.ledger.customer(row)
        for crm in party.crm_rows:
            self.crm.write([crm[k] for k in CRM_HEADER])
        for j in w.journals:
            self.ledger.journal(j)

    def _txn(self, entity: str, txn: str, kind: str, source: str, amount: int, fee: int,
             currency: str, created: int) -> None:
        avail = available_on(created)
        payout = self.ctx.payouts.settle(entity, avail, amount - fee)
        self.files["balance_transactions"].write(render.balance_transaction(
            txn, kind, source, amount, fee, currency, created, avail, payout))

    def usage_file(self, source: str, ts: int) -> JsonLines:
        """The usage file of an event source and month."""
        name = _USAGE_FILE.get(source, "other")
        cycle = cycle_of(ts)
        gz = ".gz" if name == "storage" else ""
        key = f"usage/{name}-{cycle}.jsonl{gz}"
        if key not in self.usage:
            self.usage[key] = JsonLines(self.root, key)
        return self.usage[key]

    # end of run ------------------------------------------------------------------------------
    def payout(self, obj: dict[str, Any]) -> None:
        """A payout."""
        self.files["payouts"].write(obj)

    def balance_transaction(self, obj: dict[str, Any]) -> None:
        """A balance transaction."""
        self.files["balance_transactions"].write(obj)

    def journal(self, j: Journal) -> None:
        """A journal made after the customers (payouts)."""
        self.ledger.journal(j)

    def close(self) -> None:
        """Close every file."""
        for f in [*self.files.values(), *self.usage.values()]:
            f.close()
        self.crm.close()
        self.ledger.close()

    def counts(self) -> dict[str, int]:
        """Objects written per kind."""
        out = {key: f.objects for key, f in self.files.items()}
        out["usage_events"] = sum(f.objects for f in self.usage.values())
        out["crm_accounts"] = self.crm.rows
        out["erp_customers"] = self.ledger.customers
        out["journal_lines"] = self.ledger.journal_lines
        return out


def _has_period(sub: Subscription) -> bool:
    return sub.status not in ("incomplete", "incomplete_expired")


def available_on(created: int) -> int:
    """When a charge's funds become available: midnight two days later."""
    return midnight(created) + days(2)


__all__ = ["Outputs", "available_on"]
