"""The planted truth against an independent reading of the rules (tests/oracle).

The oracle imports nothing from the pipeline, so a misreading of the spec shared by the
generator and the pipeline cannot pass here unnoticed.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import pytest

from recon_pipeline.generate import GenerateStats
from tests.oracle.reconcile import findings

Key = tuple[str, str, date | None]


def _truth(generated: GenerateStats, cycle: str) -> dict[Key, dict[str, str]]:
    with open(generated.out / "_truth" / "findings.csv", newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["cycle"] == cycle]
    return {(r["category"], r["object_id"],
             date.fromisoformat(r["period_start"]) if r["period_start"] else None): r
            for r in rows}


@pytest.mark.parametrize("cycle", ["2026-08", "2026-09", "2026-10"])
def test_oracle_finds_exactly_what_was_planted(generated: GenerateStats, cycle: str) -> None:
    truth = _truth(generated, cycle)
    found = {(f.category, f.object_id, f.period_start): f for f in findings(generated.out, cycle)}
    missing = sorted(set(truth) - set(found), key=str)
    unplanted = sorted(set(found) - set(truth), key=str)
    assert not missing, f"planted but not found: {missing[:10]}"
    assert not unplanted, f"found but not planted: {unplanted[:10]}"
    for key, row in truth.items():
        f = found[key]
        expected = Decimal(row["leakage_amount"]) if row["leakage_amount"] else None
        assert f.leakage_amount == expected, key
        reporting = Decimal(row["leakage_amount_reporting"]) \
            if row["leakage_amount_reporting"] else None
        assert f.leakage_amount_reporting == reporting, key
