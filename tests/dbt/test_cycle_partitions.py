"""The warehouse is cycle-true: closing one cycle never changes another cycle's rows.

Two cycles of one generated export are built in both orders, with the values a Dagster run
passes (recon_pipeline.settings: environment variables there, the same values as vars here),
each order in a warehouse of its own: every mart's rows of a cycle are the same whichever cycle
ran last, and the same as that cycle built alone (the warehouse after its first run); a cycle
run again leaves the same rows (no duplicate). Marts without a cycle (dimensions, merged by
natural key) are the same in both orders. On DuckDB and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from recon_pipeline.settings import Settings
from tests.dbt.conftest import PG_URI
from tests.recon.ledger_dbt import DbtProject, duckdb_rows

CYCLES = ("2026-08", "2026-10")

Rows = list[tuple[Any, ...]]
Snapshot = dict[tuple[str, str | None], Rows]  # (mart, cycle or None) -> sorted rows


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated export of both cycles, extracted once into a raw zone."""
    from recon_pipeline.generate import generate
    from recon_pipeline.lib.extract import extract_sources

    root = tmp_path_factory.mktemp("cycle_partitions")
    generate(root / "sources", seed=5, scale=0.3, cycles=CYCLES, history_months=1)
    extract_sources(root / "sources", None, root / "raw")
    return root


class Warehouse:
    """One warehouse (DuckDB file or PostgreSQL schema prefix) whose cycles are run by dbt."""

    def __init__(self, export: Path, name: str, target: str, prefix: str = "") -> None:
        self.out = export / name
        self.target = target
        self.prefix = prefix
        self.dbt = DbtProject(self.out / "dbt", target=target)
        for cycle in CYCLES:  # the exports are cumulative: every cycle's raw zone is the one
            (self.out / "raw").mkdir(parents=True, exist_ok=True)
            (self.out / "raw" / cycle).symlink_to(export / "raw", target_is_directory=True)
        if target == "postgres":
            from recon_pipeline.lib.warehouse import load_raw_zone

            load_raw_zone(PG_URI, export / "raw", schema_prefix=prefix)

    def run(self, cycle: str) -> None:
        """`dbt run` of every model for ``cycle``, with the values of a Dagster run."""
        settings = Settings.resolve(out_dir=str(self.out), environ={})
        dbt_vars = {**settings.dbt_vars(), **settings.dbt_run_values(cycle)}
        self.dbt("run", dbt_vars={**dbt_vars, "schema_prefix": self.prefix})

    def rows(self, sql: str) -> Rows:
        if self.target == "postgres":
            import psycopg

            with psycopg.connect(PG_URI) as db:
                return [tuple(r) for r in db.execute(sql).fetchall()]
        return duckdb_rows(self.out / "warehouse.duckdb", sql)

    def snapshot(self) -> Snapshot:
        """Every mart's rows, per cycle where the mart has one, sorted."""
        schema = f"{self.prefix}marts"
        columns: dict[str, list[str]] = {}
        for table, column in self.rows(
            "select table_name, column_name from information_schema.columns "
            f"where table_schema = '{schema}' order by table_name, ordinal_position"
        ):
            columns.setdefault(table, []).append(column)
        found: Snapshot = {}
        for table, names in columns.items():
            rows = self.rows(f'select * from "{schema}"."{table}"')
            if "cycle" in names:
                at = names.index("cycle")
                for cycle in {row[at] for row in rows}:
                    found[(table, cycle)] = sorted((r for r in rows if r[at] == cycle), key=repr)
            else:
                found[(table, None)] = sorted(rows, key=repr)
        return found


def of_cycle(snapshot: Snapshot, cycle: str | None) -> Snapshot:
    return {key: rows for key, rows in snapshot.items() if key[1] == cycle}


def assert_cycle_true(first: Warehouse, second: Warehouse) -> None:
    """Run CYCLES in order in ``first`` and in reverse order in ``second``, then compare."""
    alone: dict[str, Snapshot] = {}
    first.run(CYCLES[0])
    alone[CYCLES[0]] = first.snapshot()
    first.run(CYCLES[1])
    forward = first.snapshot()
    second.run(CYCLES[1])
    alone[CYCLES[1]] = second.snapshot()
    second.run(CYCLES[0])
    backward = second.snapshot()

    marts = {table for table, _ in forward}
    assert {"fct_mismatches", "fct_recon_coverage", "fct_invoices", "recon_billing_erp"} <= marts
    for cycle in CYCLES:
        mine = of_cycle(alone[cycle], cycle)
        assert mine[("fct_mismatches", cycle)], f"{cycle}: no finding at all"
        assert len(mine[("fct_recon_coverage", cycle)]) == 8
        # The cycle's rows: the same as built alone, whichever cycle ran last.
        assert of_cycle(forward, cycle) == mine, cycle
        assert of_cycle(backward, cycle) == mine, cycle
    # Findings of a cycle are written by its own run only.
    for cycle, other in (CYCLES, CYCLES[::-1]):
        assert ("fct_mismatches", other) not in alone[cycle]
    assert of_cycle(forward, None) == of_cycle(backward, None)

    # A cycle run again: the same rows, none twice.
    second.run(CYCLES[0])
    assert second.snapshot() == backward


def test_cycles_in_either_order_duckdb(export: Path) -> None:
    assert_cycle_true(Warehouse(export, "forward", "duckdb"),
                      Warehouse(export, "backward", "duckdb"))


@pytest.mark.postgres
def test_cycles_in_either_order_postgres(export: Path, pg_prefix: str) -> None:
    assert_cycle_true(Warehouse(export, "pg_forward", "postgres", f"{pg_prefix}cf_"),
                      Warehouse(export, "pg_backward", "postgres", f"{pg_prefix}cb_"))
