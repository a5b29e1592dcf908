"""billing_erp recon: finalized invoices against their INVOICE journals, and duplicate postings."""

from __future__ import annotations

from collections import defaultdict

from tests.oracle.common import Finding, cycle_of, differs, major_to_minor
from tests.oracle.context import Context


def invoice_findings(ctx: Context) -> list[Finding]:
    """not_posted / amount / currency / period / entity findings of the cycle's invoices."""
    out: list[Finding] = []
    for inv in ctx.finalized.values():
        if inv.cycle != ctx.cycle:
            continue
        lines = ctx.journals.lines("INVOICE", inv.id)
        if not lines:
            # SPEC-AMBIGUITY: "total ≠ 0" is read like every other ≠: by more than the tolerance.
            if abs(inv.total) > ctx.tol:
                out.append(ctx.finding("invoice_not_posted", inv.id, inv.currency))
            continue
        if any(line.currency != inv.currency for line in lines):
            out.append(ctx.finding("invoice_currency_mismatch", inv.id, inv.currency))
        else:
            posted = major_to_minor(ctx.journals.posted("INVOICE", inv.id), inv.currency)
            if differs(posted, inv.total, ctx.tol):
                out.append(ctx.finding("invoice_amount_mismatch", inv.id, inv.currency))
        if any(line.period != inv.cycle for line in lines):
            out.append(ctx.finding("invoice_period_mismatch", inv.id, inv.currency))
        customer = ctx.s.customers.get(inv.customer)
        entity = customer.legal_entity if customer is not None else None
        # SPEC-AMBIGUITY: with no readable customer or no metadata.legal_entity there is no
        # entity to compare with, so the entity check is skipped.
        if entity is not None and any(line.entity_code != entity for line in lines):
            out.append(ctx.finding("invoice_entity_mismatch", inv.id, inv.currency))
    return out


def document_cycle(ctx: Context, document_type: str, ref: str) -> str | None:
    """Cycle of the source document a journal posts, when that document is known."""
    s = ctx.s
    if document_type in ("INVOICE", "REVREC") and ref in s.invoices:
        return s.invoices[ref].cycle
    if document_type in ("PAYMENT", "FEE") and ref in s.charges:
        return cycle_of(s.charges[ref].created)
    if document_type == "REFUND" and ref in s.refunds:
        return cycle_of(s.refunds[ref].created)
    if document_type == "PAYOUT" and ref in s.payouts:
        return cycle_of(s.payouts[ref].arrival_date)
    if document_type == "CREDIT_NOTE" and ref in s.credit_notes:
        # SPEC-AMBIGUITY: a credit note's cycle is the month of its `created`.
        return cycle_of(s.credit_notes[ref].created)
    return None


def document_currency(ctx: Context, document_type: str, ref: str) -> str | None:
    """Currency of the posted document (its journals' when the document is unknown)."""
    s = ctx.s
    for table in (s.invoices, s.charges, s.refunds, s.payouts, s.credit_notes):
        document = table.get(ref)
        if document is not None:
            return document.currency
    lines = ctx.journals.lines(document_type, ref)
    return lines[0].currency if lines else None


def duplicate_postings(ctx: Context) -> list[Finding]:
    """One finding per document and cycle with more than one live journal of one type."""
    hits: dict[str, str] = {}  # ref -> a duplicated type (for the currency)
    for (document_type, ref), lines in ctx.journals.by_doc.items():
        # SPEC-AMBIGUITY: MANUAL journals post no source document and are not checked.
        if document_type == "MANUAL":
            continue
        if document_type == "REVREC":
            ids_by_period: dict[str, set[str]] = defaultdict(set)
            for line in lines:
                ids_by_period[line.period].add(line.journal_id)
            if len(ids_by_period.get(ctx.cycle, ())) > 1:
                hits.setdefault(ref, document_type)
            continue
        journal_ids = {line.journal_id for line in lines}
        if len(journal_ids) < 2:
            continue
        # SPEC-AMBIGUITY: for a document that is not in the sources, the cycle is the earliest
        # period of its live journals of that type.
        cycle = document_cycle(ctx, document_type, ref) or min(line.period for line in lines)
        if cycle == ctx.cycle:
            hits.setdefault(ref, document_type)
    return [
        ctx.finding("duplicate_posting", ref, document_currency(ctx, document_type, ref))
        for ref, document_type in hits.items()
    ]


def postings_without_invoice(ctx: Context) -> list[Finding]:
    """Live INVOICE journals, posted in this cycle, whose ref is no finalized invoice."""
    out: list[Finding] = []
    for (document_type, ref), lines in ctx.journals.by_doc.items():
        if document_type != "INVOICE" or ref in ctx.finalized:
            continue
        in_cycle = [line for line in lines if line.period == ctx.cycle]
        if in_cycle:
            out.append(ctx.finding("posting_without_invoice", ref, in_cycle[0].currency))
    return out


def billing_erp(ctx: Context) -> list[Finding]:
    """Every billing_erp finding of the cycle (before precedence)."""
    return invoice_findings(ctx) + duplicate_postings(ctx) + postings_without_invoice(ctx)
