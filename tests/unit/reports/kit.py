"""Findings of a cycle built from a generator's planted truth, as the reconciliations hand them in.

The truth gives cycle, recon, category, object_id, period_start, related_id, currency and
leakage; the rest (severity, legal entity, amounts, detail) is filled in deterministically.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from recon_pipeline.lib.reports import FINDINGS_SCHEMA, QUARANTINE_SCHEMA, CycleInputs

ENTITY_OF = {"usd": "US01", "eur": "DE01", "gbp": "GB01", "jpy": "JP01"}
#: Rates to the reporting currency (USD) for the money at stake; fixed, as the rest is.
RATE_OF = {"usd": Decimal(1), "eur": Decimal("1.1"), "gbp": Decimal("1.3"),
           "jpy": Decimal("0.0067"), "kwd": Decimal("3.25")}
SOURCES = ("billing", "payments", "erp", "usage", "crm", "reference")
#: One extra finding per cycle in a three-decimal currency, so KWD's 0.001 is exercised.
KWD_OBJECT = "in_kwd_three_decimals"


def truth_rows(sources: Path) -> list[dict[str, str]]:
    """``_truth/findings.csv`` as dicts."""
    with open(sources / "_truth" / "findings.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _n(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:6], 16)


def finding(row: dict[str, str]) -> dict[str, object]:
    """One findings row (FINDINGS_SCHEMA) from one truth row."""
    cur = row["currency"] or "usd"
    leak = Decimal(row["leakage_amount"]) if row["leakage_amount"] else None
    places = {"jpy": 0, "kwd": 3}.get(cur, 2)
    expected = Decimal(_n(row["object_id"]) % 90_000 + 1_000).scaleb(-places)
    if leak is not None:
        expected = leak + (Decimal(0) if "unbilled" in row["category"] else expected)
        actual = expected - leak
    else:
        actual = expected + Decimal(_n(row["category"] + row["object_id"]) % 5_000 + 1).scaleb(
            -places)
    obj = row["object_id"]
    return {
        "cycle": row["cycle"], "recon": row["recon"], "category": row["category"],
        "severity": "error" if leak is not None or "not_posted" in row["category"] else "warning",
        "legal_entity": ENTITY_OF.get(cur, "US01"),
        "customer_id": obj.split("/")[0] if obj.startswith("cus_") else f"cus_{_n(obj) % 997}",
        "object_id": obj,
        "period_start": date.fromisoformat(row["period_start"]) if row["period_start"] else None,
        "related_id": row["related_id"] or None, "currency": cur,
        "expected_amount": expected, "actual_amount": actual, "difference": actual - expected,
        "leakage_amount": leak,
        "leakage_amount_reporting": (Decimal(row["leakage_amount_reporting"])
                                     if row["leakage_amount_reporting"] else None),
        "detail": f"{row['category'].replace('_', ' ').capitalize()} on {obj}"
                  f"{' (' + row['note'] + ')' if row['note'] else ''}.",
        "difference_reporting": at_stake(actual - expected, cur),
    }


def at_stake(difference: Decimal, currency: str) -> Decimal:
    """|difference| in USD at the kit's rate, half-even cents."""
    return (abs(difference) * RATE_OF.get(currency, Decimal(1))).quantize(Decimal("0.01"))


def findings_table(rows: list[dict[str, str]], cycle: str, *, kwd: bool = True,
                   drop: frozenset[str] = frozenset()) -> pa.Table:
    """The cycle's findings, optionally without the objects in ``drop``."""
    out = [finding(r) for r in rows if r["cycle"] == cycle and r["object_id"] not in drop]
    if kwd:
        out.append({**finding({
            "cycle": cycle, "recon": "billing_erp", "category": "invoice_amount_mismatch",
            "object_id": KWD_OBJECT, "period_start": "", "related_id": "", "currency": "kwd",
            "leakage_amount": "", "leakage_amount_reporting": "", "note": ""}),
            "expected_amount": Decimal("1234.567"), "actual_amount": Decimal("1234.568"),
            "difference": Decimal("0.001"), "difference_reporting": at_stake(Decimal("0.001"),
                                                                            "kwd")})
    return pa.Table.from_pylist(out, schema=FINDINGS_SCHEMA)


def quarantine_table(sources: Path) -> pa.Table:
    """Quarantine rows from ``_truth/malformed.csv``."""
    with open(sources / "_truth" / "malformed.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return pa.Table.from_pylist([
        {"source": r["source"], "file": r["file"], "line": int(r["line"]),
         "record": f"<line {r['line']} of {r['file']}>", "reason": r["reason"]} for r in rows
    ], schema=QUARANTINE_SCHEMA)


def cycle_inputs(sources: Path, cycle: str, **kw: object) -> CycleInputs:
    """Everything write_reports needs for ``cycle`` (``kw`` goes to ``findings_table``)."""
    quarantine = quarantine_table(sources)
    bad = Counter(quarantine.column("source").to_pylist())
    return CycleInputs(
        cycle=cycle,
        findings=findings_table(truth_rows(sources), cycle, **kw),  # type: ignore[arg-type]
        rows_read={s: 1_000 + 37 * i + bad[s] for i, s in enumerate(SOURCES)},
        objects_checked={"billing_erp": 480, "gateway_erp": 700, "gateway_billing": 460,
                         "payouts": 30, "subscription_billing": 390, "usage_billing": 60,
                         "customer_master": 340, "revenue": 450},
        quarantine=quarantine,
    )
