"""The data each expectation suite validates: one Arrow table per asset and cycle, built in DuckDB.

A suite is named after the asset it checks (``raw.billing.invoice_lines`` checks the asset
``raw/billing/invoice_lines``). Its frame is the asset's table as the cycle's run wrote it,
narrowed to the columns the expectations read, plus a few derived columns for what one table
alone cannot say: referential integrity (``price_known``: the line's price is in the price list),
arithmetic (``net_balances``: amount - fee = net) and per-recon figures (match rates, quarantine
shares). A raw table is read with identical copies collapsed: rows equal in every column but
their lineage (``_file``, ``_line``) are one row, since an export that repeats an object
(overlapping exports, batch plus stream) holds one object, not two (docs/sources.md, "The same
object exported twice"). Copies of one key that differ stay, so a key's uniqueness expectation
fails for a conflict and passes for a repeat. The large fact tables (invoices and their lines,
charges, balance transactions, usage events, journal lines) are checked from the cycle's start
on: the export is cumulative, and the rows before were checked by the runs of their own cycles,
so the work follows the cycle, not the history. All of it is columnar SQL over the raw zone's
Parquet files and the warehouse, so the frames cost a scan each and no Python per row.
Dagster-free.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from recon_pipeline.lib.cycles import cycle_start
from recon_pipeline.lib.memory import duckdb_memory_limit
from recon_pipeline.lib.reports.schema import RECONS
from recon_pipeline.lib.sources import RAW_TABLES
from recon_pipeline.lib.sqltext import quote_literal

#: The lineage columns of every raw table (lib/extract/schemas.py): where a row was read, not
#: what it says. Rows equal in every other column are identical copies of one object.
LINEAGE = ("_file", "_line")


class FrameError(RuntimeError):
    """A table an expectation suite needs is missing (the asset was not materialized)."""


@dataclass(frozen=True)
class FrameSources:
    """Where the frames of one cycle come from."""

    raw_dir: Path  # OUT/raw/<cycle>
    warehouse: Path  # OUT/warehouse.duckdb
    cycle: str
    #: (category, object_id, period_start or '') of the findings an approved waiver covers
    #: (lib.workflow.gate.waived_keys): the blocking expectation skips them.
    waived: frozenset[tuple[str, str, str]] = frozenset()


def raw_file(src: FrameSources, system: str, table: str) -> Path:
    """The Parquet file of a raw table in the cycle's raw zone; FrameError when it is missing."""
    file = src.raw_dir / system / f"{table}.parquet"
    if not file.is_file():
        raise FrameError(f"{file} not found: materialize raw/{system}/{table} for "
                         f"{src.cycle} first")
    return file


def _raw(system: str, table: str) -> Callable[[FrameSources, bool], str]:
    def path(src: FrameSources, ordered: bool = True) -> str:
        file = raw_file(src, system, table)
        # Identical copies of a row (an object exported twice, batch plus stream) are one row
        # here, as in the staging layer (macro raw_table): equal in every column but the
        # lineage. The rows stay in the order they were read (of copies, the first), so the
        # frame and its example rows are the same on every run; a frame read in its canonical
        # order (``read_frame(canonical=True)``) is sorted as a whole, so the read order (a
        # sort of the table's whole history) is not kept.
        lineage = ", ".join(LINEAGE)
        distinct = (f"select * exclude ({lineage}), min(({lineage})) as recon_first "
                    f"from read_parquet({quote_literal(file.as_posix())}) group by all")
        if not ordered:
            return f"(select * exclude (recon_first) from ({distinct}))"
        return f"(select * exclude (recon_first) from ({distinct}) order by recon_first)"
    return path


#: The frames' placeholders for raw tables: ``{system_table}`` -> (system, table).
RAW_PLACEHOLDERS: dict[str, tuple[str, str]] = {
    f"{system}_{table}": (system, table) for system, table in RAW_TABLES}
#: The extraction's per-file row counts (``OUT/raw/<cycle>/file_counts.parquet``).
FILE_COUNTS = "file_counts"
#: The warehouse tables the frames read: ``{marts_<table>}`` -> (schema, table).
WAREHOUSE_PLACEHOLDERS: dict[str, tuple[str, str]] = {
    f"marts_{table}": ("marts", table) for table in ("fct_mismatches", "fct_recon_coverage")}

# The frames are SQL that DuckDB runs as written and Spark runs transpiled by sqlglot
# (lib/quality/spark.py): {name} placeholders stand for the tables, filled by each engine
# (raw tables with identical copies collapsed), and $name for the run's parameters.
_TABLES: dict[str, Callable[[FrameSources, bool], str]] = {
    name: _raw(system, table) for name, (system, table) in RAW_PLACEHOLDERS.items()}

FRAMES: dict[str, str] = {
    "raw.billing.customers": """
        select c.customer_id, lower(c.currency) as currency, c.created_at, c.legal_entity,
               c.legal_entity is null
                 or c.legal_entity in (select entity_code from {reference_legal_entities})
                 as legal_entity_known
        from {billing_customers} c""",
    "raw.billing.prices": """
        select price_id, product_id, lower(currency) as currency, unit_amount,
               unit_amount_decimal, interval, usage_type,
               product_id in (select product_id from {billing_products}) as product_known
        from {billing_prices}""",
    "raw.billing.subscriptions": """
        select subscription_id, customer_id, status, lower(currency) as currency, start_at,
               customer_id in (select customer_id from {billing_customers}) as customer_known
        from {billing_subscriptions}""",
    "raw.billing.invoices": """
        select invoice_id, customer_id, status, lower(currency) as currency, subtotal, total,
               amount_paid, amount_remaining, created_at,
               customer_id in (select customer_id from {billing_customers}) as customer_known
        from {billing_invoices}
        where created_at is null or created_at >= $cycle_start""",
    "raw.billing.invoice_lines": """
        select l.invoice_line_id, l.invoice_id, lower(l.currency) as currency, l.amount,
               l.quantity, l.price_id,
               l.period_end_at >= l.period_start_at as period_ordered,
               l.price_id is null
                 or l.price_id in (select price_id from {billing_prices}) as price_known,
               l.invoice_id in (select invoice_id from {billing_invoices}) as invoice_known
        from {billing_invoice_lines} l
        where l.period_end_at is null or l.period_end_at >= $cycle_start""",
    "raw.payments.charges": """
        select c.charge_id, lower(c.currency) as currency, c.amount, c.amount_refunded,
               c.status, c.created_at,
               c.amount_refunded <= c.amount as refund_within_amount,
               c.status <> 'succeeded' or c.balance_transaction_id in
                 (select balance_transaction_id from {payments_balance_transactions})
                 as balance_transaction_known
        from {payments_charges} c
        where c.created_at is null or c.created_at >= $cycle_start""",
    "raw.payments.refunds": """
        select refund_id, charge_id, lower(currency) as currency, amount, status, created_at,
               charge_id in (select charge_id from {payments_charges}) as charge_known
        from {payments_refunds}""",
    "raw.payments.balance_transactions": """
        select balance_transaction_id, type, lower(currency) as currency, amount, fee, net,
               created_at, amount - fee = net as net_balances
        from {payments_balance_transactions}
        where created_at is null or created_at >= $cycle_start""",
    "raw.payments.payouts": """
        select payout_id, lower(currency) as currency, amount, status, created_at
        from {payments_payouts}""",
    "raw.usage.events": """
        select event_source, event_id, type, event_at, value,
               type in (select event_name from {billing_meters}
                        union select meter_event_name from {billing_prices}
                        where meter_event_name is not null) as meter_known
        from {usage_events}
        where event_at is null or event_at >= $cycle_start""",
    "raw.erp.erp_customers": """
        select customer_code, entity_code, lower(currency) as currency,
               entity_code in (select entity_code from {reference_legal_entities})
                 as entity_known
        from {erp_erp_customers}""",
    "raw.erp.gl_journal_lines": """
        select * from (
            select entity_code, journal_id, line_no,
                   cast(posting_date as timestamptz) as posting_date, account_code, debit, credit,
                   lower(currency) as currency,
                   (debit = 0) <> (credit = 0) as one_sided,
                   sum(debit - credit) over (partition by entity_code, journal_id) = 0
                     as journal_balanced,
                   account_code in (select account_code from {erp_gl_accounts}) as account_known
            from {erp_gl_journal_lines})
        where posting_date is null or posting_date >= $cycle_start""",
    "raw.crm.accounts": """
        select account_id, lower(currency) as currency, status, legal_entity
        from {crm_accounts}""",
    "raw.reference.fx_rates": """
        select rate_date, lower(currency) as currency, rate_to_reporting
        from {reference_fx_rates}""",
    # Reconciliation thresholds of the cycle.
    "raw.quarantine": """
        select source, cast(sum(rows_read) as bigint) as rows_read,
               cast(sum(rows_quarantined) as bigint) as rows_quarantined,
               case when sum(rows_read) = 0 then 0.0
                    else cast(sum(rows_quarantined) as double) / sum(rows_read) end
                 as quarantined_share
        from {file_counts}
        where "table" not in ('invoice_lines', 'subscription_items', 'subscription_discounts')
        group by source""",
    "marts.fct_mismatches": """
        select *, concat_ws(chr(31), category, object_id, period_key)
                    in (select unnest($waived::varchar[])) as waived
        from (select recon, category, severity, object_id,
                     coalesce(cast(period_start as varchar), '') as period_key, currency,
                     leakage_amount_reporting
              from {marts_fct_mismatches} where cycle = $cycle)""",
    "marts.fct_recon_coverage": """
        with flagged as (
            select recon, count(distinct concat_ws(chr(31), object_id,
                                           coalesce(cast(period_start as varchar), '')))
                     as objects_with_findings
            from {marts_fct_mismatches} where cycle = $cycle group by recon),
        checked as (
            select recon, cast(sum(objects_checked) as bigint) as objects_checked
            from {marts_fct_recon_coverage} where cycle = $cycle group by recon)
        select r.recon, coalesce(c.objects_checked, 0) as objects_checked,
               coalesce(f.objects_with_findings, 0) as objects_with_findings,
               case when coalesce(c.objects_checked, 0) = 0 then null
                    else cast(greatest(0, c.objects_checked
                                            - coalesce(f.objects_with_findings, 0)) as double)
                         / c.objects_checked end as match_rate
        from (select unnest($recons) as recon) r
        left join checked c using (recon) left join flagged f using (recon)""",
}


def frame_template(suite: str) -> str:
    """The SQL of the frame of ``suite`` with its {placeholders} (engine-neutral)."""
    if suite not in FRAMES:
        raise FrameError(f"no frame for expectation suite {suite!r}: suites are named after the "
                         f"assets they check, one of {', '.join(sorted(FRAMES))}")
    return FRAMES[suite]


def placeholders(template: str) -> list[str]:
    """The table placeholders a frame template reads."""
    return sorted(set(re.findall(r"\{(\w+)\}", template)))


def frame_parameters(sql: str, src: FrameSources) -> dict[str, object]:
    """The values of the ``$name`` parameters that ``sql`` uses."""
    params: dict[str, object] = {}
    if re.search(r"\$cycle\b", sql):
        params["cycle"] = src.cycle
    if "$cycle_start" in sql:
        params["cycle_start"] = datetime.fromtimestamp(cycle_start(src.cycle), UTC)
    if "$waived" in sql:
        params["waived"] = ["\x1f".join(key) for key in sorted(src.waived)]
    if "$recons" in sql:
        params["recons"] = list(RECONS)
    return params


def frame_sql(suite: str, src: FrameSources, canonical: bool = False) -> str:
    """The SQL of the frame of ``suite`` on DuckDB, its tables filled in: its rows in the order
    read, or with ``canonical`` in the frame's canonical order (every column ascending, nulls
    last: the order GX validates, see validate._ArrowFrame), sorted by DuckDB."""
    template = frame_template(suite)
    names: dict[str, str] = {}
    for name in placeholders(template):
        if name in _TABLES:
            names[name] = _TABLES[name](src, not canonical)
        elif name == FILE_COUNTS:
            counts = (src.raw_dir / "file_counts.parquet").as_posix()
            names[name] = f"read_parquet({quote_literal(counts)})"
        else:
            schema, table = WAREHOUSE_PLACEHOLDERS[name]
            names[name] = f"wh.{schema}.{table}"
    sql = template.format(**names)
    return f"select * from ({sql}) order by all" if canonical else sql


def read_frame(con: duckdb.DuckDBPyConnection, suite: str, src: FrameSources,
               canonical: bool = False) -> pa.Table:
    """The frame of ``suite`` for the cycle, as Arrow (the connection has the warehouse as wh);
    with ``canonical``, sorted in the canonical order (``frame_sql``)."""
    sql = frame_sql(suite, src, canonical)
    params = frame_parameters(sql, src)
    try:
        return con.sql(sql, params=params or None).to_arrow_table()
    except duckdb.IOException as exc:
        raise FrameError(f"cannot read the data of suite {suite}: {exc}") from None


def connect(src: FrameSources, temp_dir: Path | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the warehouse attached read-only as ``wh`` (when it exists),
    its memory limited (the quality stage's share of the close's budget, lib/memory.py),
    spilling to ``temp_dir`` when given."""
    con = duckdb.connect(config={"memory_limit": duckdb_memory_limit("quality")})
    con.execute("set timezone = 'UTC'")
    if temp_dir is not None:
        con.execute(f"set temp_directory = {quote_literal(temp_dir.as_posix())}")
    if src.warehouse.is_file():
        con.execute(f"attach {quote_literal(src.warehouse.as_posix())} as wh (read_only)")
    return con
