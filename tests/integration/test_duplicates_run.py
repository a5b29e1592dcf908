"""A real run on exports that repeat objects (issue 13 item 4): a page of charges (one in the
cycle) exported twice as is passes every check; a customer exported twice with different content
keeps the close from being final, and summary.json says which table, key and how many."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recon_pipeline.generate import generate
from tests.integration.test_expectations_clean import run_2026_09

pytestmark = pytest.mark.slow


def test_identical_copies_pass_and_a_conflict_is_named(tmp_path: Path) -> None:
    stats = generate(tmp_path / "sources", seed=5, scale=0.4, cycles=("2026-09", "2026-09"),
                     clean=True)
    charges = stats.out / "payments" / "charges.jsonl"
    lines = charges.read_text(encoding="utf-8").splitlines()
    charges.write_text("\n".join([*lines, lines[-1]]) + "\n", encoding="utf-8")  # as is
    customers = stats.out / "billing" / "customers.jsonl"
    lines = customers.read_text(encoding="utf-8").splitlines()
    changed = json.loads(lines[0])
    changed["email"] = "changed@" + str(changed.get("email") or "x.example").split("@")[-1]
    customers.write_text("\n".join([*lines, json.dumps(changed)]) + "\n", encoding="utf-8")
    done = run_2026_09(stats.out, tmp_path)
    summary = json.loads((tmp_path / "out" / "reports" / "2026-09" / "summary.json").read_text())
    assert summary["findings_total"] == 0, done.stdout[-3000:]
    failed = {(e["suite"], c) for e in summary["expectations"] for c in e["failed"]}
    assert failed == {("raw.billing.customers", "customer_id_unique")}, done.stdout[-3000:]
    assert (summary["status"], summary["final"]) == ("not_passing", False)
    assert summary["status_text"] == (
        "Not final: conflicting copies in raw/billing/customers: 1 customer_id exported more "
        "than once with different content (2 rows; check customer id unique)")
    suites = {e["suite"]: e for e in summary["expectations"]}
    assert suites["raw.billing.customers"]["conflicting_keys"] == [
        {"check": "customer_id_unique", "blocking": True, "key": ["customer_id"], "keys": 1,
         "rows": 2}]
    assert suites["raw.payments.charges"]["success"]
