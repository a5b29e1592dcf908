"""How a healthy ERP posts a customer's documents (docs/sources.md, "How a healthy ERP posts")."""

from __future__ import annotations

from recon_pipeline.generate.context import Context
from recon_pipeline.generate.model import Invoice, Journal, World
from recon_pipeline.generate.pricing import revenue_shares
from recon_pipeline.lib.cycles import cycle_end, cycle_of, cycle_start


def post_world(ctx: Context, world: World) -> None:
    """Append every journal the ERP posts for this customer's documents."""
    code = world.party.erp_rows[0]["customer_code"] if world.party.erp_rows else None
    entity = world.party.entity
    for invoice in world.invoices:
        if invoice.finalized_at is None or invoice.total == 0:
            continue
        journal = invoice_journal(ctx, invoice, entity, code)
        world.journals.append(journal)
        if invoice.status == "void" and invoice.voided_at is not None:
            world.journals.append(reversal(ctx, journal, invoice.voided_at))
    for invoice in world.invoices:
        if invoice.is_finalized:
            world.journals.extend(revrec_journals(ctx, invoice, entity, code))
        if invoice.paid_out_of_band or _paid_by_record(world, invoice):
            world.journals.append(Journal(
                ctx.journal_id(), entity, invoice.paid_at or 0, cycle_of(invoice.paid_at or 0),
                "MANUAL", invoice.id, invoice.currency, code,
                [("CASH", invoice.total, 0), ("AR", 0, invoice.total)]))
    for charge in world.charges:
        if charge.status != "succeeded":
            continue
        period = cycle_of(charge.created)
        world.journals.append(Journal(
            ctx.journal_id(), entity, charge.created, period, "PAYMENT", charge.id,
            charge.currency, code,
            [("GATEWAY_CLEARING", charge.amount, 0), ("AR", 0, charge.amount)]))
        if charge.fee:
            world.journals.append(Journal(
                ctx.journal_id(), entity, charge.created, period, "FEE", charge.id,
                charge.currency, code,
                [("GATEWAY_FEES", charge.fee, 0), ("GATEWAY_CLEARING", 0, charge.fee)]))
    for refund in world.refunds:
        world.journals.append(Journal(
            ctx.journal_id(), entity, refund.created, cycle_of(refund.created), "REFUND",
            refund.id, refund.currency, code,
            [("AR", refund.amount, 0), ("GATEWAY_CLEARING", 0, refund.amount)]))
    for note in world.credit_notes:
        world.journals.append(Journal(
            ctx.journal_id(), entity, note.created, cycle_of(note.created), "CREDIT_NOTE",
            note.id, note.currency, code, [("REVENUE", note.amount, 0), ("AR", 0, note.amount)]))


def _paid_by_record(world: World, invoice: Invoice) -> bool:
    return any(ip.invoice == invoice.id and ip.kind == "payment_record" and ip.status == "paid"
               for ip in world.invoice_payments)


def invoice_journal(ctx: Context, invoice: Invoice, entity: str, code: str | None) -> Journal:
    """Dr AR total; Cr deferred revenue (licensed), revenue (metered), tax payable."""
    licensed = sum(ln.net for ln in invoice.lines if ln.price.usage_type == "licensed")
    metered = sum(ln.net for ln in invoice.lines if ln.price.usage_type == "metered")
    lines = [("AR", invoice.total, 0)]
    for role, amount in (("DEFERRED_REVENUE", licensed), ("REVENUE", metered),
                         ("TAX_PAYABLE", invoice.tax)):
        if amount > 0:
            lines.append((role, 0, amount))
        elif amount < 0:
            lines.append((role, -amount, 0))
    at = invoice.finalized_at or invoice.created
    return Journal(ctx.journal_id(), entity, at, cycle_of(at), "INVOICE", invoice.id,
                   invoice.currency, code, _net_sides(lines))


def _net_sides(lines: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Keep every amount non-negative by moving negative debits to credits and back."""
    out = []
    for role, debit, credit in lines:
        if debit < 0:
            debit, credit = 0, credit - debit
        if credit < 0:
            debit, credit = debit - credit, 0
        out.append((role, debit, credit))
    return out


def reversal(ctx: Context, journal: Journal, at: int) -> Journal:
    """The mirror image of ``journal``, cancelling it."""
    return Journal(ctx.journal_id(), journal.entity, at, cycle_of(at), "REVERSAL", journal.doc_ref,
                   journal.currency, journal.customer_code,
                   [(role, credit, debit) for role, debit, credit in journal.lines],
                   reversal_of=journal.id)


def revrec_journals(ctx: Context, invoice: Invoice, entity: str,
                    code: str | None) -> list[Journal]:
    """One REVREC journal per cycle the ERP has closed: the ratable share of licensed lines."""
    per_cycle: dict[str, int] = {}
    for line in invoice.lines:
        if line.price.usage_type != "licensed":
            continue
        for cycle, share in revenue_shares(line).items():
            per_cycle[cycle] = per_cycle.get(cycle, 0) + share
    journals = []
    for cycle in sorted(per_cycle):
        amount = per_cycle[cycle]
        if amount == 0 or cycle > ctx.last_cycle:
            continue
        at = max(cycle_end(cycle) - 86400, cycle_start(cycle))
        lines = [("DEFERRED_REVENUE", amount, 0), ("REVENUE", 0, amount)]
        journals.append(Journal(ctx.journal_id(), entity, at, cycle, "REVREC", invoice.id,
                                invoice.currency, code, _net_sides(lines)))
    return journals
