"""The subscription_billing, usage_billing and customer_master recons (dbt models), built with
everything they read on DuckDB and on PostgreSQL: a hand-built sources directory with every
category and trap (tests/recon/subs_scenario.py), and a generated one whose planted truth they
must find exactly, cycle by cycle."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from recon_pipeline.generate import generate
from recon_pipeline.lib.reports.schema import LEAKAGE_CATEGORIES, RECON_OF
from tests.oracle.read import read_sources
from tests.oracle.reconcile import findings_from
from tests.recon import subs_scenario
from tests.recon.subs_dbt import (
    CONTRACT_COLUMNS,
    COVERAGE_COLUMNS,
    MODELS,
    RECONS,
    Key,
    complete_exports,
    extract,
    key,
    keys,
    warehouse,
)

TARGETS = [
    pytest.param("duckdb", id="duckdb"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def test_scenario_expectations_agree_with_the_oracle(tmp_path: Path) -> None:
    """The scenario's hand-derived findings are what the independent oracle finds too."""
    subs_scenario.build(tmp_path, "classic")
    sources = read_sources(tmp_path)
    assert sources.skipped == []
    found = {
        key(f.cycle, f.category, f.object_id, f.period_start, f.leakage_amount)
        for month in range(1, 11)
        for f in findings_from(sources, f"2026-{month:02d}")
        if RECON_OF[f.category] in RECONS
    }
    assert found == {key(*f) for f in subs_scenario.EXPECTED}


@pytest.mark.slow
@pytest.mark.parametrize("target", TARGETS)
def test_scenario_findings(target: str, tmp_path: Path) -> None:
    """Every category and trap of the hand-built scenario, exactly: nothing missing, nothing
    more (current Stripe shape on PostgreSQL, classic on DuckDB, so both pass through)."""
    sources = subs_scenario.build(tmp_path / "sources",
                                  "current" if target == "postgres" else "classic")
    complete_exports(sources)
    raw = extract(sources, tmp_path / "out", subs_scenario.CYCLE)
    with warehouse(tmp_path / "out", target) as wh:
        wh.load(raw)
        wh.build(subs_scenario.CYCLE)
        findings = wh.findings()
        coverage = wh.coverage()
        columns = {model: wh.columns(model) for model in MODELS}

    reconciled = [f for f in findings if f["cycle"] <= subs_scenario.CYCLE]
    assert keys(reconciled) == {key(*f) for f in subs_scenario.EXPECTED}
    assert len(reconciled) == len(subs_scenario.EXPECTED)  # one row per finding

    for model, found in columns.items():
        assert found == (COVERAGE_COLUMNS if model.endswith("__coverage") else CONTRACT_COLUMNS)
    for f in findings:
        assert f["recon"] == RECON_OF[f["category"]]
        assert f["severity"] in ("error", "warning")
        assert (f["leakage_amount"] is not None) == (f["category"] in LEAKAGE_CATEGORIES)
        assert (f["period_start"] is None) == (f["recon"] == "customer_master"
                                               or f["category"] == "orphan_usage")
        assert f["detail"]
    unbilled = next(f for f in findings if f["object_id"] == "si_unb")
    assert unbilled["detail"] == subs_scenario.UNBILLED_DETAIL
    assert (unbilled["currency"], unbilled["customer_id"]) == ("USD", "cus_unb")
    yen = next(f for f in findings if f["object_id"] == "si_jpy")
    assert (yen["expected_amount"], yen["actual_amount"], yen["difference"]) == (66150, 58800,
                                                                                 -7350)
    for recon in RECONS:
        count = sum(1 for f in reconciled if f["cycle"] == "2026-10" and f["recon"] == recon)
        assert coverage[("2026-10", recon)] >= count > 0


def _truth(sources: Path) -> tuple[list[str], set[Key]]:
    """The generator's cycles and its planted findings of these recons."""
    manifest = json.loads((sources / "_truth" / "manifest.json").read_text())
    with (sources / "_truth" / "findings.csv").open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["recon"] in RECONS]
    return list(manifest["cycles"]), {
        key(r["cycle"], r["category"], r["object_id"],
            date.fromisoformat(r["period_start"]) if r["period_start"] else None,
            Decimal(r["leakage_amount"]) if r["leakage_amount"] else None)
        for r in rows
    }


@pytest.mark.slow
@pytest.mark.parametrize("target", TARGETS)
def test_generated_truth_found_exactly(target: str, tmp_path: Path) -> None:
    """Generated sources (seed 7, half scale) extracted and built: for every cycle of the
    export, the findings of these recons are the planted truth's, nothing else."""
    sources = tmp_path / "src"
    generate(sources, seed=7, scale=0.5)
    cycles, truth = _truth(sources)
    raw = extract(sources, tmp_path / "out", cycles[-1])
    with warehouse(tmp_path / "out", target) as wh:
        wh.load(raw)
        wh.build(cycles[-1])
        found = keys(wh.findings())
    for cycle in cycles:
        assert {k for k in found if k[0] == cycle} == {k for k in truth if k[0] == cycle}, cycle
