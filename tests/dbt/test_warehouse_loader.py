"""recon_pipeline.lib.warehouse: the raw zone into PostgreSQL, typed as the contract, one
atomic replacement per table."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from recon_pipeline.lib.extract.schemas import SCHEMAS
from recon_pipeline.lib.warehouse import load_raw_zone, load_table
from recon_pipeline.lib.warehouse.types import pg_type
from tests.dbt.conftest import PG_URI
from tests.dbt.raw import write_parquet, write_raw_zone


def test_every_contract_type_has_an_exact_postgres_type() -> None:
    kinds = {pg_type(field.type) for schema in SCHEMAS.values() for field in schema}
    assert kinds == {"text", "bigint", "integer", "boolean", "numeric(38, 12)", "numeric(18, 3)",
                     "timestamptz", "date"}
    with pytest.raises(TypeError):
        pg_type(pa.float64())


@pytest.fixture
def prefix(pg_prefix: str) -> str:
    """A prefix private to one test."""
    return f"{pg_prefix}{uuid.uuid4().hex[:6]}_"


@pytest.fixture
def db() -> Iterator[object]:
    psycopg = pytest.importorskip("psycopg")
    with psycopg.connect(PG_URI, autocommit=True) as conn:
        yield conn


pytestmark = pytest.mark.postgres


def _columns(db: object, schema: str, table: str) -> list[tuple[str, str]]:
    rows = db.execute(  # type: ignore[attr-defined]
        "select column_name, data_type, numeric_precision, numeric_scale "
        "from information_schema.columns where table_schema = %s and table_name = %s "
        "order by ordinal_position", (schema, table)).fetchall()
    spelled = {"timestamp with time zone": "timestamptz", "character varying": "text"}
    return [
        (str(name), f"numeric({precision}, {scale})" if kind == "numeric"
         else spelled.get(kind, str(kind)))
        for name, kind, precision, scale in rows
    ]


def test_the_raw_zone_lands_with_the_contract_types(tmp_path: Path, prefix: str, db: object
                                                    ) -> None:
    raw = write_raw_zone(tmp_path / "raw", {("usage", "events"): [
        {"event_source": "s", "event_id": "e1", "type": "api", "subject": "cus_1",
         "event_at": datetime(2026, 9, 1, 12, 0, 0, 250_000, tzinfo=UTC),
         "value": Decimal("0.100000000001")}]}, skip=[("billing", "credit_notes")])
    (raw / "_parts").mkdir()
    write_parquet(raw / "_parts" / "billing__x.quarantine.parquet", pa.table({"a": [1]}))
    loaded = {(t.schema, t.table): t for t in load_raw_zone(PG_URI, raw, schema_prefix=prefix)}
    assert len(loaded) == len(SCHEMAS)
    assert not loaded[(f"{prefix}raw_billing", "credit_notes")].from_file
    assert loaded[(f"{prefix}raw_usage", "events")].rows == 1
    for (system, table), schema in SCHEMAS.items():
        expected = [(f.name, pg_type(f.type)) for f in schema]
        assert _columns(db, f"{prefix}raw_{system}", table) == expected
    value, at = db.execute(  # type: ignore[attr-defined]
        f'select value, event_at from "{prefix}raw_usage".events').fetchone()
    assert value == Decimal("0.100000000001")
    assert at == datetime(2026, 9, 1, 12, 0, 0, 250_000, tzinfo=UTC)


def test_a_reload_replaces_the_rows_and_keeps_dependent_views(prefix: str, db: object) -> None:
    import adbc_driver_postgresql.dbapi as pg

    schema = f"{prefix}raw_erp"
    first = pa.table({"code": ["A", "B"], "amount": pa.array([Decimal("1.10"), None],
                                                             pa.decimal128(18, 2))})
    second = pa.table({"code": ["C"], "amount": pa.array([Decimal("2.25")],
                                                         pa.decimal128(18, 2))})
    with pg.connect(PG_URI) as conn:
        assert load_table(conn, schema, "accounts", first) == 2
        db.execute(f'create view "{schema}".v as select * from "{schema}".accounts')  # type: ignore[attr-defined]
        assert load_table(conn, schema, "accounts", second) == 1
        rows = db.execute(f'select code, amount from "{schema}".v').fetchall()  # type: ignore[attr-defined]
        assert rows == [("C", Decimal("2.25"))]
        wider = second.append_column("note", pa.array(["x"]))
        load_table(conn, schema, "accounts", wider)
        assert _columns(db, schema, "accounts")[-1] == ("note", "text")


def test_a_failed_load_leaves_the_previous_rows(prefix: str, db: object) -> None:
    import adbc_driver_postgresql.dbapi as pg

    schema = f"{prefix}raw_crm"
    with pg.connect(PG_URI) as conn:
        load_table(conn, schema, "accounts", pa.table({"account_id": ["acc_1", "acc_2"]}))
        with pytest.raises(TypeError):
            load_table(conn, schema, "accounts", pa.table({"account_id": [1.5]}))
        db.execute(f'alter table "{schema}".accounts add constraint short '  # type: ignore[attr-defined]
                   "check (length(account_id) < 6)")
        with pytest.raises(Exception, match="short"):
            load_table(conn, schema, "accounts", pa.table({"account_id": ["acc_3", "too long"]}))
        assert load_table(conn, schema, "accounts", pa.table({"account_id": ["acc_4"]})) == 1
        rows = db.execute(f'select account_id from "{schema}".accounts').fetchall()  # type: ignore[attr-defined]
        assert rows == [("acc_4",)]


def test_the_table_is_untouched_until_the_load_commits(prefix: str, db: object) -> None:
    import adbc_driver_postgresql.dbapi as pg

    schema = f"{prefix}raw_crm"
    with pg.connect(PG_URI) as conn:
        load_table(conn, schema, "accounts", pa.table({"account_id": ["acc_1", "acc_2"]}))
        db.execute(f'alter table "{schema}".accounts add constraint short '  # type: ignore[attr-defined]
                   "check (length(account_id) < 6)")
        with pytest.raises(Exception, match="short"):
            load_table(conn, schema, "accounts", pa.table({"account_id": ["acc_3", "too long"]}))
    rows = db.execute(f'select account_id from "{schema}".accounts order by 1').fetchall()  # type: ignore[attr-defined]
    assert rows == [("acc_1",), ("acc_2",)]
