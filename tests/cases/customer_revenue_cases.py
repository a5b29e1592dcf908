"""Cases of the customer_master and revenue recons. Every expected finding is derived in the
case's comments. Each customer here has one posted one-off invoice in 2026-10, which puts it in
that cycle's customer-master population."""

from __future__ import annotations

from pathlib import Path

from tests.cases.builder import SourcesBuilder
from tests.cases.kit import Case, E, Expectation, expect, one_off, register
from tests.cases.stripe_shapes import LineSpec, PriceSpec, Shape

CASES: list[Case] = []
case = register


def _invoiced(root: Path, shape: Shape, customer: str, currency: str = "usd",
              entity: str = "US01") -> SourcesBuilder:
    """A builder with one posted one-off invoice of ``customer`` finalized 2026-10-05."""
    b = SourcesBuilder(root, shape)
    b.invoice(f"in_{customer}", customer=customer, currency=currency,
              finalized_at="2026-10-05", lines=[one_off(f"il_{customer}", 5000, "2026-10-05")])
    b.post_invoice(f"in_{customer}", "50.00", "2026-10", currency=currency.upper(),
                   entity=entity)
    return b


# ---------------------------------------------------------------- customer_master


@case(CASES)
def customer_missing_in_erp(root: Path, shape: Shape) -> Expectation:
    """cus_me: no ERP row by external_ref, no erp_customer_code, no tax id, and no ERP customer
    named "Missing Ltd" → missing in ERP. Its CRM account names it (billing_customer_id)."""
    b = _invoiced(root, shape, "cus_me")
    b.customer("cus_me", name="Missing Ltd")
    b.erp_customer("E-OTHER", name="Someone Else", external_ref="cus_other")
    b.crm_account("crm_me", name="Missing Ltd", billing_customer_id="cus_me",
                  erp_customer_code=None)
    b.write()
    return expect(c2026_10=[E("customer_missing_in_erp", "cus_me")])


@case(CASES)
def customer_missing_in_crm(root: Path, shape: Shape) -> Expectation:
    """cus_mc resolves to E-MC (external_ref); no CRM account names cus_mc or E-MC."""
    b = _invoiced(root, shape, "cus_mc")
    b.customer("cus_mc", name="No Crm Inc")
    b.erp_customer("E-MC", name="No Crm Inc", external_ref="cus_mc")
    b.crm_account("crm_x", name="Other", billing_customer_id="cus_x", erp_customer_code="E-X")
    b.write()
    return expect(c2026_10=[E("customer_missing_in_crm", "cus_mc")])


@case(CASES)
def duplicate_customer(root: Path, shape: Shape) -> Expectation:
    """Rule 1 (external_ref = cus_dc) finds two ERP customers, E-D1 and E-D2 → duplicate; E-D2's
    different country is then not compared. The CRM names cus_dc."""
    b = _invoiced(root, shape, "cus_dc")
    b.customer("cus_dc", name="Twice Ltd")
    b.erp_customer("E-D1", name="Twice Ltd", external_ref="cus_dc")
    b.erp_customer("E-D2", name="Twice Limited", country="GB", external_ref="cus_dc")
    b.crm_account("crm_dc", name="Twice Ltd", billing_customer_id="cus_dc",
                  erp_customer_code=None)
    b.write()
    return expect(c2026_10=[E("duplicate_customer", "cus_dc")])


@case(CASES)
def customer_attribute_mismatch(root: Path, shape: Shape) -> Expectation:
    """cus_am (eur, DE, DE01) resolves by metadata.erp_customer_code to E-AM, whose country is
    FR → attribute mismatch. The CRM finds it by the ERP code."""
    b = _invoiced(root, shape, "cus_am", currency="eur", entity="DE01")
    b.customer("cus_am", name="Attribut GmbH", currency="eur", country="DE",
               legal_entity="DE01", erp_code="E-AM")
    b.erp_customer("E-AM", name="Attribut GmbH", entity="DE01", currency="EUR", country="FR")
    b.crm_account("crm_am", name="Attribut GmbH", billing_customer_id=None,
                  erp_customer_code="E-AM", country="DE", currency="EUR", legal_entity="DE01")
    b.write()
    return expect(c2026_10=[E("customer_attribute_mismatch", "cus_am")])


@case(CASES)
def customer_found_by_normalised_name(root: Path, shape: Shape) -> Expectation:
    """"ACME Widgets, Inc." → casefold, drop punctuation → "acme widgets inc" → drop suffix
    "inc" → "acme widgets" = ERP "Acme Widgets", same country US: resolved by rule 4 to
    E-ACME (no external_ref, no code, no tax id). CRM by the ERP code. Nothing to report."""
    b = _invoiced(root, shape, "cus_acme")
    b.customer("cus_acme", name="ACME Widgets, Inc.")
    b.erp_customer("E-ACME", name="Acme Widgets")
    b.crm_account("crm_acme", name="Acme Widgets", billing_customer_id=None,
                  erp_customer_code="E-ACME")
    b.write()
    return expect(c2026_10=[])


@case(CASES)
def customer_found_by_normalised_tax_id(root: Path, shape: Shape) -> Expectation:
    """Tax id "de 123-456-789" normalises to DE123456789 = ERP E-TAX's; the names differ.
    Resolved by rule 3; attributes agree (tax ids equal once normalised). CRM by billing id."""
    b = _invoiced(root, shape, "cus_tax", currency="eur", entity="DE01")
    b.customer("cus_tax", name="Beispiel AG", currency="eur", country="DE", legal_entity="DE01",
               tax_id="de 123-456-789")
    b.erp_customer("E-TAX", name="Beispielwerke", entity="DE01", currency="EUR", country="DE",
                   tax_id="DE123456789")
    b.crm_account("crm_tax", name="Beispiel AG", billing_customer_id="cus_tax",
                  erp_customer_code=None, country="DE", currency="EUR", legal_entity="DE01")
    b.write()
    return expect(c2026_10=[])


# ---------------------------------------------------------------- revenue


def _licensed_invoice(root: Path, shape: Shape, net: int) -> SourcesBuilder:
    """in_rv: one licensed line 2026-10-17 → 2026-11-16 (15 days in each month), posted."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer("cus_rv", name="Revenue Ltd")
    price = b.price(PriceSpec("price_lic", unit_amount=net))
    b.invoice("in_rv", customer="cus_rv", finalized_at="2026-10-17T01:00",
              lines=[LineSpec("il_rv", net, "2026-10-17", "2026-11-16", price=price)])
    b.post_invoice("in_rv", f"{net // 100}.{net % 100:02d}", "2026-10")
    return b


@case(CASES)
def revenue_recognition_mismatch(root: Path, shape: Shape) -> Expectation:
    """Net 3000 over 30 days: October 15/30 → 1500, November the remainder 1500. REVREC
    October 10.00 ≠ 15.00 → mismatch in 2026-10; November 15.00 is right."""
    b = _licensed_invoice(root, shape, 3000)
    b.post_revrec("in_rv", "10.00", "2026-10")
    b.post_revrec("in_rv", "15.00", "2026-11")
    b.write()
    return expect(c2026_10=[E("revenue_recognition_mismatch", "in_rv")], c2026_11=[])


@case(CASES, tolerance_minor=0)
def revenue_half_even_share(root: Path, shape: Shape) -> Expectation:
    """Tolerance 0. Net 1001 over 30 days: October 1001 × 15/30 = 500.5 → half-even 500 (not
    501); November takes the remainder 501. REVREC 5.00 and 5.01: nothing in either cycle."""
    b = _licensed_invoice(root, shape, 1001)
    b.post_revrec("in_rv", "5.00", "2026-10")
    b.post_revrec("in_rv", "5.01", "2026-11")
    b.write()
    return expect(c2026_10=[], c2026_11=[])


@case(CASES)
def revrec_for_void_invoice(root: Path, shape: Shape) -> Expectation:
    """in_vd was voided (not finalized) yet has a live REVREC of 20.00 in 2026-10: expected 0
    → revenue_recognition_mismatch. Its INVOICE journal is also no finalized invoice's."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer("cus_vd", name="Void Ltd")
    price = b.price(PriceSpec("price_lic", unit_amount=2000))
    b.invoice("in_vd", customer="cus_vd", status="void", finalized_at="2026-10-01T01:00",
              lines=[LineSpec("il_vd", 2000, "2026-10-01", "2026-11-01", price=price)])
    b.post_invoice("in_vd", "20.00", "2026-10")
    b.post_revrec("in_vd", "20.00", "2026-10")
    b.write()
    return expect(c2026_10=[E("revenue_recognition_mismatch", "in_vd"),
                            E("posting_without_invoice", "in_vd")])
