"""The generator against the source contract (docs/sources.md)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import sqlite3
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from recon_pipeline.generate import GenerateStats, generate
from recon_pipeline.generate.truth import CATEGORIES

JSONL_FILES = {
    "billing": ["customers", "products", "prices", "subscriptions", "invoices", "meters",
                "credit_notes"],
    "payments": ["charges", "refunds", "balance_transactions", "payouts", "invoice_payments"],
}


def _lines(path: Path) -> list[bytes]:
    raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    return raw.splitlines()


def _truth_rows(root: Path, name: str) -> list[dict[str, str]]:
    with open(root / "_truth" / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _malformed(root: Path) -> set[tuple[str, int]]:
    return {(r["file"], int(r["line"])) for r in _truth_rows(root, "malformed.csv")}


def _jsonl_paths(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.jsonl*") if "_truth" not in p.parts)


def test_layout_is_the_contracts(generated: GenerateStats) -> None:
    root = generated.out
    for folder, names in JSONL_FILES.items():
        for name in names:
            matches = list((root / folder).glob(f"{name}.jsonl*"))
            assert len(matches) == 1, f"{folder}/{name}.jsonl(.gz) missing"
    assert (root / "erp" / "ledger.sqlite").is_file()
    assert (root / "crm" / "accounts.csv").is_file()
    assert (root / "reference" / "legal_entities.csv").is_file()
    assert (root / "reference" / "fx_rates.csv").is_file()
    usage = list((root / "usage").glob("*.jsonl*"))
    assert any(p.name.endswith(".gz") for p in usage)
    assert any(p.name.endswith(".jsonl") for p in usage)


def test_every_line_parses_except_the_planted_malformed_ones(generated: GenerateStats) -> None:
    root = generated.out
    bad = _malformed(root)
    failures: list[tuple[str, int]] = []
    pages = 0
    for path in _jsonl_paths(root):
        rel = path.relative_to(root).as_posix()
        for n, line in enumerate(_lines(path), start=1):
            try:
                obj = json.loads(line.decode("utf-8"), parse_float=Decimal)
            except (UnicodeDecodeError, json.JSONDecodeError):
                failures.append((rel, n))
                continue
            if obj.get("object") == "list":
                pages += 1
                assert obj["data"], f"empty list page at {rel}:{n}"
    assert set(failures) <= bad, "unplanted unreadable lines"
    assert {f for f, _ in failures} >= {"billing/invoices.jsonl", "billing/customers.jsonl"}
    assert pages > 0, "no Stripe list pages were written"


def test_both_stripe_shapes_appear_in_one_file(generated: GenerateStats) -> None:
    classic = current = 0
    for line in _lines(generated.out / "billing" / "invoices.jsonl"):
        try:
            obj = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        for inv in obj["data"] if obj.get("object") == "list" else [obj]:
            if "parent" in inv:
                current += 1
            elif "subscription" in inv:
                classic += 1
    assert classic > 100 and current > 100


def test_money_is_integers_in_stripe_objects(generated: GenerateStats) -> None:
    bad = _malformed(generated.out)
    for name in ("charges", "refunds"):
        path = generated.out / "payments" / f"{name}.jsonl"
        for n, line in enumerate(_lines(path), start=1):
            if (f"payments/{name}.jsonl", n) in bad:
                continue
            obj = json.loads(line)
            for o in obj["data"] if obj.get("object") == "list" else [obj]:
                assert isinstance(o["amount"], int), (name, n)


def test_every_journal_balances_and_lines_are_one_sided(generated: GenerateStats) -> None:
    con = sqlite3.connect(generated.out / "erp" / "ledger.sqlite")
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    roles = dict(con.execute("SELECT account_code, role FROM gl_accounts"))
    rows = con.execute("SELECT journal_id, debit, credit, account_code, typeof(debit) "
                       "FROM gl_journal_lines").fetchall()
    assert len(rows) > 1000
    for journal, debit, credit, account, kind in rows:
        assert kind == "text", "amounts must be stored as exact decimal text"
        d, c = Decimal(debit), Decimal(credit)
        assert d >= 0 and c >= 0 and (d == 0 or c == 0), journal
        assert account in roles
        totals[journal][0] += d
        totals[journal][1] += c
    unbalanced = [j for j, (d, c) in totals.items() if d != c]
    assert not unbalanced, unbalanced[:5]
    types = {t for (t,) in con.execute("SELECT DISTINCT document_type FROM gl_journal_lines")}
    assert {"INVOICE", "PAYMENT", "FEE", "REFUND", "PAYOUT", "REVREC", "REVERSAL"} <= types


def test_crm_rows_have_the_header_width_except_planted(generated: GenerateStats) -> None:
    bad = _malformed(generated.out)
    with open(generated.out / "crm" / "accounts.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    assert header == ["account_id", "name", "country", "currency", "legal_entity",
                      "billing_customer_id", "erp_customer_code", "tax_id", "status"]
    wrong = {("crm/accounts.csv", n) for n, r in enumerate(rows, start=1) if len(r) != 9}
    assert wrong and wrong <= bad


def test_truth_plants_every_category_in_every_cycle(generated: GenerateStats) -> None:
    rows = _truth_rows(generated.out, "findings.csv")
    for cycle in generated.cycles:
        found = {r["category"] for r in rows if r["cycle"] == cycle}
        assert found == set(CATEGORIES), set(CATEGORIES) - found
    leak = [r for r in rows if r["leakage_amount"]]
    assert {r["category"] for r in leak} == {"unbilled_subscription",
                                             "underbilled_subscription", "unbilled_usage"}
    assert all(Decimal(r["leakage_amount"]) > 0 for r in leak)


def test_truth_lists_the_traps_and_malformed_rows(generated: GenerateStats) -> None:
    traps = {r["trap"] for r in _truth_rows(generated.out, "traps.csv")}
    assert traps >= {"reversed_duplicate_posting", "rounding_one_minor_unit",
                     "zero_total_invoice", "usage_tenths", "redelivered_event",
                     "name_only_customer", "draft_invoice", "failed_charge",
                     "period_start_off_anchor"}
    reasons = {r["reason"].split(":")[0] for r in _truth_rows(generated.out, "malformed.csv")}
    assert len(reasons) >= 8


def test_same_seed_gives_byte_identical_output(tmp_path: Path) -> None:
    def digest(root: Path) -> dict[str, str]:
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*")) if p.is_file()}

    first = generate(tmp_path / "a", seed=3, scale=0.3, cycles=("2026-09", "2026-10"))
    second = generate(tmp_path / "b", seed=3, scale=0.3, cycles=("2026-09", "2026-10"))
    third = generate(tmp_path / "c", seed=4, scale=0.3, cycles=("2026-09", "2026-10"))
    assert digest(first.out) == digest(second.out)
    assert digest(first.out) != digest(third.out)
