"""gateway_erp, gateway_billing and payouts recons: charges, refunds and payouts."""

from __future__ import annotations

from collections import defaultdict

from tests.oracle.common import Finding, cycle_of, differs, major_to_minor
from tests.oracle.context import Context


def gateway_erp(ctx: Context) -> list[Finding]:
    """Succeeded charges and refunds of the cycle against PAYMENT, FEE and REFUND journals."""
    out: list[Finding] = []
    journals = ctx.journals
    for ch in ctx.s.charges.values():
        if not ch.succeeded or not ctx.in_cycle(ch.created):
            continue
        if not journals.lines("PAYMENT", ch.id):
            out.append(ctx.finding("payment_not_posted", ch.id, ch.currency))
            continue
        posted = major_to_minor(journals.posted("PAYMENT", ch.id), ch.currency)
        if differs(posted, ch.settled_amount, ctx.tol):
            out.append(ctx.finding("payment_amount_mismatch", ch.id, ch.currency))
        bt = ctx.s.balance_transactions.get(ch.balance_transaction or "")
        # SPEC-AMBIGUITY: with no readable balance transaction there is no fee to compare with;
        # the fee is compared in the balance transaction's (settlement) currency.
        if bt is not None:
            fee = major_to_minor(journals.posted("FEE", ch.id), bt.currency)
            if differs(fee, bt.fee, ctx.tol):
                out.append(ctx.finding("fee_mismatch", ch.id, bt.currency))
    for re in ctx.s.refunds.values():
        if re.status != "succeeded" or not ctx.in_cycle(re.created):
            continue
        if not journals.lines("REFUND", re.id):
            out.append(ctx.finding("refund_not_posted", re.id, re.currency))
            continue
        posted = major_to_minor(journals.posted("REFUND", re.id), re.currency)
        if differs(posted, re.amount, ctx.tol):
            out.append(ctx.finding("refund_amount_mismatch", re.id, re.currency))
    for (document_type, ref), lines in journals.by_doc.items():
        if document_type != "PAYMENT":
            continue
        charge = ctx.s.charges.get(ref)
        in_cycle = [line for line in lines if line.period == ctx.cycle]
        if in_cycle and (charge is None or not charge.succeeded):
            out.append(ctx.finding("posting_without_payment", ref, in_cycle[0].currency))
    return out


def _paid_out_of_band(ctx: Context) -> set[str]:
    """Invoices paid outside the gateway (classic flag, or a paid payment_record payment)."""
    flagged = {inv.id for inv in ctx.s.invoices.values() if inv.paid_out_of_band}
    flagged.update(
        ip.invoice
        for ip in ctx.s.invoice_payments
        if ip.status == "paid" and ip.payment_type == "payment_record"
    )
    return flagged


def gateway_billing(ctx: Context) -> list[Finding]:
    """Paid invoices without a succeeded charge; succeeded charges on still-open invoices."""
    out: list[Finding] = []
    out_of_band = _paid_out_of_band(ctx)
    charges = ctx.s.charges
    for inv in ctx.s.invoices.values():
        if inv.status != "paid" or inv.id in out_of_band or inv.amount_paid <= 0:
            continue
        # SPEC-AMBIGUITY: a paid invoice without paid_at falls in its own (finalization) cycle.
        paid_cycle = cycle_of(inv.paid_at) if inv.paid_at is not None else inv.cycle
        if paid_cycle != ctx.cycle:
            continue
        linked = ctx.charges_of_invoice.get(inv.id, set())
        if not any(c in charges and charges[c].succeeded for c in linked):
            out.append(ctx.finding("invoice_paid_without_payment", inv.id, inv.currency))
    for ch in charges.values():
        if not ch.succeeded or not ctx.in_cycle(ch.created):
            continue
        invoices = [ctx.s.invoices[i] for i in ctx.invoices_of_charge.get(ch.id, ()) if i in
                    ctx.s.invoices]
        if any(inv.status in ("open", "uncollectible") for inv in invoices):
            out.append(ctx.finding("payment_unapplied", ch.id, ch.currency))
    return out


def payouts(ctx: Context) -> list[Finding]:
    """Paid payouts of the cycle against their balance transactions and PAYOUT journals."""
    out: list[Finding] = []
    settled: dict[str, list[int]] = defaultdict(list)
    # A payout's "own" transaction: type payout whose source is the payout, or the payout's
    # balance_transaction.
    own: dict[str, set[str]] = defaultdict(set)
    for bt in ctx.s.balance_transactions.values():
        if bt.type == "payout" and bt.source is not None:
            own[bt.source].add(bt.id)
    for po in ctx.s.payouts.values():
        if po.balance_transaction is not None:
            own[po.id].add(po.balance_transaction)
    for bt in ctx.s.balance_transactions.values():
        if bt.payout is not None and not (bt.type == "payout" and bt.id in own[bt.payout]):
            settled[bt.payout].append(bt.net)
    for po in ctx.s.payouts.values():
        if po.status != "paid" or not ctx.in_cycle(po.arrival_date):
            continue
        nets = settled.get(po.id)
        if nets and differs(po.amount, sum(nets), ctx.tol):
            out.append(ctx.finding("payout_settlement_mismatch", po.id, po.currency))
        lines = ctx.journals.lines("PAYOUT", po.id)
        posted = major_to_minor(ctx.journals.posted("PAYOUT", po.id), po.currency)
        if not lines or differs(posted, po.amount, ctx.tol):
            out.append(ctx.finding("payout_posting_mismatch", po.id, po.currency))
    return out
