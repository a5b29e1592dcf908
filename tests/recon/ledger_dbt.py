"""Helpers of the ledger recon tests: the raw zone of a sources directory, the dbt project run
in process with private targets (a manifest parsed once per set of vars), and findings read
back from the warehouse."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb

from recon_pipeline.lib.extract import OBJECTS, combine_parts, extract_object

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
PG_USER = os.environ.get("RECON_PG_USER", "postgres")
PG_URI = f"postgresql://{PG_USER}@127.0.0.1:5432/test"

#: The recons these tests are about, and their categories (docs/findings.md).
RECONS = ("billing_erp", "gateway_erp", "gateway_billing", "payouts", "revenue")
CATEGORIES = frozenset(
    {
        "invoice_not_posted", "invoice_amount_mismatch", "invoice_currency_mismatch",
        "invoice_period_mismatch", "invoice_entity_mismatch", "duplicate_posting",
        "posting_without_invoice", "payment_not_posted", "payment_amount_mismatch",
        "fee_mismatch", "refund_not_posted", "refund_amount_mismatch", "posting_without_payment",
        "invoice_paid_without_payment", "payment_unapplied", "payout_settlement_mismatch",
        "payout_posting_mismatch", "revenue_recognition_mismatch",
    }
)
#: Every model of these recons (their unit and data tests are what `dbt test` runs here).
MODELS = (
    "int_ledger_documents_posted", "int_ledger_postings_duplicated", "int_recon_severities",
    "int_revenue_recognitions_posted", "int_revenue_shares_scheduled",
    "int_source_documents_unposted",
    *(f"recon_{recon}" for recon in RECONS),
    *(f"recon_{recon}__coverage" for recon in RECONS),
    "fct_mismatches", "fct_recon_coverage",
)
#: The recon models and everything they read.
UPSTREAM = tuple(f"+recon_{recon}" for recon in RECONS)

Finding = tuple[str, str, str]  # cycle, category, object_id


def extract_raw(sources: Path, raw_dir: Path) -> None:
    """Write the raw zone of ``sources`` to ``raw_dir`` (OUT/raw/<cycle>) as the pipeline
    does, object by object; a hand-built case leaves out the exports it does not need, whose
    tables the dbt project then reads as empty."""
    for name in OBJECTS:
        system, table = name.split("/")
        if system in ("billing", "payments") and not any(
            (sources / system).glob(f"{table}.jsonl*")
        ):
            continue
        if system in ("crm", "reference") and not any((sources / system).glob(f"{table}.csv")):
            continue
        extract_object(sources, name, raw_dir)
    combine_parts(raw_dir)


class DbtProject:
    """The dbt project run in this process on ``target``, artifacts and logs under ``work``.

    Parsing is the slow part of a dbt call, so the manifest of each set of vars is parsed once
    and handed to every later call with the same vars.
    """

    def __init__(self, work: Path, target: str = "duckdb") -> None:
        """Keep the work folder and the target (duckdb or postgres)."""
        self.work = work
        self.target = target
        self._manifests: dict[str, Any] = {}
        self._seeded: set[str] = set()

    def __call__(self, *args: str, dbt_vars: Mapping[str, Any]) -> list[Any]:
        """Run ``dbt <args>`` with ``dbt_vars``; the node results, or AssertionError naming
        every node that did not succeed."""
        from dbt.cli.main import dbtRunner

        key = json.dumps(dict(dbt_vars), sort_keys=True)
        flags = [
            "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT),
            "--target", self.target, "--target-path", str(self.work / "target"),
            "--log-path", str(self.work / "logs"), "--vars", key, "--quiet",
        ]
        if key not in self._manifests:
            parsed = dbtRunner().invoke(["parse", *flags])
            assert parsed.success, f"dbt parse failed: {parsed.exception}"
            self._manifests[key] = parsed.result
        if args[0] == "run" and key not in self._seeded:
            # The recon models read the registry seed (seeds/recon_categories.csv); `dbt run`
            # builds models only, so load it first into this target's schemas.
            seeded = dbtRunner(manifest=self._manifests[key]).invoke(["seed", *flags])
            assert seeded.success, f"dbt seed failed: {seeded.exception}"
            self._seeded.add(key)
        done = dbtRunner(manifest=self._manifests[key]).invoke([*args, *flags])
        results = list(getattr(done.result, "results", None) or [])
        failed = [
            f"{r.node.unique_id}: {r.status} {r.message}"
            for r in results
            if str(r.status) not in ("success", "pass")
        ]
        assert done.success and not failed, (
            f"dbt {' '.join(args)} failed: {done.exception or ''}\n" + "\n".join(failed)
        )
        return results


def duckdb_rows(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` on the DuckDB warehouse. Opened as dbt opens it: dbt-duckdb keeps its
    database open in this process, and DuckDB shares an open database only with connections
    of the same configuration."""
    with duckdb.connect(str(warehouse)) as db:
        return db.sql(sql).fetchall()


def recon_findings(warehouse: Path) -> set[Finding]:
    """(cycle, category, object_id) of every finding of the recon models, every cycle."""
    union = " union all ".join(
        f"select cycle, category, object_id from marts.recon_{recon}" for recon in RECONS
    )
    return {(c, k, o) for c, k, o in duckdb_rows(warehouse, union)}


def of_cycles(found: Iterable[Finding], cycles: Iterable[str]) -> set[Finding]:
    """The findings of ``cycles`` only."""
    wanted = set(cycles)
    return {f for f in found if f[0] in wanted}
