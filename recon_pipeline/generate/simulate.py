"""A healthy simulation of one customer's history across billing, gateway, usage and CRM."""

from __future__ import annotations

import random
import string
from decimal import Decimal

from recon_pipeline.generate.catalog import ENTITY_BY_CODE, price_for
from recon_pipeline.generate.context import Context
from recon_pipeline.generate.model import (
    Charge,
    Coupon,
    CreditNote,
    Discount,
    Invoice,
    InvoicePayment,
    Item,
    Line,
    Party,
    Refund,
    Subscription,
    UsageEvent,
    World,
)
from recon_pipeline.generate.names import company_name, tax_id_for
from recon_pipeline.generate.plans import CustomerPlan, SubPlan
from recon_pipeline.generate.pricing import discount_applies, licensed_discounts
from recon_pipeline.lib.cycles import add_interval, add_months, days, midnight
from recon_pipeline.lib.money import round_half_even

_ALPHABET = string.ascii_letters + string.digits
EVENT_SOURCES = {"api_requests": "//metering.northwind.example/api-gateway",
                 "storage_gb_hours": "//metering.northwind.example/storage"}


class Simulation:
    """Builds the healthy :class:`World` of one customer from its plan."""

    def __init__(self, ctx: Context, rng: random.Random, plan: CustomerPlan, index: int) -> None:
        self.ctx = ctx
        self.rng = rng
        self.plan = plan
        self.index = index
        self.entity = ENTITY_BY_CODE[plan.entity]
        self.currency = self.entity.currency
        self.x = ctx.export_at
        self.world: World | None = None
        self.invoice_seq = 0

    # ids -------------------------------------------------------------------------------------
    def sid(self, prefix: str, n: int = 24) -> str:
        """A Stripe-like random id."""
        return f"{prefix}_{''.join(self.rng.choices(_ALPHABET, k=n))}"

    # the customer ----------------------------------------------------------------------------
    def run(self) -> World:
        """Simulate the customer's whole history up to the export."""
        self.world = World(party=self.party())
        for sub_plan in self.plan.subs:
            self.subscription(sub_plan)
        return self.world

    def party(self) -> Party:
        """The customer as billing, the ERP and the CRM know it."""
        plan, rng = self.plan, self.rng
        name = company_name(rng, self.index, plan.country)
        tax_id = tax_id_for(self.index, plan.country) if plan.has_tax_id else None
        code = self.ctx.erp_code(plan.entity)
        cus = self.sid("cus", 14)
        party = Party(
            id=cus, name=name, email=f"billing@{name.split()[0].lower()}{self.index}.example",
            currency=self.currency, country=plan.country, entity=plan.entity,
            created=plan.created, tax_id=tax_id, tax_id_in_metadata=rng.random() < 0.3,
            meta_erp_code=None, meta_crm_id=None, shape=plan.shape)
        erp_tax = tax_id
        external_ref: str | None = cus
        if plan.resolution == "external_ref":
            party.meta_erp_code = code if rng.random() < 0.5 else None
        elif plan.resolution == "erp_code":
            party.meta_erp_code = code
            external_ref = None if rng.random() < 0.5 else self.sid("cus", 14)
        elif plan.resolution == "tax_id":
            external_ref = None
            if tax_id:
                erp_tax = " ".join([tax_id[:2], tax_id[2:5], tax_id[5:]]).lower()
        else:  # found by normalised name only
            external_ref, erp_tax, party.tax_id = None, None, None
        erp_name = name.upper() if plan.resolution != "name" else _name_variant(name)
        party.erp_rows.append({
            "customer_code": code, "name": erp_name, "entity_code": plan.entity,
            "currency": self.currency.upper(), "country": plan.country, "tax_id": erp_tax,
            "external_ref": external_ref})
        account = "001" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=15))
        party.meta_crm_id = account if rng.random() < 0.7 else None
        party.crm_rows.append({
            "account_id": account, "name": name, "country": plan.country,
            "currency": self.currency.upper(), "legal_entity": plan.entity,
            "billing_customer_id": cus if plan.crm == "billing_id" else "",
            "erp_customer_code": code, "tax_id": tax_id or "", "status": "Active"})
        return party

    # subscriptions ---------------------------------------------------------------------------
    def subscription(self, sp: SubPlan) -> None:
        """Simulate one subscription: its invoices, payments and usage."""
        assert self.world is not None
        rng, x = self.rng, self.x
        trial_end = sp.start + days(sp.trial_days) if sp.trial_days else None
        anchor = trial_end or sp.start
        items = [Item(self.sid("si", 14), price_for(tier, sp.interval, self.currency), qty,
                      sp.start) for tier, qty in sp.licensed]
        items += [Item(self.sid("si", 14), price_for(event, "month", self.currency), 0, sp.start)
                  for event in sp.metered]
        items.sort(key=lambda item: item.id)
        sub = Subscription(
            id=self.sid("sub"), customer=self.world.party.id, currency=self.currency,
            status="active", created=sp.start, start_date=sp.start, anchor=anchor,
            trial_end=trial_end, canceled_at=None, ended_at=None, cancel_at=None, items=items,
            shape=sp.shape)
        for cp in sp.coupons:
            coupon = Coupon(self.sid("co", 8), cp.percent_off, cp.amount_off,
                            self.currency if cp.amount_off else None, cp.duration,
                            cp.duration_in_months)
            end = add_months(sp.start, cp.duration_in_months) if cp.duration_in_months else None
            sub.discounts.append(Discount(self.sid("di"), coupon, sp.start, end))
        self.world.subscriptions.append(sub)

        def at(k: int) -> int:
            return add_interval(anchor, "year" if sp.interval == "year" else "month", 1, k)

        if sp.cancel and sp.cancel[0] == "period_end":
            boundary = at(sp.cancel[1])
            sub.cancel_at = boundary
            sub.canceled_at = max(sp.start, boundary - days(rng.randint(2, 20)))
            if sub.canceled_at > x:
                sub.canceled_at, sub.cancel_at = None, None
            elif boundary <= x:
                sub.ended_at = boundary
        elif sp.cancel and sp.cancel[0] == "immediate" and sp.cancel[1] <= x:
            sub.canceled_at = sub.ended_at = sp.cancel[1]
        if sp.incomplete:
            self.incomplete(sub)
            return
        if trial_end:
            self.trial_invoice(sub, trial_end)
        licensed = [i for i in items if i.price.usage_type == "licensed"]
        metered = [i for i in items if i.price.usage_type == "metered"]
        quantities = {i.id: i.quantity for i in licensed}
        old_quantities = dict(quantities)
        upgraded = False
        if sp.upgrade and licensed:
            first = min(licensed, key=lambda i: (i.price.tier == "addon", i.id))
            t_u = at(0) + int((at(1) - at(0)) * sp.upgrade[0])
            if t_u + 3600 <= x and (sub.ended_at is None or t_u < sub.ended_at):
                first.quantity = sp.upgrade[1]
                upgraded = True
        k = 0
        while True:
            t_k = at(k)
            end = sub.ended_at
            if t_k > x or (end is not None and t_k >= end):
                break
            lines = [self.licensed_line(sub, licensed, i, quantities, t_k, at(k + 1), k == 0)
                     for i in licensed]
            if k >= 1:
                lines += [self.metered_line(sub, i, at(k - 1), t_k) for i in metered]
            invoice = self.invoice(sub.id, t_k, lines,
                                   "subscription_create" if k == 0 else "subscription_cycle")
            self.settle(invoice, sp, renewal=k)
            if sp.dunning and k == 1 and invoice.status != "paid":
                self.cancel_for_dunning(sub, invoice)
            if k == 0 and upgraded:
                quantities = {i.id: i.quantity for i in licensed}
            k += 1
        if metered and sub.ended_at is not None and sub.ended_at <= x and k >= 1:
            last = at(k - 1)
            if last < sub.ended_at:
                lines = [self.metered_line(sub, i, last, sub.ended_at) for i in metered]
                self.settle(self.invoice(sub.id, sub.ended_at, lines, "subscription_cycle"), sp,
                            renewal=k)
        if upgraded and sp.upgrade:
            self.proration_invoice(sub, licensed, old_quantities, at(0), at(1), sp.upgrade)
        for item in metered:  # the trial's last days and the period still open at the export
            if sub.trial_end:  # the trial's last days, unless the subscription ended before
                self.usage_events(sub, item, max(sp.start, anchor - days(3)),
                                  min(anchor, x, sub.ended_at or x))
            if k >= 1 and sub.ended_at is None:
                self.usage_events(sub, item, at(k - 1), x)
        sub.status = self.status(sub)

    def status(self, sub: Subscription) -> str:
        """The subscription's status as of the export."""
        if sub.ended_at is not None:
            return "canceled"
        if sub.trial_end and sub.trial_end > self.x:
            return "trialing"
        return sub.status

    def line_amounts(self, sub: Subscription, licensed: list[Item], quantities: dict[str, int],
                     start: int, first: bool) -> dict[str, int]:
        """Discount per licensed item for the period starting at ``start``."""
        applying = [d for d in sub.discounts if discount_applies(d, start, sub.anchor)]
        amounts = [(i.id, (i.price.unit_amount or 0) * quantities[i.id]) for i in licensed]
        return licensed_discounts(amounts, applying)

    def licensed_line(self, sub: Subscription, licensed: list[Item], item: Item,
                      quantities: dict[str, int], start: int, end: int, first: bool) -> Line:
        """The in-advance line of a licensed item for one period."""
        qty = quantities[item.id]
        discount = self.line_amounts(sub, licensed, quantities, start, first)[item.id]
        return Line(self.sid("il"), (item.price.unit_amount or 0) * qty, self.currency, qty, None,
                    start, end, discount, item.price, item.id, sub.id, False,
                    f"{qty} × {item.price.product_name}")

    def metered_line(self, sub: Subscription, item: Item, start: int, end: int) -> Line:
        """The in-arrears line of a metered item, billing exactly the period's usage."""
        quantity = self.usage_events(sub, item, start, end)
        amount = round_half_even(quantity * item.price.unit_amount_decimal)
        return Line(self.sid("il"), amount, self.currency, int(quantity), quantity, start, end,
                    0, item.price, item.id, sub.id, False, f"Usage: {item.price.product_name}")

    def proration_invoice(self, sub: Subscription, licensed: list[Item],
                          quantities: dict[str, int], p0: int, p1: int,
                          upgrade: tuple[float, int]) -> None:
        """Invoice the mid-period quantity change with two proration lines at once."""
        item = min(licensed, key=lambda i: (i.price.tier == "addon", i.id))
        t_u = p0 + int((p1 - p0) * upgrade[0])
        if t_u > self.x:
            return
        unit = item.price.unit_amount or 0
        old, new = quantities[item.id], upgrade[1]
        remaining = Decimal(p1 - t_u) / Decimal(p1 - p0)
        lines = [
            Line(self.sid("il"), -round_half_even(unit * old * remaining), self.currency, old,
                 None, t_u, p1, 0, item.price, item.id, sub.id, True,
                 f"Unused time on {old} × {item.price.product_name}"),
            Line(self.sid("il"), round_half_even(unit * new * remaining), self.currency, new,
                 None, t_u, p1, 0, item.price, item.id, sub.id, True,
                 f"Remaining time on {new} × {item.price.product_name}"),
        ]
        invoice = self.invoice(sub.id, t_u, lines, "subscription_update")
        self.settle(invoice, None, renewal=0)

    def trial_invoice(self, sub: Subscription, trial_end: int) -> None:
        """Stripe's zero-total invoice at the start of a trial."""
        lines = [Line(self.sid("il"), 0, self.currency, max(i.quantity, 1), None, sub.start_date,
                      trial_end, 0, i.price, i.id, sub.id, False,
                      f"Trial period for {i.price.product_name}")
                 for i in sub.items if i.price.usage_type == "licensed"]
        invoice = self.invoice(sub.id, sub.start_date, lines, "subscription_create")
        self.settle(invoice, None, renewal=0)

    def incomplete(self, sub: Subscription) -> None:
        """First payment fails; the invoice is voided and the subscription expires."""
        assert self.world is not None
        licensed = [i for i in sub.items if i.price.usage_type == "licensed"]
        quantities = {i.id: i.quantity for i in licensed}
        end = add_interval(sub.anchor, "month", 1, 1)
        lines = [self.licensed_line(sub, licensed, i, quantities, sub.anchor, end, True)
                 for i in licensed]
        invoice = self.invoice(sub.id, sub.anchor, lines, "subscription_create")
        if invoice.status == "open":
            self.failed_charge(invoice, (invoice.finalized_at or 0) + 60)
            voided = sub.start_date + days(1)
            if voided <= self.x:
                invoice.status, invoice.voided_at = "void", voided
        sub.status = "incomplete_expired" if invoice.status == "void" else "incomplete"
        sub.items = licensed

    def cancel_for_dunning(self, sub: Subscription, invoice: Invoice) -> None:
        """After failed retries the open invoice is written off and the subscription ends."""
        ended = invoice.created + days(15)
        if ended <= self.x and (sub.ended_at is None or ended < sub.ended_at):
            invoice.status = "uncollectible"
            sub.canceled_at = sub.ended_at = ended
            sub.cancel_at = None
        else:
            sub.status = "past_due"

    # invoices and payments -------------------------------------------------------------------
    def invoice(self, sub_id: str | None, at: int, lines: list[Line], reason: str) -> Invoice:
        """A subscription invoice created at ``at`` and finalized an hour later."""
        assert self.world is not None
        self.invoice_seq += 1
        finalized = at + 3600
        number = f"{self.world.party.id[4:12].upper()}-{self.invoice_seq:04d}"
        invoice = Invoice(
            id=self.sid("in"), number=number, customer=self.world.party.id,
            currency=self.currency, status="open" if finalized <= self.x else "draft",
            created=at, finalized_at=finalized if finalized <= self.x else None, paid_at=None,
            voided_at=None, subscription=sub_id, lines=lines, tax_rate=self.entity.tax_rate,
            billing_reason=reason, shape=self.rng.choice(["classic", "current"]))
        if invoice.status == "draft":
            invoice.number = None
        self.world.invoices.append(invoice)
        self.retax(invoice)
        return invoice

    @staticmethod
    def retax(invoice: Invoice) -> None:
        """Recompute tax from the lines' net amounts."""
        net = sum(line.net for line in invoice.lines)
        invoice.tax = round_half_even(Decimal(net) * invoice.tax_rate)

    def settle(self, invoice: Invoice, sp: SubPlan | None, renewal: int) -> None:
        """Pay a finalized invoice the way it usually goes, with the odd failure or refund."""
        if invoice.status != "open" or invoice.finalized_at is None:
            return
        if invoice.total <= 0:
            if invoice.total == 0:
                invoice.status, invoice.paid_at = "paid", invoice.finalized_at
            return
        rng = self.rng
        clean = self.plan.clean
        when = invoice.finalized_at + rng.randint(60, 900)
        if sp is not None and sp.dunning and renewal == 1:
            self.failed_charge(invoice, when)
            self.failed_charge(invoice, when + days(3))
            return
        roll = 0.5 if clean else rng.random()
        if roll < 0.02:
            self.out_of_band(invoice, when + days(rng.randint(1, 5)))
            return
        if roll < 0.05:
            self.failed_charge(invoice, when)
            when += days(1)
        if when > self.x:
            return
        if roll >= 0.05 and roll < 0.06 and invoice.total > 1:
            first = invoice.total * 2 // 5
            self.charge(invoice, when, first)
            when += 7200
            self.charge(invoice, when, invoice.total - first)
        else:
            self.charge(invoice, when, invoice.total)
        invoice.status, invoice.paid_at, invoice.amount_paid = "paid", when, invoice.total
        if roll > 0.97:
            self.refund(self.last_charge, when + days(rng.randint(1, 20)), full=roll > 0.985)

    @property
    def last_charge(self) -> Charge:
        """The charge made last."""
        assert self.world is not None
        return self.world.charges[-1]

    def charge(self, invoice: Invoice, when: int, amount: int) -> Charge:
        """A succeeded charge with its balance transaction, linked to the invoice."""
        assert self.world is not None
        fee = _fee(amount, self.currency)
        charge = Charge(
            id=self.sid("ch"), customer=invoice.customer, amount=amount, currency=self.currency,
            status="succeeded", created=when, invoice=invoice.id, payment_intent=self.sid("pi"),
            balance_transaction=self.sid("txn"), fee=fee, shape=invoice.shape)
        self.world.charges.append(charge)
        invoice.charge = charge.id
        if invoice.shape == "current":
            kind = self.rng.choice(["charge", "payment_intent"])
            self.world.invoice_payments.append(InvoicePayment(
                self.sid("inpay"), invoice.id, kind, charge.id if kind == "charge" else None,
                charge.payment_intent if kind == "payment_intent" else None, amount,
                self.currency, "paid", when))
        return charge

    def failed_charge(self, invoice: Invoice, when: int) -> None:
        """A declined charge attempt: no balance transaction, nothing to post."""
        assert self.world is not None
        if when > self.x:
            return
        charge = Charge(
            id=self.sid("ch"), customer=invoice.customer, amount=invoice.total,
            currency=self.currency, status="failed", created=when, invoice=invoice.id,
            payment_intent=self.sid("pi"), balance_transaction=None, fee=0, shape=invoice.shape)
        self.world.charges.append(charge)
        if invoice.shape == "current":
            self.world.invoice_payments.append(InvoicePayment(
                self.sid("inpay"), invoice.id, "payment_intent", None, charge.payment_intent,
                0, self.currency, "canceled", when))

    def out_of_band(self, invoice: Invoice, when: int) -> None:
        """Paid by bank transfer outside the gateway."""
        assert self.world is not None
        if when > self.x:
            return
        invoice.status, invoice.paid_at, invoice.amount_paid = "paid", when, invoice.total
        invoice.paid_out_of_band = invoice.shape == "classic"
        if invoice.shape == "current":
            self.world.invoice_payments.append(InvoicePayment(
                self.sid("inpay"), invoice.id, "payment_record", None, None, invoice.total,
                self.currency, "paid", when))

    def refund(self, charge: Charge, when: int, *, full: bool) -> Refund | None:
        """Refund a charge in full (with a credit note) or in part."""
        assert self.world is not None
        if when > self.x:
            return None
        amount = charge.amount if full else max(1, charge.amount // 4)
        refund = Refund(self.sid("re"), charge.id, amount, self.currency, when, self.sid("txn"))
        charge.amount_refunded += amount
        self.world.refunds.append(refund)
        if full and charge.invoice:
            self.world.credit_notes.append(CreditNote(
                self.sid("cn"), charge.invoice, charge.customer, amount, self.currency, when))
        return refund

    # usage -----------------------------------------------------------------------------------
    def usage_events(self, sub: Subscription, item: Item, start: int, end: int) -> Decimal:
        """Metering events of a metered item in [start, end); returns their exact sum."""
        assert self.world is not None
        rng = self.rng
        event = item.price.meter_event or ""
        total = Decimal(0)
        if end <= start:
            return total
        count = max(1, rng.randint(20, 60) * (end - start) // days(30))
        for _ in range(count):
            value = _usage_value(rng, event)
            self.world.events.append(UsageEvent(
                id=_uuid(rng), source=EVENT_SOURCES[event], type=event, subject=sub.customer,
                time=rng.randrange(start, end), value=value,
                item=item.id if rng.random() < 0.5 else None))
            total += value
        if rng.random() < 0.03:
            self.world.redelivered.append(self.world.events[-1])
        return total

    def bill_usage(self, line: Line, quantity: Decimal) -> None:
        """Set a metered line's quantity and amount, and re-total its invoice."""
        assert self.world is not None
        line.quantity_decimal = quantity
        line.quantity = int(quantity)
        line.amount = round_half_even(quantity * line.price.unit_amount_decimal)
        for inv in self.world.invoices:
            if line in inv.lines:
                self.retotal(inv)

    def retotal(self, invoice: Invoice) -> None:
        """Recompute tax, and the charge when the invoice was already paid by one."""
        assert self.world is not None
        self.retax(invoice)
        charges = [c for c in self.world.charges
                   if c.invoice == invoice.id and c.status == "succeeded"]
        if invoice.status == "paid" and len(charges) == 1:
            charge = charges[0]
            charge.amount = invoice.total
            charge.fee = _fee(charge.amount, self.currency)
            invoice.amount_paid = invoice.total
            for ip in self.world.invoice_payments:
                if ip.invoice == invoice.id and ip.status == "paid":
                    ip.amount_paid = invoice.total
        elif invoice.status == "paid":
            invoice.amount_paid = invoice.total


def _fee(amount: int, currency: str) -> int:
    """Card processing fee: 2.9 % + 30 minor units (3.6 % for JPY)."""
    if currency == "jpy":
        return round_half_even(Decimal(amount) * Decimal("0.036"))
    return round_half_even(Decimal(amount) * Decimal("0.029")) + 30


def _usage_value(rng: random.Random, event: str) -> Decimal:
    """One event's metered value: request counts, or fractional GB-hours."""
    if event == "api_requests":
        return Decimal(rng.randint(1, 2000))
    return Decimal(rng.randint(1, 400)) / Decimal(20)


def _uuid(rng: random.Random) -> str:
    """A random UUID-shaped event id."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def _name_variant(name: str) -> str:
    """How a clerk would key the name into the ERP: other case, no punctuation, no suffix."""
    words = name.replace(",", "").replace(".", "").split()
    return " ".join(words[:-1]).upper() if len(words) > 2 else name.upper()


__all__ = ["Simulation", "midnight"]
