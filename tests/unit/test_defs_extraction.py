"""The extraction assets name exactly the tables the extraction engine writes."""

from recon_pipeline.defs.sources.extraction import OBJECT_TABLES
from recon_pipeline.lib.extract.objects import JSON_SPECS, OBJECTS
from recon_pipeline.lib.extract.schemas import SCHEMAS


def test_object_tables_match_the_extraction_engine() -> None:
    assert tuple(OBJECT_TABLES) == tuple(OBJECTS)
    for name, tables in OBJECT_TABLES.items():
        spec = JSON_SPECS.get(name)
        engine = [spec.table, *[c.table for c in spec.children]] if spec else [
            name.split("/", 1)[1]]
        assert list(tables) == engine, name


def test_every_raw_table_of_the_contract_has_an_asset() -> None:
    produced = {(name.split("/", 1)[0], t) for name, ts in OBJECT_TABLES.items() for t in ts}
    assert produced == set(SCHEMAS)
