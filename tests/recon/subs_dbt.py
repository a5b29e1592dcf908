"""Helpers of the subscription recon tests: a sources directory to its raw zone, the dbt project
built on DuckDB or PostgreSQL with private paths and schemas, and findings read back.

dbt runs as a subprocess with its own target, log and out folders (and, on PostgreSQL, its own
schema prefix), so these tests never share dbt_project/target, a DuckDB file or a schema with
anyone else's run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
PG_CONNINFO = (f"host=127.0.0.1 port=5432 dbname=test "
               f"user={os.environ.get('RECON_PG_USER', 'postgres')}")

#: The recons these tests are about.
#: The first cycle of the window these tests reconcile (every cycle of the export up to the one
#: named; dbt_project/macros/partitions.sql).
EARLIEST_CYCLE = "2000-01"
RECONS = ("subscription_billing", "usage_billing", "customer_master")
#: Their models: findings and coverage.
MODELS = (*(f"recon_{r}" for r in RECONS), *(f"recon_{r}__coverage" for r in RECONS))
#: The columns of every recon model, in order (_recon__contract.md).
CONTRACT_COLUMNS = (
    "cycle", "recon", "category", "severity", "legal_entity", "customer_id", "object_id",
    "period_start", "related_id", "currency", "expected_amount", "actual_amount", "difference",
    "leakage_amount", "detail",
)
COVERAGE_COLUMNS = ("cycle", "recon", "objects_checked")

#: (cycle, category, object_id, period_start, leakage_amount): what a finding is compared on.
Key = tuple[str, str, str, date | None, Decimal | None]


def key(cycle: str, category: str, object_id: str, period_start: date | None,
        leakage: Decimal | None) -> Key:
    """A finding's comparison key; the leakage normalised (98.000 = 98.00 = 98)."""
    return (cycle, category, object_id, period_start,
            None if leakage is None else Decimal(leakage).normalize())


def complete_exports(sources: Path) -> None:
    """Add an empty file for every required Stripe export a hand-built directory leaves out
    (an export with no objects), so the whole directory extracts."""
    from recon_pipeline.lib.extract.objects import JSON_SPECS

    for spec in JSON_SPECS.values():
        found = any((sources / f"{stem}{ext}").is_file()
                    for stem in spec.stems for ext in (".jsonl", ".jsonl.gz"))
        if not spec.optional and not found:
            path = sources / f"{spec.stems[0]}.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("")


def extract(sources: Path, out: Path, cycle: str) -> Path:
    """The raw zone of ``sources`` for ``cycle``, as the pipeline writes it (OUT/raw/<cycle>)."""
    from recon_pipeline.lib.extract import extract_sources

    raw = out / "raw" / cycle
    extract_sources(sources, None, raw)
    return raw


@dataclass(frozen=True)
class Warehouse:
    """Where one test's dbt build writes: ``out`` (raw zone, DuckDB file, dbt artifacts) and,
    on PostgreSQL, schemas named ``schema_prefix`` + staging / intermediate / marts / raw_*."""

    out: Path
    target: str = "duckdb"
    schema_prefix: str = ""

    def load(self, raw: Path) -> None:
        """PostgreSQL: load the raw zone into this warehouse's raw schemas (DuckDB reads the
        Parquet files where they are)."""
        if self.target == "postgres":
            from recon_pipeline.lib.warehouse import load_raw_zone

            load_raw_zone(PG_CONNINFO, raw, schema_prefix=self.schema_prefix)

    def dbt(self, *args: str, cycle: str) -> str:
        """``dbt <args>`` on this warehouse for ``cycle`` and every cycle before it (the cycle
        window: the scenarios state findings of several cycles of one export); its output, or
        AssertionError."""
        dbt_vars = {"cycle": cycle, "min_cycle": EARLIEST_CYCLE, "out_dir": str(self.out),
                    "schema_prefix": self.schema_prefix}
        done = subprocess.run(
            [str(DBT), *args, "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT),
             "--target", self.target, "--target-path", str(self.out / "dbt" / "target"),
             "--log-path", str(self.out / "dbt" / "logs"), "--vars", json.dumps(dbt_vars)],
            cwd=PROJECT,
            env={k: v for k, v in os.environ.items() if k != "RECON_OUT_DIR"},
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-5000:]
        return done.stdout

    def build(self, cycle: str) -> str:
        """``dbt build`` of the three recons, their coverage, and everything they read."""
        return self.dbt("build", "--select", " ".join(f"+{m}" for m in MODELS), cycle=cycle)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of ``sql``, where ``{marts}`` names this warehouse's marts schema."""
        if self.target == "postgres":
            import psycopg

            with psycopg.connect(PG_CONNINFO) as db:
                return db.execute(sql.format(marts=f"{self.schema_prefix}marts")).fetchall()
        import duckdb

        with duckdb.connect(str(self.out / "warehouse.duckdb"), read_only=True) as db:
            return db.sql(sql.format(marts="marts")).fetchall()

    def columns(self, model: str) -> tuple[str, ...]:
        """The columns of a model's relation, in order."""
        schema = f"{self.schema_prefix}marts" if self.target == "postgres" else "marts"
        found = self.rows(
            "select column_name from information_schema.columns "
            f"where table_schema = '{schema}' and table_name = '{model}' "
            "order by ordinal_position")
        return tuple(name for (name,) in found)

    def findings(self) -> list[dict[str, Any]]:
        """Every row of the three recon models, every cycle, as dicts."""
        union = " union all ".join(
            f"select {', '.join(CONTRACT_COLUMNS)} from {{marts}}.recon_{r}" for r in RECONS)
        return [dict(zip(CONTRACT_COLUMNS, row, strict=True)) for row in self.rows(union)]

    def coverage(self) -> dict[tuple[str, str], int]:
        """(cycle, recon) → objects_checked, from the three coverage models."""
        union = " union all ".join(
            f"select cycle, recon, objects_checked from {{marts}}.recon_{r}__coverage"
            for r in RECONS)
        return {(c, r): int(n) for c, r, n in self.rows(union)}


def keys(findings: list[dict[str, Any]]) -> set[Key]:
    """The comparison keys of ``findings``."""
    return {key(f["cycle"], f["category"], f["object_id"], f["period_start"],
                f["leakage_amount"]) for f in findings}


@contextmanager
def warehouse(out: Path, target: str) -> Iterator[Warehouse]:
    """A private warehouse under ``out``; on PostgreSQL its schemas (a unique prefix) are
    dropped afterwards."""
    if target != "postgres":
        yield Warehouse(out)
        return
    import psycopg

    prefix = f"subs_{uuid.uuid4().hex[:10]}_"
    try:
        yield Warehouse(out, "postgres", prefix)
    finally:
        with psycopg.connect(PG_CONNINFO, autocommit=True) as db:
            schemas = db.execute(
                "select schema_name from information_schema.schemata where schema_name like %s",
                (prefix + "%",)).fetchall()
            for (schema,) in schemas:
                db.execute(f'drop schema if exists "{schema}" cascade')
