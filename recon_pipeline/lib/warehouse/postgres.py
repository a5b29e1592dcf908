"""Load the raw zone of a cycle into PostgreSQL, one schema per system, one table per file.

Each table is replaced atomically, in one transaction: its rows are copied (ADBC's binary
COPY) into a temporary table, then the table is emptied and refilled from it, so a reader sees
the old rows or the new ones, never a mix, and views built on the table (dbt's staging models)
survive. When the columns changed, the table is dropped (with its dependent views, which the
next dbt build recreates) and created anew. Column types are the raw zone contract's
(``SCHEMAS``), so the dbt project reads the same types as from the Parquet files on DuckDB.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from recon_pipeline.lib.extract.schemas import SCHEMAS
from recon_pipeline.lib.sqltext import quote_ident
from recon_pipeline.lib.warehouse.types import pg_type

TableKey = tuple[str, str]
_LOADING = "recon_loading"


@dataclass(frozen=True)
class LoadedTable:
    """One table loaded: where it went, how many rows, and whether its file was there."""

    schema: str
    table: str
    rows: int
    from_file: bool


def raw_schema(system: str, prefix: str = "") -> str:
    """The schema holding a system's raw tables, as the dbt sources name it (raw_<system>)."""
    return f"{prefix}raw_{system}"


def load_raw_zone(
    uri: str,
    raw_dir: Path,
    *,
    schema_prefix: str = "",
    tables: Iterable[TableKey] | None = None,
) -> list[LoadedTable]:
    """Load ``raw_dir`` (``OUT/raw/<cycle>``) into the PostgreSQL database at ``uri``.

    ``uri`` is a libpq URI (``postgresql://user@host:5432/db``). Every table of the contract
    is loaded, empty when its file is missing (an optional source), plus any other
    ``<system>/<table>.parquet`` found (e.g. reference tables landed as text). A file whose
    columns are the contract's is cast to the contract's types; another keeps its own.
    """
    import adbc_driver_postgresql.dbapi as pg

    keys = sorted(set(SCHEMAS) | set(_files(raw_dir))) if tables is None else list(tables)
    loaded = []
    with pg.connect(uri) as conn:
        for system, table in keys:
            path = raw_dir / system / f"{table}.parquet"
            schema = raw_schema(system, schema_prefix)
            rows = load_table(conn, schema, table, _read(path, SCHEMAS.get((system, table))))
            loaded.append(LoadedTable(schema, table, rows, path.is_file()))
    return loaded


def load_table(conn: Any, schema: str, table: str, data: pa.Table) -> int:
    """Replace ``schema.table`` with ``data`` in one transaction of the ADBC connection
    ``conn``; returns the rows loaded. On any error the transaction is rolled back."""
    columns = [(field.name, pg_type(field.type)) for field in data.schema]
    target = f"{quote_ident(schema)}.{quote_ident(table)}"
    names = ", ".join(quote_ident(name) for name, _ in columns)
    definition = ", ".join(f"{quote_ident(name)} {kind}" for name, kind in columns)
    try:
        with conn.cursor() as cur:
            cur.execute(f"create schema if not exists {quote_ident(schema)}")
            cur.execute(f"drop table if exists pg_temp.{_LOADING}")
            cur.adbc_ingest(_LOADING, data, mode="create", temporary=True)
            if _columns(cur, schema, table) == columns:
                cur.execute(f"truncate {target}")
            else:
                cur.execute(f"drop table if exists {target} cascade")
                cur.execute(f"create table {target} ({definition})")
            cur.execute(f"insert into {target} ({names}) select {names} from pg_temp.{_LOADING}")
            cur.execute(f"drop table pg_temp.{_LOADING}")
        conn.commit()
    except Exception:
        conn.rollback()
        raise
    return int(data.num_rows)


def _files(raw_dir: Path) -> Iterator[TableKey]:
    """(system, table) of every ``<system>/<table>.parquet`` under ``raw_dir``; folders
    starting with ``_`` or ``.`` (extraction's working parts) are not systems."""
    for path in sorted(raw_dir.glob("*/*.parquet")):
        if not path.parent.name.startswith(("_", ".")):
            yield path.parent.name, path.stem


def _read(path: Path, contract: pa.Schema | None) -> pa.Table:
    """The file's rows, cast to the contract when it has the contract's columns."""
    if not path.is_file():
        if contract is None:
            raise FileNotFoundError(path)
        return contract.empty_table()
    data = pq.read_table(path)
    if contract is not None and data.schema.names == contract.names:
        return data.cast(contract)
    return data


def _columns(cur: Any, schema: str, table: str) -> list[tuple[str, str]]:
    """(name, type) of an existing table's columns, in order; empty when there is none."""
    cur.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) "
        "from pg_attribute a join pg_class c on a.attrelid = c.oid "
        "join pg_namespace n on c.relnamespace = n.oid "
        "where n.nspname = $1 and c.relname = $2 and c.relkind = 'r' "
        "and a.attnum > 0 and not a.attisdropped "
        "order by a.attnum",
        (schema, table),
    )
    return [(str(name), _canonical(str(kind))) for name, kind in cur.fetchall()]


def _canonical(kind: str) -> str:
    """format_type's spelling of a type, as pg_type spells it."""
    spelled = {
        "timestamp with time zone": "timestamptz",
        "timestamp without time zone": "timestamp",
    }
    return spelled.get(kind, kind.replace(",", ", "))
