"""The reports' contract: the findings a cycle hands in, and the tables the reports write.

Money is exact: ``decimal128`` in Parquet, text in CSV. Amounts in an object's currency keep
three decimal places (KWD, BHD, ... have three), reporting-currency leakage two (cents).
"""

from __future__ import annotations

import pyarrow as pa

from recon_pipeline.lib.extract.schemas import QUARANTINE
from recon_pipeline.lib.registry import BY_CATEGORY, CATEGORIES_OF, RegistryError
from recon_pipeline.lib.registry import LEAKAGE_CATEGORIES as LEAKAGE_CATEGORIES
from recon_pipeline.lib.registry import RECON_OF as RECON_OF
from recon_pipeline.lib.registry import RECONS as RECONS

#: Amounts in the object's currency, major units (JPY 0, USD 2, KWD 3 places fit).
AMOUNT = pa.decimal128(18, 3)
#: Leakage and money at stake converted to the reporting currency, rounded to cents.
REPORTING_AMOUNT = pa.decimal128(18, 2)
STR = pa.string()

#: Recon -> its categories; the recons; category -> recon; the leakage categories: all from
#: the registry (dbt_project/seeds/recon_categories.csv).
CATEGORIES: dict[str, tuple[str, ...]] = CATEGORIES_OF
MONEY_COLUMNS = ("expected_amount", "actual_amount", "difference", "leakage_amount",
                 "leakage_amount_reporting", "difference_reporting")
#: Money columns in the reporting currency (cents), not the finding's own currency.
REPORTING_COLUMNS = ("leakage_amount_reporting", "difference_reporting")

#: What the reconciliations hand in for one cycle: mismatches.parquet without
#: ``exception_id`` and ``status``. Wider decimals are accepted when they cast losslessly.
FINDINGS_SCHEMA = pa.schema([
    pa.field("cycle", STR, nullable=False),
    pa.field("recon", STR, nullable=False),
    pa.field("category", STR, nullable=False),
    pa.field("severity", STR, nullable=False),  # error / warning
    pa.field("legal_entity", STR),
    pa.field("customer_id", STR),
    pa.field("object_id", STR, nullable=False),
    pa.field("period_start", pa.date32()),  # set only for subscription and usage periods
    pa.field("related_id", STR),
    pa.field("currency", STR),  # ISO 4217, as the source writes it
    pa.field("expected_amount", AMOUNT),
    pa.field("actual_amount", AMOUNT),
    pa.field("difference", AMOUNT),
    pa.field("leakage_amount", AMOUNT),
    pa.field("leakage_amount_reporting", REPORTING_AMOUNT),
    pa.field("detail", STR, nullable=False),
    # The money at stake: |difference| (one side missing: the whole amount) in the reporting
    # currency at the leakage rate, half-even cents; null when the finding has no amount.
    pa.field("difference_reporting", REPORTING_AMOUNT),
    # The finding keeps the close from being final: its category's registry flag.
    pa.field("blocking", pa.bool_(), nullable=False),
])

#: mismatches.parquet: the findings with their stable id and new / recurring status.
MISMATCHES_SCHEMA = pa.schema([
    pa.field("exception_id", STR, nullable=False), *FINDINGS_SCHEMA,
    pa.field("status", STR, nullable=False),
])

#: The cycle's latest run as the ledger keeps it: mismatches plus when that run happened.
SNAPSHOT_SCHEMA = MISMATCHES_SCHEMA.append(pa.field("run_at", pa.timestamp("us", tz="UTC")))

#: quarantine.parquet, shared with the raw zone.
QUARANTINE_SCHEMA = QUARANTINE

TS = pa.timestamp("us", tz="UTC")

#: OUT/exceptions.parquet: one row per exception_id ever found, with its lifecycle.
EXCEPTIONS_SCHEMA = pa.schema([
    pa.field("exception_id", STR, nullable=False),
    pa.field("recon", STR, nullable=False),
    pa.field("category", STR, nullable=False),
    pa.field("object_id", STR, nullable=False),
    pa.field("period_start", pa.date32()),
    pa.field("first_seen_cycle", STR, nullable=False),
    pa.field("last_seen_cycle", STR, nullable=False),
    pa.field("first_seen_at", TS, nullable=False),
    pa.field("status", STR, nullable=False),  # open / resolved
    pa.field("resolved_at", TS),
    pa.field("age_days", pa.int32(), nullable=False),
    pa.field("open_cycles", pa.list_(STR), nullable=False),  # cycles whose latest run has it
])

#: Append-only ledger events: ``found`` (first time an id is found in a cycle),
#: ``resolved`` and ``reopened`` (its open / resolved status changed).
EVENTS_SCHEMA = pa.schema([
    pa.field("exception_id", STR, nullable=False),
    pa.field("event", STR, nullable=False),
    pa.field("cycle", STR, nullable=False),
    pa.field("at", TS, nullable=False),
    pa.field("category", STR, nullable=False),
    pa.field("object_id", STR, nullable=False),
    pa.field("period_start", pa.date32()),
])


def conform(table: pa.Table, schema: pa.Schema, what: str) -> pa.Table:
    """``table`` with exactly ``schema``'s columns, cast losslessly; ValueError says what is off."""
    missing = [f.name for f in schema if f.name not in table.column_names]
    if missing:
        raise ValueError(f"{what} lacks columns {missing}")
    columns = []
    for field in schema:
        column = table.column(field.name)
        if field.name in MONEY_COLUMNS and not pa.types.is_decimal(column.type):
            raise ValueError(f"{what}: {field.name} is {column.type}; money must be decimal")
        try:
            columns.append(column.cast(field.type, safe=True))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise ValueError(f"{what}: {field.name} does not fit {field.type}: {exc}") from exc
        if not field.nullable and columns[-1].null_count:
            raise ValueError(f"{what}: {field.name} has nulls")
    return pa.Table.from_arrays(columns, schema=schema)


def conform_findings(findings: pa.Table) -> pa.Table:
    """Findings cast to FINDINGS_SCHEMA; checks category (a registry row) and its recon,
    severity, decimal money. ``blocking`` is the registry's flag of the category (set here when
    the findings lack it)."""
    if "blocking" not in findings.column_names:
        findings = findings.append_column("blocking", pa.nulls(findings.num_rows, pa.bool_()))
    categories = findings.column("category").to_pylist()
    unknown = sorted({str(c) for c in categories if c not in RECON_OF})
    if unknown:
        raise RegistryError(f"findings: category {unknown[0]!r} is not in the registry "
                            "(dbt_project/seeds/recon_categories.csv)")
    findings = findings.set_column(
        findings.schema.get_field_index("blocking"), "blocking",
        pa.array([BY_CATEGORY[c].blocking for c in categories], pa.bool_()))
    table = conform(findings, FINDINGS_SCHEMA, "findings")
    for recon, category, severity in zip(table.column("recon").to_pylist(),
                                         table.column("category").to_pylist(),
                                         table.column("severity").to_pylist(), strict=True):
        if RECON_OF[category] != recon:
            raise ValueError(f"findings: category {category!r} is not of recon {recon!r}")
        if severity not in ("error", "warning"):
            raise ValueError(f"findings: severity {severity!r} is not 'error' or 'warning'")
    return table
