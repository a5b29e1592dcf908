"""The registry of sources: the source systems, their objects and the raw-zone tables each
object writes, in extraction order. One place for these facts; the rest derive or are checked:

- the Dagster extraction assets and their keys ``raw/<system>/<table>``
  (``recon_pipeline.defs.sources.extraction``), and what the quarantine and the quality op read;
- the raw tables the quality frames may read (``lib/quality/frames.py``);
- the sources inventory, fingerprint and the sources-directory check (``SOURCE_SYSTEMS``);
- checked by tests/unit/test_source_registry.py: the extraction engine's objects
  (``lib/extract/objects.py``), the typed contract of every table (``lib/extract/schemas.py``,
  one Arrow schema per table) and the dbt sources (``models/staging/*/_*__sources.yml``).

Plain data, no imports: the code location reads it without loading the extraction engine.
Adding a source table: its row here, its schema in schemas.py, its reader in lib/extract, its
dbt source and staging model.
"""

from __future__ import annotations

#: The folders of a sources directory, one per source system (docs/sources.md).
SOURCE_SYSTEMS: tuple[str, ...] = ("billing", "payments", "erp", "usage", "crm", "reference")

#: Source object (``<system>/<object>``) -> the raw tables it writes, in extraction order
#: (an invoice's lines, a subscription's items and discounts are tables of their own).
OBJECT_TABLES: dict[str, tuple[str, ...]] = {
    "billing/customers": ("customers",),
    "billing/products": ("products",),
    "billing/prices": ("prices",),
    "billing/meters": ("meters",),
    "billing/subscriptions": ("subscriptions", "subscription_items", "subscription_discounts"),
    "billing/invoices": ("invoices", "invoice_lines"),
    "billing/credit_notes": ("credit_notes",),
    "payments/charges": ("charges",),
    "payments/invoice_payments": ("invoice_payments",),
    "payments/refunds": ("refunds",),
    "payments/balance_transactions": ("balance_transactions",),
    "payments/payouts": ("payouts",),
    "usage/events": ("events",),
    "erp/gl_accounts": ("gl_accounts",),
    "erp/erp_customers": ("erp_customers",),
    "erp/gl_journal_lines": ("gl_journal_lines",),
    "crm/accounts": ("accounts",),
    "reference/legal_entities": ("legal_entities",),
    "reference/fx_rates": ("fx_rates",),
}


def system_of(name: str) -> str:
    """The source system of an object, e.g. ``billing`` for ``billing/invoices``."""
    return name.split("/", 1)[0]


#: Every raw-zone table as (system, table): OUT/raw/<cycle>/<system>/<table>.parquet.
RAW_TABLES: tuple[tuple[str, str], ...] = tuple(
    (system_of(name), table) for name, tables in OBJECT_TABLES.items() for table in tables
)
