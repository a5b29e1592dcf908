"""Stable exception ids: the same (category, object_id, period_start) gives the same id, always."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date

import pyarrow as pa

#: Readable prefix per category (three letters), so an id says what kind of problem it is.
_PREFIX: dict[str, str] = {
    "invoice_not_posted": "INP", "invoice_amount_mismatch": "IAM",
    "invoice_currency_mismatch": "ICM", "invoice_period_mismatch": "IPM",
    "invoice_entity_mismatch": "IEM", "duplicate_posting": "DPO",
    "posting_without_invoice": "PWI", "payment_not_posted": "PNP",
    "payment_amount_mismatch": "PAM", "fee_mismatch": "FEE", "refund_not_posted": "RNP",
    "refund_amount_mismatch": "RAM", "posting_without_payment": "PWP",
    "invoice_paid_without_payment": "IPW", "payment_unapplied": "PUA",
    "payout_settlement_mismatch": "POS", "payout_posting_mismatch": "POP",
    "unbilled_subscription": "UBS", "underbilled_subscription": "UDS",
    "overbilled_subscription": "OBS", "duplicate_billing": "DBL",
    "billed_after_cancellation": "BAC", "unbilled_usage": "UBU", "overbilled_usage": "OBU",
    "orphan_usage": "ORU", "customer_missing_in_erp": "CME", "customer_missing_in_crm": "CMC",
    "duplicate_customer": "DCU", "customer_attribute_mismatch": "CAM",
    "revenue_recognition_mismatch": "RRM",
}


def exception_id(category: str, object_id: str, period_start: date | None) -> str:
    """``'UBS-3f9a0c1d2e4b'``: category prefix + 12 hex of SHA-256 over the finding's key.

    Only the key goes in (never amounts, cycle or run time), so a finding keeps its id in
    every run and every cycle. 48 bits of hash: a collision is unlikely below ~10^6 ids per
    category, and is detected (two findings, one id) where the ids are assigned.
    """
    key = "\x1f".join([category, object_id, period_start.isoformat() if period_start else ""])
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return f"{_PREFIX.get(category, 'EXC')}-{digest}"


def exception_ids(findings: pa.Table) -> pa.Array:
    """The exception_id of every row of a findings table; ValueError on a repeated finding."""
    ids = [exception_id(c, o, p) for c, o, p in zip(
        findings.column("category").to_pylist(), findings.column("object_id").to_pylist(),
        findings.column("period_start").to_pylist(), strict=True)]
    repeated = [i for i, n in Counter(ids).items() if n > 1]
    if repeated:
        raise ValueError(f"findings: the same finding appears twice (exception_id {repeated[0]})")
    return pa.array(ids, pa.string())
