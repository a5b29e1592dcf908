"""The ledger recons (billing_erp, gateway_erp, gateway_billing, payouts, revenue) and the
report tables (fct_mismatches, fct_recon_coverage), built by dbt from real raw zones:

- the configuration (config/recon.yml through recon_pipeline.lib.config) and the defaults of
  dbt_project.yml agree, and bad settings are refused with a clear message;
- every hand-built case of tests/cases: sources written, extracted, dbt run; the recons find
  exactly the case's findings of their categories, cycle by cycle;
- generated sources (seed 7, scale 0.5): the findings of these recons in fct_mismatches are the
  planted truth of every cycle, nothing more; the same on PostgreSQL, to the last decimal.
"""

from __future__ import annotations

import csv
import shutil
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped, unused-ignore]

from recon_pipeline.generate import generate
from recon_pipeline.lib.config import CATEGORIES as ALL_CATEGORIES
from recon_pipeline.lib.config import DEFAULT_PATH, ConfigError, ReconConfig, load_config
from tests.cases.catalog import CATALOG, Case
from tests.cases.stripe_shapes import Shape
from tests.recon.ledger_dbt import (
    CATEGORIES,
    MODELS,
    PG_URI,
    PROJECT,
    RECONS,
    UPSTREAM,
    DbtProject,
    Finding,
    duckdb_rows,
    extract_raw,
    of_cycles,
    recon_findings,
)

#: Columns of mismatches.parquet (docs/outputs.md) but exception_id and status, in order.
MISMATCH_COLUMNS = [
    "cycle", "recon", "category", "severity", "legal_entity", "customer_id", "object_id",
    "period_start", "related_id", "currency", "expected_amount", "actual_amount", "difference",
    "leakage_amount", "leakage_amount_reporting", "detail",
]


# ---------------------------------------------------------------- configuration


def test_config_defaults_are_the_dbt_project_vars() -> None:
    """config/recon.yml and the vars of dbt_project.yml say the same, so dbt run by hand
    reconciles as a configured run does."""
    dbt_vars = yaml.safe_load((PROJECT / "dbt_project.yml").read_text())["vars"]
    config = load_config()
    for key, value in config.dbt_vars().items():
        if key == "usage_tolerance":
            assert Decimal(str(dbt_vars[key])) == Decimal(value)
        else:
            assert dbt_vars[key] == value, key
    assert set(config.recon_severity) == ALL_CATEGORIES
    assert config.severity("duplicate_customer") == "warning"
    assert config.severity("invoice_not_posted") == "error"


def test_config_file_overrides_only_what_it_sets(tmp_path: Path) -> None:
    path = tmp_path / "recon.yml"
    path.write_text(
        "tolerance_minor: 0\nusage_tolerance: 0.1\nreporting_currency: eur\n"
        "recon_severity:\n  payment_unapplied: error\n"
    )
    config = load_config(path)
    assert config.tolerance_minor == 0
    assert config.usage_tolerance == Decimal("0.1")  # exact, not the float 0.1
    assert config.reporting_currency == "EUR"
    assert config.grace_days == load_config().grace_days
    assert config.severity("payment_unapplied") == "error"
    assert config.severity("duplicate_customer") == "warning"
    assert config.dbt_vars()["usage_tolerance"] == "0.1"
    assert load_config(None) == ReconConfig(**_defaults_from_file())


def _defaults_from_file() -> dict[str, Any]:
    data = yaml.safe_load(DEFAULT_PATH.read_text())
    return {**data, "usage_tolerance": Decimal(data["usage_tolerance"])}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tolerance_minor: -1\n", "tolerance_minor must be a whole number >= 0"),
        ("tolerance_minor: 1.5\n", "tolerance_minor must be a whole number >= 0"),
        ("grace_days: three\n", "grace_days must be a whole number >= 0"),
        ("usage_tolerance: lots\n", "usage_tolerance must be a decimal >= 0"),
        ("usage_tolerance: -0.5\n", "usage_tolerance must be a decimal >= 0"),
        ("reporting_currency: dollars\n", "reporting_currency must be an ISO 4217 code"),
        ("recon_severity:\n  fee_mismatch: fatal\n", "must be error or warning"),
        ("recon_severity:\n  fee_mismatches: error\n", "unknown categories fee_mismatches"),
        ("tolerance: 1\n", "unknown setting(s) tolerance"),
        ("- 1\n", "must be a mapping of settings"),
        ("tolerance_minor: [\n", "is not valid YAML"),
    ],
)
def test_bad_config_is_refused_with_a_clear_message(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "recon.yml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")) as e:
        load_config(path)
    assert str(path) in str(e.value)


def test_missing_config_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "absent.yml")


# ---------------------------------------------------------------- hand-built cases


@pytest.fixture(scope="module")
def case_dbt(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    """One dbt project for every case: the same output folder, so the manifest of a set of
    vars is parsed once."""
    return DbtProject(tmp_path_factory.mktemp("ledger_cases"))


# Each case once, the Stripe shapes taking turns (the extraction tests cover both shapes).
CASE_PARAMS = [
    pytest.param(case, case.shapes[i % len(case.shapes)], id=case.name)
    for i, case in enumerate(CATALOG)
]


@pytest.mark.slow
@pytest.mark.parametrize(("case", "shape"), CASE_PARAMS)
def test_hand_built_case(case: Case, shape: Shape, case_dbt: DbtProject, tmp_path: Path) -> None:
    """The recons find exactly the case's findings of their categories, in each cycle the case
    states (including the cycles where it expects nothing)."""
    expected = case.build(tmp_path / "sources", shape)
    cycle = max(expected)
    out = case_dbt.work / "out"
    # A fresh raw zone; the warehouse stays (dbt keeps it open), every model read is rebuilt.
    shutil.rmtree(out / "raw", ignore_errors=True)
    extract_raw(tmp_path / "sources", out / "raw" / cycle)
    # One export, every cycle the case states reconciled in one run (the cycle window); a full
    # refresh, as each case is a world of its own (incremental facts would merge the last one's).
    case_dbt("run", "--full-refresh", "--select", *UPSTREAM, dbt_vars={
        "cycle": cycle, "min_cycle": min(expected), "max_cycle": cycle,
        "out_dir": out.as_posix(), "tolerance_minor": case.tolerance_minor,
        "grace_days": case.grace_days, "reporting_currency": case.reporting_currency,
    })
    found = of_cycles(recon_findings(out / "warehouse.duckdb"), expected)
    wanted = {(c, e.category, e.object_id) for c, es in expected.items() for e in es
              if e.category in CATEGORIES}
    assert sorted(found) == sorted(wanted)


# ---------------------------------------------------------------- generated sources

CYCLES = ("2026-08", "2026-09", "2026-10")


@pytest.fixture(scope="module")
def generated_raw(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Generated sources (seed 7, scale 0.5) and their raw zone, extracted once; every cycle's
    raw folder is that one extraction (the exports are cumulative)."""
    root = tmp_path_factory.mktemp("ledger_generated")
    sources = root / "sources"
    generate(sources, seed=7, scale=0.5, cycles=(CYCLES[0], CYCLES[-1]))
    out = root / "out"
    extract_raw(sources, out / "raw" / "_extracted")
    for cycle in CYCLES:
        (out / "raw" / cycle).symlink_to(out / "raw" / "_extracted", target_is_directory=True)
    return sources, out


def _truth(sources: Path) -> set[Finding]:
    with open(sources / "_truth" / "findings.csv", newline="", encoding="utf-8") as f:
        return {(r["cycle"], r["category"], r["object_id"]) for r in csv.DictReader(f)
                if r["recon"] in RECONS}


@pytest.fixture(scope="module")
def generated_duckdb(generated_raw: tuple[Path, Path]) -> dict[str, list[tuple[Any, ...]]]:
    """fct_mismatches of each cycle on DuckDB (each cycle is its own run, as in production,
    and writes its own partition of the table); the last cycle's run also runs the unit and data
    tests of these recons."""
    _, out = generated_raw
    dbt = DbtProject(out / "dbt")
    selection = ("--select", "+fct_mismatches", "+fct_recon_coverage")
    by_cycle = {}
    for cycle in CYCLES:
        dbt_vars = {"cycle": cycle, "out_dir": out.as_posix()}
        dbt("run", *selection, dbt_vars=dbt_vars)
        if cycle == CYCLES[-1]:
            results = dbt("test", "--select", *MODELS, dbt_vars=dbt_vars)
            assert sum(r.node.unique_id.startswith("unit_test.") for r in results) >= 20
        by_cycle[cycle] = duckdb_rows(
            out / "warehouse.duckdb",
            f"select {', '.join(MISMATCH_COLUMNS)} from marts.fct_mismatches "
            f"where cycle = '{cycle}'",
        )
        by_cycle[f"coverage {cycle}"] = duckdb_rows(
            out / "warehouse.duckdb",
            f"select recon, objects_checked from marts.fct_recon_coverage where cycle = '{cycle}'",
        )
    by_cycle["after the last run"] = duckdb_rows(
        out / "warehouse.duckdb", f"select {', '.join(MISMATCH_COLUMNS)} from marts.fct_mismatches"
    )
    return by_cycle


@pytest.mark.slow
def test_later_runs_leave_earlier_cycles_findings(
    generated_duckdb: dict[str, list[tuple[Any, ...]]],
) -> None:
    """Each cycle's partition of fct_mismatches is what its own run wrote, after later runs."""
    final = generated_duckdb["after the last run"]
    for cycle in CYCLES:
        assert sorted((r for r in final if r[0] == cycle), key=str) == sorted(
            generated_duckdb[cycle], key=str), cycle
    assert {r[0] for r in final} == set(CYCLES)


def _mine(rows: list[tuple[Any, ...]]) -> set[Finding]:
    return {(r[0], r[2], r[6]) for r in rows if r[1] in RECONS}


@pytest.mark.slow
@pytest.mark.parametrize("cycle", CYCLES)
def test_generated_findings_are_the_planted_truth(
    generated_raw: tuple[Path, Path],
    generated_duckdb: dict[str, list[tuple[Any, ...]]],
    cycle: str,
) -> None:
    sources, _ = generated_raw
    truth = of_cycles(_truth(sources), [cycle])
    rows = generated_duckdb[cycle]
    assert {r[0] for r in rows} <= {cycle}
    found = _mine(rows)
    assert sorted(found - truth) == [], "found but not planted"
    assert sorted(truth - found) == [], "planted but not found"
    assert {r[2] for r in rows if r[1] in RECONS} <= CATEGORIES
    assert len(truth) >= 10, "the generator plants ledger findings every cycle"


@pytest.mark.slow
def test_generated_findings_are_complete_rows(
    generated_duckdb: dict[str, list[tuple[Any, ...]]],
) -> None:
    """Exact decimals and a severity on every row; on the ledger recons' rows an upper-case
    currency, a sentence naming the object, amounts that agree with each other; match rates
    are fractions."""
    for cycle in CYCLES:
        rows = [dict(zip(MISMATCH_COLUMNS, r, strict=True)) for r in generated_duckdb[cycle]]
        for row in rows:
            amounts = [row[c] for c in MISMATCH_COLUMNS[10:15]]
            assert all(a is None or isinstance(a, Decimal) for a in amounts), row
            assert row["severity"] in ("error", "warning"), row
            if row["recon"] not in RECONS:
                continue
            assert row["currency"] and row["currency"] == row["currency"].upper(), row
            assert row["detail"] and row["detail"].endswith("."), row
            assert row["object_id"] in row["detail"], row
            if row["expected_amount"] is not None and row["actual_amount"] is not None:
                assert row["difference"] == row["actual_amount"] - row["expected_amount"], row
            assert row["period_start"] is None and row["leakage_amount"] is None, row
        coverage = dict(generated_duckdb[f"coverage {cycle}"])
        assert set(RECONS) <= set(coverage)
        for recon in RECONS:
            flagged = {r["object_id"] for r in rows if r["recon"] == recon}
            assert coverage[recon] >= len(flagged), (recon, cycle)


# ---------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="module")
def pg_prefix() -> Iterator[str]:
    """Schemas private to this module (raw and built), dropped afterwards."""
    import psycopg

    prefix = f"ledger_{uuid.uuid4().hex[:8]}_"
    yield prefix
    with psycopg.connect(PG_URI, autocommit=True) as db:
        schemas = db.execute(
            "select nspname from pg_namespace where starts_with(nspname, %s)", (prefix,)
        ).fetchall()
        for (schema,) in schemas:
            db.execute(f'drop schema if exists "{schema}" cascade')


@pytest.mark.slow
@pytest.mark.postgres
def test_generated_findings_on_postgres(
    generated_raw: tuple[Path, Path],
    generated_duckdb: dict[str, list[tuple[Any, ...]]],
    pg_prefix: str,
) -> None:
    """The last cycle on PostgreSQL: the recons' unit and data tests pass there, and
    fct_mismatches is DuckDB's, row for row and to the last decimal."""
    import psycopg

    from recon_pipeline.lib.warehouse import load_raw_zone

    sources, out = generated_raw
    cycle = CYCLES[-1]
    load_raw_zone(PG_URI, out / "raw" / cycle, schema_prefix=pg_prefix)
    dbt = DbtProject(out / "dbt-postgres", target="postgres")
    dbt_vars = {"cycle": cycle, "out_dir": out.as_posix(), "schema_prefix": pg_prefix}
    dbt("run", "--select", "+fct_mismatches", "+fct_recon_coverage", dbt_vars=dbt_vars)
    dbt("test", "--select", *MODELS, dbt_vars=dbt_vars)
    with psycopg.connect(PG_URI) as db:
        cursor = db.execute(
            f'select {", ".join(MISMATCH_COLUMNS)} from "{pg_prefix}marts".fct_mismatches'
        )
        rows = cursor.fetchall()
    assert sorted(rows, key=str) == sorted(generated_duckdb[cycle], key=str)
    assert _mine(rows) == of_cycles(_truth(sources), [cycle])
