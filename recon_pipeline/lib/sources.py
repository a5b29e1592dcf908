"""The registry of sources: the source systems, their objects and the raw-zone tables each
object writes, in extraction order. One place for these facts; the rest derive or are checked:

- the Dagster extraction assets and their keys ``raw/<system>/<table>``
  (``recon_pipeline.defs.sources.extraction``), and what the quarantine and the quality op read;
- the raw tables the quality frames may read (``lib/quality/frames.py``);
- the sources inventory, fingerprint and the sources-directory check (``SOURCE_SYSTEMS``);
- checked by tests/unit/test_source_registry.py: the extraction engine's objects
  (``lib/extract/objects.py``), the typed contract of every table (``lib/extract/schemas.py``,
  one Arrow schema per table) and the dbt sources (``models/staging/*/_*__sources.yml``).

Plain data and path checks, no heavy imports: the code location reads it without loading the
extraction engine.
Adding a source table: its row here, its schema in schemas.py, its reader in lib/extract, its
dbt source and staging model.
"""

from __future__ import annotations

from pathlib import Path

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


#: The default ERP: a SQLite file of the sources directory (sources.md).
ERP_FILE = "erp/ledger.sqlite"


def default_erp_path(sources: Path) -> Path:
    """``SOURCES/erp/ledger.sqlite``, absolute."""
    return (sources / ERP_FILE).absolute()


def default_erp_url(sources: Path) -> str:
    """The SQLAlchemy URL of the default ERP."""
    return f"sqlite:///{default_erp_path(sources)}"


#: The first 16 bytes of every SQLite 3 database file.
SQLITE_HEADER = b"SQLite format 3\x00"


def sqlite_file_problem(path: Path) -> str | None:
    """Why the file at ``path`` is not a SQLite database (its header), or None if it is one.

    SQLite itself would take an empty file for an empty database and report anything else
    only at the first query, in its own words; an ERP export is neither.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if head != SQLITE_HEADER:
        what = "is empty" if not head else "does not start with the SQLite header"
        return f"is not a SQLite database (the file {what})"
    return None


def sources_dir_problem(path: Path, *, how: str = "pass --sources DIR") -> str | None:
    """Why ``path`` is not a sources directory (one line, saying what to do), or None.

    A sources directory holds at least one source system's folder; ``how`` says how to give
    another one (the CLI's option, an environment variable)."""
    if not path.exists():
        return (f"sources directory {path} does not exist: {how}; "
                "`recon generate --out DIR` writes one")
    if not path.is_dir():
        return f"sources directory {path} is not a directory: {how}"
    if not any((path / system).is_dir() for system in SOURCE_SYSTEMS):
        return (f"{path} is not a sources directory: it has none of the folders "
                f"{', '.join(s + '/' for s in SOURCE_SYSTEMS)} (see docs/sources.md)")
    return None


def system_of(name: str) -> str:
    """The source system of an object, e.g. ``billing`` for ``billing/invoices``."""
    return name.split("/", 1)[0]


#: Every raw-zone table as (system, table): OUT/raw/<cycle>/<system>/<table>.parquet.
RAW_TABLES: tuple[tuple[str, str], ...] = tuple(
    (system_of(name), table) for name, tables in OBJECT_TABLES.items() for table in tables
)
