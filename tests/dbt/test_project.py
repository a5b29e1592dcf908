"""The dbt project's shape: it parses from a clean checkout, its sources are the raw zone
contract, every model is documented and tested, and its currency list is the package's."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from recon_pipeline.lib import money
from recon_pipeline.lib.extract.schemas import SCHEMAS
from recon_pipeline.lib.warehouse.types import pg_type
from tests.dbt.conftest import PROJECT, Dbt

#: Models without logic of their own (selection, renaming, one join): no unit test required.
NO_LOGIC = {
    "dim_legal_entities", "dim_subscriptions", "dim_subscription_items",
    "fct_balance_transactions", "fct_refunds", "fct_charge_invoice_links",
}


def _yaml_files() -> list[Path]:
    return sorted((PROJECT / "models").rglob("*.yml"))


def _sources() -> dict[tuple[str, str], dict[str, Any]]:
    found = {}
    for path in _yaml_files():
        for source in yaml.safe_load(path.read_text()).get("sources", []):
            for table in source["tables"]:
                found[(source["name"], table["name"])] = table
    return found


def _models() -> dict[str, dict[str, Any]]:
    found = {}
    for path in _yaml_files():
        for model in yaml.safe_load(path.read_text()).get("models", []):
            found[model["name"]] = {**model, "_path": path}
    return found


def _unit_tested() -> set[str]:
    tested: set[str] = set()
    for path in _yaml_files():
        tested.update(t["model"] for t in yaml.safe_load(path.read_text()).get("unit_tests", []))
    return tested


def test_parse_from_a_clean_checkout(tmp_path: Path) -> None:
    """No raw zone, no vars, no target folder: `dbt parse` still builds the manifest."""
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("target", "logs"))
    parsed = Dbt(tmp_path / "out", project=project)("parse", cycle=None)
    assert parsed.ok, parsed.output
    manifest = json.loads((parsed.target_path / "manifest.json").read_text())
    keys = {tuple(s["meta"]["dagster"]["asset_key"]) for s in manifest["sources"].values()}
    assert {("raw", system, table) for system, table in SCHEMAS} <= keys


def test_sources_declare_the_raw_zone_contract() -> None:
    """Every raw table of SCHEMAS is a source whose columns and types are the contract's, with
    its Dagster asset key and a staging model."""
    sources = _sources()
    models = _models()
    for (system, table), schema in SCHEMAS.items():
        assert (system, table) in sources, f"no dbt source {system}.{table}"
        declared = sources[(system, table)]
        assert declared["config"]["meta"]["dagster"]["asset_key"] == ["raw", system, table]
        assert f"stg_{system}__{table}" in models, f"no staging model for {system}.{table}"
        columns = [(c["name"], c["data_type"]) for c in declared["columns"]]
        assert columns == [(f.name, pg_type(f.type)) for f in schema], f"{system}.{table}"


def test_every_model_is_documented_and_tested() -> None:
    models = _models()
    tested = _unit_tested()
    for sql in sorted((PROJECT / "models").rglob("*.sql")):
        name = sql.stem
        assert name in models, f"{name} has no YAML"
        model = models[name]
        assert model["_path"] == sql.with_suffix(".yml"), f"{name}: one YAML per model"
        assert model.get("description", "").strip(), f"{name} has no description"
        for column in model.get("columns", []):
            assert column.get("description"), f"{name}.{column['name']} has no description"
        has_key_test = any(c.get("data_tests") for c in model.get("columns", [])) or model.get(
            "data_tests")
        assert has_key_test, f"{name} has no data test"
        folders = sql.relative_to(PROJECT / "models").parts
        # The canonical model's layers; the recon models (*/recon/) keep their own rules.
        if folders[0] != "staging" and "recon" not in folders and name not in NO_LOGIC:
            assert name in tested, f"{name} has logic but no unit test"


def test_currency_exponents_are_the_packages() -> None:
    text = (PROJECT / "macros" / "money.sql").read_text()

    def codes(macro: str) -> set[str]:
        match = re.search(macro + r"\(\) -%}\s*{{ return\(\"([A-Z ]+)\"\) }}", text)
        assert match, macro
        return {code.lower() for code in match.group(1).split()}

    assert codes("zero_decimal_currencies") == set(money.ZERO_DECIMAL)
    assert codes("three_decimal_currencies") == set(money.THREE_DECIMAL)


def test_sources_read_the_raw_zone_where_the_run_says(tmp_path: Path) -> None:
    """The var ``raw_root`` (Settings.raw_root: OUT's URL for a Spark warehouse) places every
    raw table's file, <raw_root>/<cycle>/<system>/<table>.parquet (macro raw_location, where
    DuckDB reads it and Spark's on-run-start hook points its table); without it, OUT/raw as
    before."""
    from recon_pipeline.settings import Settings

    settings = Settings.resolve(out_dir="memory://bucket/recon", warehouse="spark",
                                environ={"RECON_WORK_DIR": str(tmp_path / "work")})
    root = settings.dbt_run_values("2026-09")["raw_root"]
    assert root == "memory://bucket/recon/raw"
    tables = "[" + ", ".join(f"('{system}', '{table}')" for system, table in SCHEMAS) + "]"
    inline = "{% for s, t in " + tables + " %}{{ raw_location(s, t) }}\n{% endfor %}"
    for extra, expected in (({"raw_root": root}, root), ({}, f"{tmp_path.as_posix()}/out/raw")):
        compiled = Dbt(tmp_path / "out")("--quiet", "compile", "--inline", inline,
                                         cycle="2026-09", **extra)
        assert compiled.ok, compiled.output
        assert compiled.process.stdout.split() == [
            f"{expected}/2026-09/{system}/{table}.parquet" for system, table in SCHEMAS]
