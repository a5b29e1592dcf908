"""revenue recon: REVREC posted per invoice and cycle against the ratable share of its
licensed lines."""

from __future__ import annotations

from fractions import Fraction

from tests.oracle.common import (
    Finding,
    cycle_bounds,
    cycle_of,
    differs,
    major_to_minor,
    round_half_even,
)
from tests.oracle.context import Context
from tests.oracle.model import InvoiceLine


def line_shares(line: InvoiceLine) -> dict[str, int]:
    """Cycle -> share (minor units) of the line's net amount, by seconds of its period;
    each share rounded half-even, the last cycle taking the remainder."""
    start, end, net = line.period_start, line.period_end, line.net
    if end <= start:
        # SPEC-AMBIGUITY: a line with an empty period is recognised in the month of its start.
        return {cycle_of(start): net}
    parts: list[tuple[str, int]] = []
    cursor = start
    while cursor < end:
        cycle = cycle_of(cursor)
        segment_end = min(end, cycle_bounds(cycle)[1])
        parts.append((cycle, segment_end - cursor))
        cursor = segment_end
    shares = {c: round_half_even(Fraction(net * seconds, end - start)) for c, seconds in parts[:-1]}
    shares[parts[-1][0]] = net - sum(shares.values())
    return shares


def revenue(ctx: Context) -> list[Finding]:
    """revenue_recognition_mismatch findings of the cycle."""
    expected: dict[str, int] = {}
    for inv in ctx.finalized.values():
        for line in inv.lines:
            if ctx.is_licensed(line):
                shares = line_shares(line)
                if ctx.cycle in shares:
                    expected[inv.id] = expected.get(inv.id, 0) + shares[ctx.cycle]
    checked = set(expected)
    checked.update(
        ref
        for (document_type, ref), lines in ctx.journals.by_doc.items()
        if document_type == "REVREC" and any(line.period == ctx.cycle for line in lines)
    )
    out: list[Finding] = []
    for ref in sorted(checked):
        invoice = ctx.s.invoices.get(ref)
        lines = ctx.journals.lines("REVREC", ref, ctx.cycle)
        # SPEC-AMBIGUITY: a REVREC ref that is no invoice at all is compared in its journal's
        # currency, against an expected 0.
        currency = invoice.currency if invoice is not None else lines[0].currency
        posted = major_to_minor(ctx.journals.posted("REVREC", ref, ctx.cycle), currency)
        if differs(posted, expected.get(ref, 0), ctx.tol):
            out.append(ctx.finding("revenue_recognition_mismatch", ref, currency))
    return out
