"""The catalog: every hand-built case, for any test that reconciles a sources directory.

A case is data plus expected findings; it knows nothing of the oracle or the pipeline::

    for case in CATALOG:
        for shape in case.shapes:
            expected = case.build(tmp_path / case.name / shape, shape)  # writes the directory
            # expected: {"2026-10": frozenset({Expected(category, object_id, ...)}), ...}
"""

from __future__ import annotations

from tests.cases import customer_revenue_cases, ledger_cases, subscription_cases, usage_cases
from tests.cases.kit import Case, Expectation, Expected

__all__ = ["CATALOG", "CATEGORIES", "Case", "Expectation", "Expected", "by_name"]

CATALOG: tuple[Case, ...] = (
    *ledger_cases.CASES,
    *subscription_cases.CASES,
    *usage_cases.CASES,
    *customer_revenue_cases.CASES,
)

# Every category of docs/findings.md; the catalog must expect each at least once.
CATEGORIES = frozenset(
    {
        "invoice_not_posted", "invoice_amount_mismatch", "invoice_currency_mismatch",
        "invoice_period_mismatch", "invoice_entity_mismatch", "duplicate_posting",
        "posting_without_invoice", "payment_not_posted", "payment_amount_mismatch",
        "fee_mismatch", "refund_not_posted", "refund_amount_mismatch", "posting_without_payment",
        "invoice_paid_without_payment", "payment_unapplied", "payout_settlement_mismatch",
        "payout_posting_mismatch", "unbilled_subscription", "underbilled_subscription",
        "overbilled_subscription", "duplicate_billing", "billed_after_cancellation",
        "unbilled_usage", "overbilled_usage", "orphan_usage", "customer_missing_in_erp",
        "customer_missing_in_crm", "duplicate_customer", "customer_attribute_mismatch",
        "revenue_recognition_mismatch",
    }
)


def by_name(name: str) -> Case:
    """The case called ``name``."""
    return next(case for case in CATALOG if case.name == name)
