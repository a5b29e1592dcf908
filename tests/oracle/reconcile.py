"""The oracle: every finding of one cycle, recomputed from a sources directory by the rules of
docs/findings.md alone (nothing is imported from recon_pipeline).

Usage::

    from tests.oracle.reconcile import findings
    rows = findings(Path("data/demo/sources"), "2026-10")

SPEC-AMBIGUITY choices (each is also commented where it is made):
- read: a blank line is no row (neither read nor quarantined); a repeated object id keeps its last
  row; usage files are also looked for in sub-folders of usage/; a ledger row's "line" is its
  1-based ordinal in rowid order; CSV lines are physical lines with the header as line 1.
- a customer with several tax ids is compared on the first (`tax_ids.data[]`, then metadata).
- classic subscriptions with both `discount` and `discounts`: expanded `discounts[]` objects win,
  bare ids are ignored, `discount` is the fallback (no discount is counted twice).
- a line's proration flag may also come from `parent.invoice_item_details.proration`; a line
  naming no subscription belongs to its invoice's subscription.
- a line whose price cannot be found is neither licensed nor metered.
- invoice_not_posted: "total ≠ 0" uses the tolerance like every other ≠.
- invoice_entity_mismatch is skipped when the customer has no readable `metadata.legal_entity`.
- MANUAL journals are not checked for duplicate_posting; a duplicated document that is not in
  the sources takes the earliest period of its journals as its cycle; a credit note's cycle is
  the month of its `created`.
- fee_mismatch needs the charge's balance transaction; the fee is compared in its currency. A
  payout's own transaction is its type-payout one (source = the payout, or its
  `balance_transaction`).
- invoice_paid_without_payment of a paid invoice without `paid_at`: the invoice's own cycle.
- only proration lines on finalized invoices make a period "coverage only".
- a discount without `start` starts with the subscription; `repeating` without
  `duration_in_months` is treated like `forever`; a licensed item without quantity counts 1.
- an unbilled licensed period whose expected amount is 0 is still reported (leakage 0).
- duplicate_billing also applies to metered periods and replaces their usage comparison; a
  covering line without quantity bills 0.
- a usage event naming an unknown / non-metered / inactive item is an orphan (no fallback); the
  customer's "one metered item" is counted among the items active at the event's time.
- customer_master: a customer whose row is missing or quarantined is not compared; legal-suffix
  list extended with the common forms (see customers.py); for currency, country and legal
  entity a value present on one side only is a difference (only tax id says "both present").
- revenue: a line with an empty period is recognised in the month of its start; a REVREC ref
  that is no invoice is compared in its journal's currency against 0.
- leakage_amount_reporting is null when no fx rate exists on or before the cycle's last day.
- precedence: `*_not_posted` removes every other finding naming that document, in every cycle;
  `duplicate_posting` removes the amount, currency and period findings of that document in the
  same cycle (invoice_amount/currency/period, payment_amount, fee, refund_amount,
  payout_posting, revenue_recognition; not payout_settlement, not entity); `duplicate_billing`
  removes under/over-billing and unbilled/overbilled usage of that item and period.
"""

from __future__ import annotations

from pathlib import Path

from tests.oracle.billing_erp import billing_erp
from tests.oracle.common import Finding
from tests.oracle.context import Config, Context
from tests.oracle.customers import customer_master
from tests.oracle.gateway import gateway_billing, gateway_erp, payouts
from tests.oracle.model import Sources
from tests.oracle.read import read_sources
from tests.oracle.revenue import revenue
from tests.oracle.subscriptions import subscription_billing
from tests.oracle.usage import usage_billing

__all__ = ["Finding", "findings", "findings_from"]

NOT_POSTED = frozenset({"invoice_not_posted", "payment_not_posted", "refund_not_posted"})
POSTING_CHECKS = frozenset(
    {
        "invoice_amount_mismatch",
        "invoice_currency_mismatch",
        "invoice_period_mismatch",
        "payment_amount_mismatch",
        "fee_mismatch",
        "refund_amount_mismatch",
        "payout_posting_mismatch",
        "revenue_recognition_mismatch",
    }
)
BILLING_CHECKS = frozenset(
    {"underbilled_subscription", "overbilled_subscription", "unbilled_usage", "overbilled_usage"}
)


def not_posted_documents(ctx: Context) -> set[str]:
    """Documents of any cycle that are `*_not_posted` (they exclude every other category)."""
    journals, tol = ctx.journals, ctx.tol
    docs = {
        inv.id
        for inv in ctx.finalized.values()
        if abs(inv.total) > tol and not journals.lines("INVOICE", inv.id)
    }
    docs.update(
        ch.id for ch in ctx.s.charges.values()
        if ch.succeeded and not journals.lines("PAYMENT", ch.id)
    )
    docs.update(
        re.id for re in ctx.s.refunds.values()
        if re.status == "succeeded" and not journals.lines("REFUND", re.id)
    )
    return docs


def apply_precedence(ctx: Context, raw: list[Finding]) -> list[Finding]:
    """Drop what the spec's precedence rules exclude, then one row per finding key."""
    not_posted = not_posted_documents(ctx)
    duplicated = {f.object_id for f in raw if f.category == "duplicate_posting"}
    double_billed = {
        (f.object_id, f.period_start) for f in raw if f.category == "duplicate_billing"
    }
    kept: dict[tuple[str, str, object], Finding] = {}
    for f in raw:
        # SPEC-AMBIGUITY: "every other category of that document" is taken literally: any
        # finding naming an unposted document, of any recon and any cycle, is dropped.
        if f.object_id in not_posted and f.category not in NOT_POSTED:
            continue
        # SPEC-AMBIGUITY: duplicate_posting is per document and cycle, so it drops that
        # document's posting checks of the same cycle (payout_settlement and entity stay).
        if f.object_id in duplicated and f.category in POSTING_CHECKS:
            continue
        if (f.object_id, f.period_start) in double_billed and f.category in BILLING_CHECKS:
            continue
        kept.setdefault((f.category, f.object_id, f.period_start), f)
    return sorted(kept.values(), key=lambda f: (f.category, f.object_id, str(f.period_start)))


def findings_from(
    sources: Sources,
    cycle: str,
    *,
    tolerance_minor: int = 1,
    grace_days: int = 3,
    reporting_currency: str = "USD",
) -> list[Finding]:
    """Every finding of ``cycle`` from sources already read (see ``read_sources``)."""
    ctx = Context(sources, Config(cycle, tolerance_minor, grace_days, reporting_currency))
    raw = (
        billing_erp(ctx)
        + gateway_erp(ctx)
        + gateway_billing(ctx)
        + payouts(ctx)
        + subscription_billing(ctx)
        + usage_billing(ctx)
        + customer_master(ctx)
        + revenue(ctx)
    )
    return apply_precedence(ctx, raw)


def findings(
    sources: Path,
    cycle: str,
    *,
    tolerance_minor: int = 1,
    grace_days: int = 3,
    reporting_currency: str = "USD",
) -> list[Finding]:
    """Every finding of ``cycle`` (``YYYY-MM``) in the sources directory ``sources``."""
    return findings_from(
        read_sources(Path(sources)),
        cycle,
        tolerance_minor=tolerance_minor,
        grace_days=grace_days,
        reporting_currency=reporting_currency,
    )
