"""What every recon of one cycle shares: the sources, the configuration and a few indexes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

from tests.oracle.common import (
    Finding,
    cycle_last_day,
    cycle_of,
    minor_to_major,
    round_half_even,
)
from tests.oracle.journals import Journals
from tests.oracle.model import Invoice, InvoiceLine, Price, Sources, SubItem, Subscription


@dataclass(frozen=True)
class Config:
    """Run configuration: the cycle and the spec's tunables."""

    cycle: str
    tolerance_minor: int = 1
    grace_days: int = 3
    reporting_currency: str = "USD"


class Context:
    """Sources plus the indexes the recons need, built lazily once per run."""

    def __init__(self, sources: Sources, config: Config) -> None:
        """Keep the sources and the configuration."""
        self.s = sources
        self.cfg = config
        self.cycle = config.cycle
        self.tol = config.tolerance_minor

    # ------------------------------------------------------------ indexes

    @cached_property
    def journals(self) -> Journals:
        """Live journals of the ledger."""
        return Journals(self.s.journal_lines, self.s.account_roles)

    @cached_property
    def items(self) -> dict[str, tuple[Subscription, SubItem]]:
        """Subscription item id -> (subscription, item)."""
        return {i.id: (sub, i) for sub in self.s.subscriptions.values() for i in sub.items}

    @cached_property
    def prices(self) -> dict[str, Price]:
        """Every known price: prices.jsonl first, then prices embedded in other objects."""
        found = dict(self.s.prices)
        for sub in self.s.subscriptions.values():
            for item in sub.items:
                found.setdefault(item.price.id, item.price)
        for inv in self.s.invoices.values():
            for line in inv.lines:
                if line.price is not None:
                    found.setdefault(line.price.id, line.price)
        return found

    @cached_property
    def finalized(self) -> dict[str, Invoice]:
        """Finalized invoices of every cycle, by id."""
        return {i.id: i for i in self.s.invoices.values() if i.finalized}

    @cached_property
    def charges_of_invoice(self) -> dict[str, set[str]]:
        """Invoice id -> ids of the charges linked to it (classic fields or invoice_payments)."""
        links: dict[str, set[str]] = defaultdict(set)
        by_intent: dict[str, set[str]] = defaultdict(set)
        for ch in self.s.charges.values():
            if ch.invoice is not None:
                links[ch.invoice].add(ch.id)
            if ch.payment_intent is not None:
                by_intent[ch.payment_intent].add(ch.id)
        for inv in self.s.invoices.values():
            if inv.charge is not None:
                links[inv.id].add(inv.charge)
        for ip in self.s.invoice_payments:
            if ip.status != "paid":
                continue
            if ip.charge is not None:
                links[ip.invoice].add(ip.charge)
            if ip.payment_intent is not None:
                links[ip.invoice].update(by_intent.get(ip.payment_intent, ()))
        return links

    @cached_property
    def invoices_of_charge(self) -> dict[str, set[str]]:
        """Charge id -> ids of the invoices it is linked to."""
        reverse: dict[str, set[str]] = defaultdict(set)
        for invoice_id, charge_ids in self.charges_of_invoice.items():
            for charge_id in charge_ids:
                reverse[charge_id].add(invoice_id)
        return reverse

    # ------------------------------------------------------------ lines and prices

    def line_price(self, line: InvoiceLine) -> Price | None:
        """A line's price: embedded (classic), by id (current), else its subscription item's."""
        if line.price is not None:
            return line.price
        if line.price_id is not None and line.price_id in self.prices:
            return self.prices[line.price_id]
        if line.subscription_item in self.items:
            return self.items[line.subscription_item][1].price
        return None

    def is_licensed(self, line: InvoiceLine) -> bool:
        """True when the line's price is a licensed recurring price."""
        # SPEC-AMBIGUITY: a line whose price cannot be found is neither licensed nor metered.
        price = self.line_price(line)
        return price is not None and price.usage_type == "licensed"

    # ------------------------------------------------------------ findings

    def fx_rate(self, currency: str) -> Decimal | None:
        """Rate to the reporting currency on the cycle's last day (else latest earlier date)."""
        if currency == self.cfg.reporting_currency.upper():
            return Decimal(1)
        last_day = cycle_last_day(self.cycle)
        best: tuple[date, Decimal] | None = None
        for fx in self.s.fx_rates:
            if fx.currency != currency or fx.date > last_day:
                continue
            if best is None or fx.date >= best[0]:
                best = (fx.date, fx.rate_to_reporting)
        # SPEC-AMBIGUITY: with no rate on or before that day the reporting amount is left null.
        return None if best is None else best[1]

    def finding(
        self,
        category: str,
        object_id: str,
        currency: str | None,
        period_start: date | None = None,
        leakage_minor: int | None = None,
    ) -> Finding:
        """A finding of this cycle; leakage (minor units) is converted to major and reporting."""
        leakage = reporting = None
        if leakage_minor is not None and currency is not None:
            leakage = minor_to_major(leakage_minor, currency)
            rate = self.fx_rate(currency)
            if rate is not None:
                cents = round_half_even(Fraction(leakage) * Fraction(rate) * 100)
                reporting = Decimal(cents).scaleb(-2)
        return Finding(self.cycle, category, object_id, period_start, currency, leakage, reporting)

    def in_cycle(self, ts: int) -> bool:
        """True when Unix seconds ``ts`` fall in this run's cycle."""
        return cycle_of(ts) == self.cycle
