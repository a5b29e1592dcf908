"""The registry of sources (lib/sources.py) is the one list of raw tables: the extraction
engine, the typed contract, the Dagster assets, the quality frames and the dbt sources agree
with it, in both directions."""

from __future__ import annotations

from pathlib import Path

import yaml  # type: ignore[import-untyped]

from recon_pipeline.defs.sources.extraction import EXTRACTION_ASSETS
from recon_pipeline.lib.extract.objects import JSON_SPECS, OBJECTS
from recon_pipeline.lib.extract.schemas import SCHEMAS
from recon_pipeline.lib.quality.frames import _TABLES
from recon_pipeline.lib.sources import OBJECT_TABLES, RAW_TABLES, SOURCE_SYSTEMS, system_of

DBT_MODELS = Path(__file__).resolve().parents[2] / "dbt_project" / "models"


def test_objects_are_the_extraction_engines_in_its_order() -> None:
    assert tuple(OBJECT_TABLES) == tuple(OBJECTS)
    for name, tables in OBJECT_TABLES.items():
        spec = JSON_SPECS.get(name)
        engine = [spec.table, *[c.table for c in spec.children]] if spec else [
            name.split("/", 1)[1]]
        assert list(tables) == engine, name
        assert system_of(name) in SOURCE_SYSTEMS


def test_every_raw_table_has_exactly_one_schema() -> None:
    assert len(set(RAW_TABLES)) == len(RAW_TABLES)
    assert set(RAW_TABLES) == set(SCHEMAS)


def test_every_raw_table_is_an_extraction_asset() -> None:
    keys = [tuple(key.path) for asset in EXTRACTION_ASSETS for key in asset.keys]
    assert sorted(keys) == sorted(("raw", system, table) for system, table in RAW_TABLES)


def test_the_quality_frames_can_read_every_raw_table() -> None:
    assert set(_TABLES) == {f"{system}_{table}" for system, table in RAW_TABLES}


def test_the_dbt_sources_are_the_raw_tables() -> None:
    declared = set()
    for path in DBT_MODELS.rglob("*.yml"):
        for source in yaml.safe_load(path.read_text()).get("sources", []) or []:
            declared |= {(source["name"], table["name"]) for table in source["tables"]}
    assert declared == set(RAW_TABLES)
