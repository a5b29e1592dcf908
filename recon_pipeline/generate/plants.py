"""Planted mismatches and traps: customers built to carry exactly one known problem each.

Each special customer gets a plan (:func:`special_plan`), is simulated like everyone else, and
is then changed by :func:`before_posting` (documents) and :func:`after_posting` (journals),
which record what the pipeline must find in :class:`~recon_pipeline.generate.truth.Truth`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from decimal import Decimal

from recon_pipeline.generate.catalog import ENTITIES, ENTITY_BY_CODE
from recon_pipeline.generate.context import Context
from recon_pipeline.generate.model import Invoice, Journal, Line, UsageEvent, World
from recon_pipeline.generate.plans import CustomerPlan, SubPlan
from recon_pipeline.generate.simulate import Simulation
from recon_pipeline.generate.truth import Expected, Truth
from recon_pipeline.lib.cycles import (
    cycle_end,
    cycle_of,
    cycle_start,
    day_of,
    days,
    shift_cycle,
)
from recon_pipeline.lib.money import round_half_even

#: How many variants of each category are planted per cycle (times the scale multiplier).
VARIANTS = {"duplicate_posting": 2, "posting_without_invoice": 2, "fee_mismatch": 2,
            "posting_without_payment": 2, "payout_posting_mismatch": 2, "unbilled_usage": 2,
            "orphan_usage": 2, "customer_attribute_mismatch": 3,
            "revenue_recognition_mismatch": 2, "underbilled_subscription": 2}
TRAPS = ("reversed_duplicate_posting", "rounding_one_minor_unit", "zero_total_invoice",
         "usage_tenths", "redelivered_event", "name_only_customer", "draft_invoice",
         "failed_charge", "period_start_off_anchor", "paid_out_of_band")
#: Plants applied to payouts after every customer is written, not to a customer.
PAYOUT_PLANTS = ("payout_settlement_mismatch", "payout_posting_mismatch")
_METERED = ("unbilled_usage", "overbilled_usage", "usage_tenths", "redelivered_event")
_MASTER = ("customer_missing_in_erp", "customer_missing_in_crm", "duplicate_customer",
           "customer_attribute_mismatch", "name_only_customer")


@dataclass(frozen=True)
class Special:
    """A planted problem (kind ``plant``) or a trap, for one cycle."""

    kind: str
    name: str
    cycle: str
    variant: int


def specials(cycles: list[str], multiplier: int) -> list[Special]:
    """Every planted problem and trap of a generation, in a fixed order."""
    from recon_pipeline.generate.truth import CATEGORIES

    out: list[Special] = []
    for cycle in cycles:
        for category in CATEGORIES:
            if category in PAYOUT_PLANTS:
                continue
            for v in range(VARIANTS.get(category, 1) * multiplier):
                out.append(Special("plant", category, cycle, v))
        for trap in TRAPS:
            out.append(Special("trap", trap, cycle, 0))
    return out


def special_plan(sp: Special, rng: random.Random, ctx: Context) -> CustomerPlan:
    """A clean customer whose subscription has a monthly invoice in the special's cycle."""
    c0 = cycle_start(sp.cycle)
    in_cycle = sp.name in _MASTER or sp.name == "zero_total_invoice"
    if in_cycle:
        start = c0 + days(rng.randint(1, 18)) + rng.randrange(3600, 72000)
    else:
        start = c0 - days(rng.randint(28, 50)) + rng.randrange(3600, 72000)
        start = max(start, ctx.business_start + 3600)
        if day_of(start).day > 25:
            start -= days(6)
        if start < ctx.business_start:
            start = c0 + days(1) + rng.randrange(3600, 72000)
    entity = "US01" if sp.name == "name_only_customer" else rng.choice(
        [e.code for e in ENTITIES])
    sub = SubPlan(start=start, licensed=[("team", rng.randint(2, 9))],
                  shape=rng.choice(["classic", "current"]))
    if sp.name in _METERED:
        sub.metered = ["storage_gb_hours" if sp.name == "usage_tenths" else
                       rng.choice(["api_requests", "storage_gb_hours"])]
    if sp.name == "zero_total_invoice":
        sub.trial_days = 14
    plan = CustomerPlan(entity=entity, country=ENTITY_BY_CODE[entity].country, created=start,
                        subs=[sub], clean=True, shape=rng.choice(["classic", "current"]),
                        special=f"{sp.kind}:{sp.name}")
    if sp.name == "name_only_customer":
        plan.resolution, plan.has_tax_id = "name", False
    if sp.name in ("customer_missing_in_erp", "customer_missing_in_crm", "duplicate_customer",
                   "customer_attribute_mismatch"):
        plan.resolution, plan.crm = "external_ref", "billing_id"
    return plan


# ---------------------------------------------------------------------------------------------
def target_invoice(world: World, cycle: str) -> Invoice:
    """The subscription invoice whose licensed period starts in ``cycle``."""
    for inv in world.invoices:
        if inv.is_finalized and any(not ln.proration and ln.price.usage_type == "licensed"
                                    and cycle_of(ln.start) == cycle for ln in inv.lines):
            return inv
    raise LookupError(f"no invoice in {cycle} for {world.party.id}")


def licensed_line(inv: Invoice) -> Line:
    """The invoice's (single) licensed line."""
    return next(ln for ln in inv.lines if ln.price.usage_type == "licensed" and not ln.proration)


def metered_target(world: World, cycle: str) -> tuple[Invoice, Line]:
    """The metered line whose period's last instant falls in ``cycle``."""
    for inv in world.invoices:
        for ln in inv.lines:
            if ln.price.usage_type == "metered" and cycle_of(ln.end - 1) == cycle:
                return inv, ln
    raise LookupError(f"no metered period in {cycle} for {world.party.id}")


def drop_invoice(world: World, inv: Invoice) -> None:
    """Remove an invoice with its charges and payment links."""
    world.invoices.remove(inv)
    charges = {c.id for c in world.charges if c.invoice == inv.id}
    world.charges = [c for c in world.charges if c.id not in charges]
    world.invoice_payments = [p for p in world.invoice_payments if p.invoice != inv.id]


def period_usage(world: World, line: Line) -> Decimal:
    """Usage of the line's item in the line's period."""
    seen: set[tuple[str, str]] = set()
    total = Decimal(0)
    for ev in world.events:
        if ev.item in (line.item, None) and line.start <= ev.time < line.end and \
                (ev.source, ev.id) not in seen and ev.type == line.price.meter_event:
            seen.add((ev.source, ev.id))
            total += ev.value
    return total


def before_posting(sp: Special, world: World, sim: Simulation, ctx: Context,
                   truth: Truth) -> None:
    """Change the customer's documents to carry the special's problem; record the truth."""
    name, cycle, v = sp.name, sp.cycle, sp.variant
    cur = world.party.currency
    rng = sim.rng

    def add(category: str, object_id: str | None, **kw: object) -> None:
        truth.add(Expected(cycle, category, object_id or "", **kw))  # type: ignore[arg-type]

    if name in ("customer_missing_in_erp", "customer_missing_in_crm", "duplicate_customer",
                "customer_attribute_mismatch"):
        party = world.party
        if name == "customer_missing_in_erp":
            party.erp_rows.clear()
            party.meta_erp_code = None
        elif name == "customer_missing_in_crm":
            party.crm_rows.clear()
            party.meta_crm_id = None
        elif name == "duplicate_customer":
            row = dict(party.erp_rows[0])
            row["customer_code"] = f"{row['customer_code']}-DUP"
            party.erp_rows.append(row)
        else:
            row = party.erp_rows[0]
            if v % 3 == 0:
                row["country"] = "CA" if party.country != "CA" else "US"
            elif v % 3 == 1:
                row["currency"] = "USD" if party.currency != "usd" else "EUR"
            else:
                party.tax_id = party.tax_id or f"{party.country}100200300"
                row["tax_id"] = f"{party.country}999888777"
        for c in sorted({cycle_of(i.finalized_at or 0) for i in world.invoices
                         if i.is_finalized} & set(ctx.cycles)):
            truth.add(Expected(c, name, party.id, note="customer master"))
        return
    if name == "name_only_customer":
        truth.trap(cycle, name, world.party.id, "resolves to its ERP record by normalised name")
        return
    if name == "zero_total_invoice":
        inv = next(i for i in world.invoices if i.total == 0 and i.is_finalized)
        truth.trap(cycle, name, inv.id, "zero-total trial invoice, not posted")
        return
    if name in PAYOUT_PLANTS:
        return
    if name in ("unbilled_usage", "overbilled_usage", "usage_tenths"):
        inv, line = metered_target(world, cycle)
        usage = period_usage(world, line)
        step = Decimal(1) if line.price.meter_event == "api_requests" else Decimal("0.05")
        if name == "usage_tenths":
            world.events = [e for e in world.events if not (
                e.item in (line.item, None) and line.start <= e.time < line.end)]
            for k in range(3):
                world.events.append(UsageEvent(
                    f"tenth-{line.id[3:15]}-{k}", "//metering.northwind.example/storage",
                    "storage_gb_hours", world.party.id, line.start + 3600 * (k + 1),
                    Decimal("0.1"), line.item if k == 0 else None))
            sim.bill_usage(line, Decimal("0.3"))
            truth.trap(cycle, name, line.item or "", "three events of 0.1 billed as 0.3")
            return
        if name == "overbilled_usage":
            billed = usage + step * rng.randint(5, 50)
            sim.bill_usage(line, billed)
            add(name, line.item, period_start=day_of(line.start), currency=cur)
            return
        missing: Decimal = (usage / 4).quantize(step) if v % 2 == 0 else usage
        if missing <= 0:
            missing = usage
        unit = line.price.unit_amount_decimal
        if v % 2 == 1:
            inv.lines.remove(line)
            sim.retotal(inv)
        else:
            sim.bill_usage(line, usage - missing)
        add(name, line.item, period_start=day_of(line.start), currency=cur,
            leakage_minor=round_half_even(missing * unit))
        return
    if name == "redelivered_event":
        ev = next(e for e in world.events if cycle_of(e.time) == cycle)
        world.redelivered.append(ev)
        truth.trap(cycle, name, f"{ev.source} {ev.id}", "the same event delivered twice")
        return
    if name == "orphan_usage":
        subject = world.party.id if v % 2 == 0 else f"cus_{rng.getrandbits(56):014x}"
        kind = "gpu_seconds" if v % 2 == 0 else "api_requests"
        t0 = cycle_start(cycle) + days(rng.randint(2, 20))
        for k in range(3):
            world.events.append(UsageEvent(
                f"orphan-{rng.getrandbits(64):016x}", "//metering.northwind.example/gpu",
                kind, subject, t0 + 600 * k, Decimal(k + 1), None))
        add(name, f"{subject}/{kind}", note="events attach to no metered item")
        return

    inv = target_invoice(world, cycle)
    line = licensed_line(inv)
    charge = next((c for c in world.charges if c.invoice == inv.id and c.status == "succeeded"),
                  None)
    if name == "period_start_off_anchor":
        shift = 20 * 3600
        line.start += shift
        inv.created += shift
        inv.finalized_at = (inv.finalized_at or 0) + shift
        for ch in world.charges:
            if ch.invoice == inv.id:
                ch.created += shift
        inv.paid_at = (inv.paid_at or 0) + shift
        for p in world.invoice_payments:
            if p.invoice == inv.id:
                p.created += shift
        truth.trap(cycle, name, line.item or "", "line period starts 20 hours after its anchor")
    elif name == "draft_invoice":
        draft = replace(inv, id=sim.sid("in"), number=None, status="draft", finalized_at=None,
                        paid_at=None, subscription=None, billing_reason="manual",
                        lines=[replace(line, id=sim.sid("il"), item=None, subscription=None,
                                       description="One-off onboarding services")])
        world.invoices.append(draft)
        truth.trap(cycle, name, draft.id, "a draft invoice is not finalized")
    elif name == "failed_charge" or (name == "posting_without_payment" and v % 2 == 0):
        sim.failed_charge(inv, (inv.finalized_at or 0) + 30)
        if name == "failed_charge":
            truth.trap(cycle, name, sim.last_charge.id, "declined charge, nothing to post")
    elif name == "paid_out_of_band":
        drop = [c.id for c in world.charges if c.invoice == inv.id]
        world.charges = [c for c in world.charges if c.id not in drop]
        world.invoice_payments = [p for p in world.invoice_payments if p.invoice != inv.id]
        inv.charge = None
        sim.out_of_band(inv, inv.paid_at or 0)
        truth.trap(cycle, name, inv.id, "paid outside the gateway")
    elif name in ("refund_not_posted", "refund_amount_mismatch") and charge is not None:
        sim.refund(charge, charge.created + days(2), full=False)
    elif name == "invoice_paid_without_payment":
        drop_ids = [c.id for c in world.charges if c.invoice == inv.id]
        world.charges = [c for c in world.charges if c.id not in drop_ids]
        world.invoice_payments = [p for p in world.invoice_payments if p.invoice != inv.id]
        inv.charge = None
        add(name, inv.id, note="paid, but no payment in the gateway")
    elif name == "payment_unapplied" and charge is not None:
        inv.status, inv.paid_at, inv.amount_paid = "open", None, 0
        charge.shape = "classic"
        world.invoice_payments = [p for p in world.invoice_payments if p.invoice != inv.id]
        add(name, charge.id, note="charge succeeded, invoice still open")
    elif name == "unbilled_subscription":
        drop_invoice(world, inv)
        add(name, line.item, period_start=day_of(line.start), currency=cur,
            leakage_minor=line.net)
    elif name in ("underbilled_subscription", "overbilled_subscription"):
        unit_minor = line.price.unit_amount or 0
        expected = line.net
        if name == "overbilled_subscription":
            line.quantity += 1
            line.amount = unit_minor * line.quantity
        elif v % 2 == 0:
            line.discount += round_half_even(Decimal(line.amount) * Decimal("0.2"))
        else:
            line.quantity -= 1
            line.amount = unit_minor * line.quantity
        sim.retotal(inv)
        add(name, line.item, period_start=day_of(line.start), currency=cur,
            leakage_minor=expected - line.net if name.startswith("under") else None)
    elif name == "duplicate_billing":
        copy = replace(inv, id=sim.sid("in"), number=f"{inv.number}-B", status="open",
                       created=inv.created + 300, finalized_at=(inv.finalized_at or 0) + 300,
                       paid_at=None, amount_paid=0, charge=None,
                       lines=[replace(ln, id=sim.sid("il")) for ln in inv.lines])
        world.invoices.append(copy)
        sim.settle(copy, None, renewal=1)
        add(name, line.item, period_start=day_of(line.start), note="billed twice")
    elif name == "billed_after_cancellation":
        sub = next(s for s in world.subscriptions if s.id == inv.subscription)
        sub.ended_at, sub.canceled_at, sub.status = line.start, line.start - days(5), "canceled"
        for later in [i for i in world.invoices if i.created > inv.created]:
            drop_invoice(world, later)
        add(name, line.item, period_start=day_of(line.start), note="billed after its end")


def after_posting(sp: Special, world: World, sim: Simulation, ctx: Context,
                  truth: Truth) -> None:
    """Change the customer's journals to carry the special's problem; record the truth."""
    name, cycle, v = sp.name, sp.cycle, sp.variant
    if sp.kind == "trap" and name not in ("reversed_duplicate_posting",
                                           "rounding_one_minor_unit"):
        return
    try:
        inv = target_invoice(world, cycle)
    except LookupError:
        return
    charge = next((c for c in world.charges if c.invoice == inv.id and c.status == "succeeded"),
                  None)
    delta = 1000 if world.party.currency != "jpy" else 1500

    def journal(doc_type: str, ref: str, period: str | None = None) -> Journal:
        return next(j for j in world.journals if j.doc_type == doc_type and j.doc_ref == ref
                    and (period is None or j.period == period))

    def add(category: str, object_id: str | None, **kw: object) -> None:
        truth.add(Expected(cycle, category, object_id or "", **kw))  # type: ignore[arg-type]

    def bump(j: Journal, debit_role: str, credit_role: str, amount: int) -> None:
        j.lines = [(r, d + (amount if r == debit_role and d else 0),
                    c + (amount if r == credit_role and c else 0)) for r, d, c in j.lines]

    if name == "reversed_duplicate_posting":
        original = journal("INVOICE", inv.id)
        dup = replace(original, id=ctx.journal_id(), lines=list(original.lines))
        world.journals.append(dup)
        from recon_pipeline.generate.ledger import reversal
        world.journals.append(reversal(ctx, dup, dup.posting_date + days(2)))
        truth.trap(cycle, name, inv.id, "duplicate INVOICE journal reversed")
    elif name == "rounding_one_minor_unit":
        bump(journal("INVOICE", inv.id), "AR", "DEFERRED_REVENUE", 1)
        truth.trap(cycle, name, inv.id, "posted 1 minor unit off")
    elif name == "invoice_not_posted":
        world.journals.remove(journal("INVOICE", inv.id))
        add(name, inv.id)
    elif name == "invoice_amount_mismatch":
        bump(journal("INVOICE", inv.id), "AR", "DEFERRED_REVENUE", delta)
        add(name, inv.id)
    elif name == "invoice_currency_mismatch":
        j = journal("INVOICE", inv.id)
        j.currency = "eur" if j.currency != "eur" else "usd"
        add(name, inv.id)
    elif name == "invoice_period_mismatch":
        j = journal("INVOICE", inv.id)
        j.period = shift_cycle(cycle, 1)
        j.posting_date = cycle_end(cycle) + days(1)
        add(name, inv.id)
    elif name == "invoice_entity_mismatch":
        j = journal("INVOICE", inv.id)
        j.entity = next(e.code for e in ENTITIES if e.code != j.entity)
        add(name, inv.id)
    elif name == "duplicate_posting":
        if v % 2 == 0 or charge is None:
            j = journal("INVOICE", inv.id)
            ref, types = inv.id, "INVOICE"
        else:
            j = journal("PAYMENT", charge.id)
            ref, types = charge.id, "PAYMENT"
        world.journals.append(replace(j, id=ctx.journal_id(), lines=list(j.lines)))
        add(name, ref, related_id=types)
    elif name == "posting_without_invoice":
        ref = f"in_{sim.rng.getrandbits(96):024x}"
        if v % 2 == 1:
            draft = replace(inv, id=sim.sid("in"), number=None, status="draft",
                            finalized_at=None, paid_at=None, subscription=None,
                            billing_reason="manual", lines=[])
            world.invoices.append(draft)
            ref = draft.id
        j = journal("INVOICE", inv.id)
        world.journals.append(replace(j, id=ctx.journal_id(), doc_ref=ref, lines=list(j.lines)))
        add(name, ref)
    elif name == "revenue_recognition_mismatch":
        j = journal("REVREC", inv.id, cycle)
        if v % 2 == 0:
            bump(j, "DEFERRED_REVENUE", "REVENUE", delta)
        else:
            world.journals.remove(j)
        add(name, inv.id)
    elif charge is None:
        return
    elif name == "payment_not_posted":
        world.journals.remove(journal("PAYMENT", charge.id))
        add(name, charge.id)
    elif name == "payment_amount_mismatch":
        bump(journal("PAYMENT", charge.id), "GATEWAY_CLEARING", "AR", delta)
        add(name, charge.id)
    elif name == "fee_mismatch":
        j = journal("FEE", charge.id)
        if v % 2 == 0:
            bump(j, "GATEWAY_FEES", "GATEWAY_CLEARING", 25)
        else:
            world.journals.remove(j)
        add(name, charge.id)
    elif name == "posting_without_payment":
        if v % 2 == 0:
            failed = next(c for c in world.charges if c.invoice == inv.id
                          and c.status == "failed")
            ref = failed.id
        else:
            ref = f"ch_{sim.rng.getrandbits(96):024x}"
        j = journal("PAYMENT", charge.id)
        world.journals.append(replace(j, id=ctx.journal_id(), doc_ref=ref, lines=list(j.lines)))
        add(name, ref)
    elif name in ("refund_not_posted", "refund_amount_mismatch"):
        refund = next(r for r in world.refunds if r.charge == charge.id)
        j = journal("REFUND", refund.id)
        if name == "refund_not_posted":
            world.journals.remove(j)
        else:
            bump(j, "AR", "GATEWAY_CLEARING", delta // 4)
        add(name, refund.id)
