"""State shared by every customer's simulation: the clock, id counters and the payout book."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from recon_pipeline.lib.cycles import days, midnight


@dataclass
class PayoutBook:
    """Weekly automatic payouts per entity, each settling the balance available by its day."""

    seed: int
    export_at: int
    nets: dict[tuple[str, int], int] = field(default_factory=dict)

    def payout_for(self, entity: str, available_on: int) -> str | None:
        """Id of the payout that settles a balance available at ``available_on``, if made yet."""
        day = midnight(available_on)
        weekday = (day // 86400 + 3) % 7  # 0 = Monday
        payout_day = day + ((7 - weekday) % 7) * 86400
        if payout_day + 6 * 3600 > self.export_at:
            return None
        return self.payout_id(entity, payout_day)

    def payout_id(self, entity: str, payout_day: int) -> str:
        """Deterministic payout id of an entity's payout on a day."""
        digest = hashlib.sha256(f"{self.seed}/{entity}/{payout_day}".encode()).hexdigest()
        return f"po_{digest[:24]}"

    def settle(self, entity: str, available_on: int, net: int) -> str | None:
        """Record a balance transaction's net against its payout; returns the payout id."""
        payout = self.payout_for(entity, available_on)
        if payout is None:
            return None
        day = midnight(available_on)
        weekday = (day // 86400 + 3) % 7
        key = (entity, day + ((7 - weekday) % 7) * 86400)
        self.nets[key] = self.nets.get(key, 0) + net
        return payout


@dataclass
class Context:
    """The generation's frame and counters."""

    seed: int
    business_start: int
    export_at: int
    cycles: list[str]
    payouts: PayoutBook
    journal_seq: int = 0
    erp_seq: int = 0
    grace: int = days(3)

    def journal_id(self) -> str:
        """Next ERP journal id."""
        self.journal_seq += 1
        return f"JE{self.journal_seq:09d}"

    def erp_code(self, entity: str) -> str:
        """Next ERP customer code."""
        self.erp_seq += 1
        return f"{entity[:2]}C{self.erp_seq:07d}"

    @property
    def last_cycle(self) -> str:
        """The last cycle the ERP has closed (revenue recognised up to it)."""
        return self.cycles[-1]
