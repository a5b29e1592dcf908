"""The ERP ledger as the rules see it: live journals and the posted amount of a document."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from tests.oracle.model import JournalLine

# document_type -> (account role, sign): posted amount = sign × (debit − credit) on that role.
POSTED_ROLE: dict[str, tuple[str, int]] = {
    "INVOICE": ("AR", 1),
    "PAYMENT": ("GATEWAY_CLEARING", 1),
    "FEE": ("GATEWAY_FEES", 1),
    "REFUND": ("GATEWAY_CLEARING", -1),
    "PAYOUT": ("CASH", 1),
    "REVREC": ("REVENUE", -1),
}


class Journals:
    """Live journal lines indexed by (document_type, document_ref)."""

    def __init__(self, lines: list[JournalLine], roles: dict[str, str]) -> None:
        """Drop REVERSAL journals and the journals they reverse; index the rest."""
        reversed_ids = {
            line.reversal_of
            for line in lines
            if line.document_type == "REVERSAL" and line.reversal_of is not None
        }
        self.roles = roles
        self.live = [
            line
            for line in lines
            if line.document_type != "REVERSAL" and line.journal_id not in reversed_ids
        ]
        self.by_doc: dict[tuple[str, str], list[JournalLine]] = defaultdict(list)
        for line in self.live:
            if line.document_ref is not None:
                self.by_doc[(line.document_type, line.document_ref)].append(line)

    def lines(self, document_type: str, ref: str, period: str | None = None) -> list[JournalLine]:
        """Live lines of one document (optionally of one period)."""
        found = self.by_doc.get((document_type, ref), [])
        return found if period is None else [line for line in found if line.period == period]

    def posted(self, document_type: str, ref: str, period: str | None = None) -> Decimal:
        """Posted amount (major units) of a document, per the spec's role and sign table."""
        role, sign = POSTED_ROLE[document_type]
        total = Decimal(0)
        for line in self.lines(document_type, ref, period):
            if self.roles.get(line.account_code) == role:
                total += line.debit - line.credit
        return sign * total
