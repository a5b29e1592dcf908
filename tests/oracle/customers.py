"""customer_master recon: billing customers with a finalized invoice in the cycle against the
ERP customer master and the CRM."""

from __future__ import annotations

import unicodedata
from collections import defaultdict

from tests.oracle.common import Finding
from tests.oracle.context import Context
from tests.oracle.model import Customer, ErpCustomer

# SPEC-AMBIGUITY: the spec lists "such as Inc, LLC, Ltd, GmbH, SA, BV"; these common forms of
# the same kind are removed too.
LEGAL_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "llc", "llp", "ltd", "limited", "gmbh", "sa", "sas", "sarl",
        "srl", "spa", "bv", "nv", "ag", "ab", "oy", "plc", "corp", "corporation", "co", "pty",
        "pte", "kk",
    }
)


def normalise_tax_id(value: str | None) -> str:
    """Upper-case, letters and digits only."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


def normalise_name(value: str | None) -> str:
    """Case-folded, punctuation deleted, trailing legal suffixes removed, spaces collapsed."""
    folded = (value or "").casefold()
    kept = "".join(ch for ch in folded if not unicodedata.category(ch).startswith("P"))
    words = kept.split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def _upper(value: str | None) -> str | None:
    return None if value is None else value.upper()


class Resolver:
    """The four-rule cascade from a billing customer to ERP customers."""

    def __init__(self, erp: list[ErpCustomer]) -> None:
        """Index the ERP customer master by each rule's key."""
        self.by_ref: dict[str, list[ErpCustomer]] = defaultdict(list)
        self.by_code: dict[str, list[ErpCustomer]] = defaultdict(list)
        self.by_tax: dict[str, list[ErpCustomer]] = defaultdict(list)
        self.by_name: dict[tuple[str, str], list[ErpCustomer]] = defaultdict(list)
        for row in erp:
            if row.external_ref:
                self.by_ref[row.external_ref].append(row)
            self.by_code[row.customer_code].append(row)
            if normalise_tax_id(row.tax_id):
                self.by_tax[normalise_tax_id(row.tax_id)].append(row)
            if normalise_name(row.name) and row.country:
                self.by_name[(normalise_name(row.name), row.country.upper())].append(row)

    def resolve(self, customer: Customer) -> list[ErpCustomer]:
        """ERP customers found by the first rule that finds any (distinct customer codes)."""
        tax = normalise_tax_id(customer.tax_id)
        name = normalise_name(customer.name)
        country = _upper(customer.country)
        rules = [
            self.by_ref.get(customer.id, []),
            self.by_code.get(customer.erp_customer_code or "", []),
            self.by_tax.get(tax, []) if tax else [],
            self.by_name.get((name, country), []) if name and country else [],
        ]
        for found in rules:
            if found:
                return list({row.customer_code: row for row in found}.values())
        return []


def attributes_differ(customer: Customer, erp: ErpCustomer) -> bool:
    """Currency, country, legal entity, or (both present, normalised) tax id differ."""
    # SPEC-AMBIGUITY: only the tax id is qualified "both present"; for currency, country and
    # legal entity a value on one side only is a difference.
    if _upper(customer.currency) != _upper(erp.currency):
        return True
    if _upper(customer.country) != _upper(erp.country):
        return True
    if customer.legal_entity != erp.entity_code:
        return True
    tax_a, tax_b = normalise_tax_id(customer.tax_id), normalise_tax_id(erp.tax_id)
    return bool(tax_a and tax_b and tax_a != tax_b)


def customer_master(ctx: Context) -> list[Finding]:
    """customer_missing_in_erp / _in_crm, duplicate_customer, customer_attribute_mismatch."""
    resolver = Resolver(ctx.s.erp_customers)
    crm_by_customer = {a.billing_customer_id for a in ctx.s.crm_accounts if a.billing_customer_id}
    crm_by_code = {a.erp_customer_code for a in ctx.s.crm_accounts if a.erp_customer_code}
    population = {inv.customer for inv in ctx.finalized.values() if inv.cycle == ctx.cycle}
    out: list[Finding] = []
    for customer_id in sorted(population):
        customer = ctx.s.customers.get(customer_id)
        if customer is None:
            # SPEC-AMBIGUITY: a customer whose row is missing or quarantined cannot be compared.
            continue
        found = resolver.resolve(customer)
        if not found:
            out.append(ctx.finding("customer_missing_in_erp", customer_id, None))
        elif len(found) > 1:
            out.append(ctx.finding("duplicate_customer", customer_id, None))
        elif attributes_differ(customer, found[0]):
            out.append(ctx.finding("customer_attribute_mismatch", customer_id, None))
        in_crm = customer_id in crm_by_customer or any(
            row.customer_code in crm_by_code for row in found
        )
        if not in_crm:
            out.append(ctx.finding("customer_missing_in_crm", customer_id, None))
    return out
