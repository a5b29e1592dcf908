"""The oracle against the hand-built catalog: every case, in each Stripe shape, gives exactly
the findings derived by hand; every malformed-row kind is skipped and reported where it is."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.cases.builder import SourcesBuilder
from tests.cases.catalog import CATALOG, CATEGORIES, Case, Expected
from tests.cases.kit import one_off
from tests.cases.stripe_shapes import Shape
from tests.oracle.common import Finding
from tests.oracle.read import read_sources
from tests.oracle.reconcile import findings, findings_from

Key = tuple[str, str, date | None, Decimal | None, Decimal | None]
PARAMS = [pytest.param(case, shape, id=f"{case.name}[{shape}]")
          for case in CATALOG for shape in case.shapes]


def _key(f: Finding | Expected) -> Key:
    return (f.category, f.object_id, f.period_start, f.leakage_amount,
            f.leakage_amount_reporting)


@pytest.mark.parametrize(("case", "shape"), PARAMS)
def test_oracle_matches_hand_derived_findings(case: Case, shape: Shape, tmp_path: Path) -> None:
    """The oracle finds exactly what the case's rules say, cycle by cycle."""
    expected = case.build(tmp_path, shape)
    sources = read_sources(tmp_path)
    assert sources.skipped == []
    for cycle, wanted in expected.items():
        found = findings_from(sources, cycle, tolerance_minor=case.tolerance_minor,
                              grace_days=case.grace_days,
                              reporting_currency=case.reporting_currency)
        assert all(f.cycle == cycle for f in found)
        assert sorted(map(_key, found), key=str) == sorted(map(_key, wanted), key=str), cycle


def test_catalog_covers_every_category(tmp_path: Path) -> None:
    """Each category of docs/findings.md is expected by at least one case."""
    seen = {
        e.category
        for case in CATALOG
        for found in case.build(tmp_path / case.name, case.shapes[0]).values()
        for e in found
    }
    assert seen == CATEGORIES


def test_findings_reads_a_directory(tmp_path: Path) -> None:
    """``findings(path, cycle)`` is the one-call entry point."""
    b = SourcesBuilder(tmp_path)
    b.healthy_customer("cus_a", name="Alpha Ltd")
    b.invoice("in_1", customer="cus_a", finalized_at="2026-10-05",
              lines=[one_off("il_1", 5000, "2026-10-05")])
    b.write()
    assert [(f.cycle, f.category, f.object_id, f.currency) for f in findings(tmp_path, "2026-10")
            ] == [("2026-10", "invoice_not_posted", "in_1", "USD")]


def test_malformed_rows_are_skipped_and_reported(tmp_path: Path) -> None:
    """Every kind of unreadable row is quarantined with its source, file, line and reason,
    and the readable rows around it are still read."""
    b = SourcesBuilder(tmp_path)
    b.healthy_customer("cus_a", name="Alpha Ltd")  # customers.jsonl line 1, CRM line 2
    b.raw_line("billing/customers.jsonl", '{"id": "cus_b", "name": ')  # line 2
    b.raw_line("billing/customers.jsonl", b'{"id": "cus_c", "name": "Caf\xe9"}')  # line 3
    b.raw_line("billing/customers.jsonl", '{"object": "customer", "name": "No Id"}')  # 4
    b.raw_line("billing/customers.jsonl", "[1, 2]")  # line 5
    inv = b.invoice("in_ok", customer="cus_a", finalized_at="2026-10-05",
                    lines=[one_off("il_ok", 5000, "2026-10-05")])  # invoices line 1
    b.line("billing/invoices.jsonl", {**inv, "id": "in_type", "total": "5000"})  # line 2
    b.line("billing/invoices.jsonl", {**inv, "id": "in_cur", "currency": "usx"})  # line 3
    b.list_page("payments/charges.jsonl", [  # line 1: one good charge, one bad
        {"id": "ch_ok", "amount": 100, "currency": "usd", "status": "succeeded",
         "created": 1790000000},
        {"id": "ch_bad", "amount": 1.5, "currency": "usd", "status": "succeeded",
         "created": 1790000000},
    ])
    event = {"type": "api_requests", "subject": "cus_a", "source": "s"}
    b.raw_line("usage/events.jsonl",
               '{"id": "e1", "time": "2026-10-05T00:00:00Z", "data": {"value": -1}, '
               '"type": "api_requests", "subject": "cus_a", "source": "s"}')  # line 1
    b.line("usage/events.jsonl", {**event, "id": "e2", "data": {"value": 1}})  # line 2: no time
    b.line("usage/events.jsonl", {**event, "id": "e3", "time": "2026-10-05T00:00:00Z",
                                  "data": {"value": 2}})  # line 3: fine
    b.line("usage/more.jsonl.gz", {**event, "id": "e4", "time": "2026-10-06T00:00:00Z",
                                   "data": {"value": 3}})  # gzipped line 1: fine
    b.raw_line("usage/more.jsonl.gz", '{"id": "e5", ')  # gzipped line 2
    b.raw_line("crm/accounts.csv", "crm_bad,Too,Few")  # CRM line 3
    b.fx("2026-10-30", "EUR", "1.08")  # fx line 2
    b.raw_line("reference/fx_rates.csv", "2026-10-31,EUR,abc")  # fx line 3
    b.post_invoice("in_ok", "50.00", "2026-10")  # ledger rows 1-2
    b.journal_row_raw(journal_id="JE-bad", period="2026-10", account_code="1100",
                      debit="12,50", credit="0.00", currency="USD",
                      document_type="INVOICE", document_ref="in_x")  # ledger row 3
    b.journal_row_raw(journal_id="JE-cur", period="2026-10", account_code="1100",
                      debit="1.00", credit="0.00", currency="XYZ",
                      document_type="INVOICE", document_ref="in_x")  # ledger row 4
    b.write()

    sources = read_sources(tmp_path)
    got = {(s.source, s.file, s.line, s.reason) for s in sources.skipped}
    assert got == {
        ("billing", "billing/customers.jsonl", 2, "bad_json"),
        ("billing", "billing/customers.jsonl", 3, "invalid_utf8"),
        ("billing", "billing/customers.jsonl", 4, "missing_field"),
        ("billing", "billing/customers.jsonl", 5, "not_an_object"),
        ("billing", "billing/invoices.jsonl", 2, "wrong_type"),
        ("billing", "billing/invoices.jsonl", 3, "unknown_currency"),
        ("payments", "payments/charges.jsonl", 1, "wrong_type"),
        ("usage", "usage/events.jsonl", 1, "negative_value"),
        ("usage", "usage/events.jsonl", 2, "bad_time"),
        ("usage", "usage/more.jsonl.gz", 2, "bad_json"),
        ("crm", "crm/accounts.csv", 3, "wrong_column_count"),
        ("reference", "reference/fx_rates.csv", 3, "bad_decimal"),
        ("erp", "erp/ledger.sqlite", 3, "bad_decimal"),
        ("erp", "erp/ledger.sqlite", 4, "unknown_currency"),
    }
    assert set(sources.customers) == {"cus_a"}
    assert set(sources.invoices) == {"in_ok"}
    assert set(sources.charges) == {"ch_ok"}
    assert [e.id for e in sources.usage_events] == ["e3", "e4"]
    assert len(sources.journal_lines) == 2
    assert len(sources.fx_rates) == 1
    assert [a.account_id for a in sources.crm_accounts] == ["crm_cus_a"]
    # e3 is readable but cus_a has no metered item: the only finding is its orphan usage.
    assert [(f.category, f.object_id) for f in findings_from(sources, "2026-10")] == [
        ("orphan_usage", "cus_a/api_requests")
    ]
