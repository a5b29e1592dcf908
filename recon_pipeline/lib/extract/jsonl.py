"""Read JSON Lines files into raw-zone tables, chunk by chunk, with DuckDB SQL over line text.

Per chunk of lines: mark exact numbers, ``json_valid``, one ``from_json`` per record (a Stripe
list page's ``data`` objects become records of the page's line), child rows exploded with
``unnest``, one ``CASE`` per record and per child row for the quarantine reason (a bad child
quarantines its record), then one ``SELECT`` per output table. No Python runs per line.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from recon_pipeline.lib.extract import spec as sp
from recon_pipeline.lib.extract.fastjson import FastPass, supports
from recon_pipeline.lib.extract.lines import CHUNK_BYTES, LineChunk, Position, iter_line_chunks
from recon_pipeline.lib.extract.schemas import QUARANTINE, SCHEMAS
from recon_pipeline.lib.extract.sqlkit import cursor, mark_numbers
from recon_pipeline.lib.source_files import WHOLE_FILE
from recon_pipeline.lib.sqltext import quote_literal

_KEY = "line_no, item"


@dataclass
class ChunkResult:
    """What one chunk of a file gave: rows per table, quarantined rows and counts."""

    tables: dict[str, pa.Table]
    quarantine: pa.Table
    rows_read: int
    rows_quarantined: int


class JsonReader:
    """The compiled SQL of one :class:`~recon_pipeline.lib.extract.spec.Spec`.

    ``rec`` holds one row per record: its fields as typed ``f_<name>`` columns, its own
    quarantine reason and, per child table, a list of child structs (fields and reason).
    """

    def __init__(self, spec: sp.Spec, use_fast: bool = True) -> None:
        self.spec = spec
        self.fast = FastPass(spec) if supports(spec) else None
        self.use_fast = use_fast
        shape = quote_literal(sp.structure(spec))
        prep = mark_numbers("line", spec.number_keys)
        lines = f"""
            SELECT line_no, 0 AS item, ok, obj, j, jtxt(j['object']) = 'list' AS is_list,
                CASE WHEN jtxt(j['object']) = 'list'
                    THEN from_json(json_extract(p, '$.data'), '["JSON"]') END AS items
            FROM (SELECT line_no, p, ok, obj,
                    CASE WHEN ok AND obj THEN from_json(p, {shape}) END AS j
                FROM (SELECT line_no, p, ok, CASE WHEN starts_with(p, '{{') THEN true
                        WHEN starts_with(p, '[') THEN false
                        ELSE starts_with(ltrim(p, ' \t'), '{{') END AS obj
                    FROM (SELECT line_no, p, VALID AS ok
                        FROM (SELECT line_no, {prep} AS p FROM chunk
                            WHERE line IS NOT NULL AND line <> ''))
                    WHERE starts_with(p, '{{') OR trim(p, ' \t\r') <> ''))"""
        page_items = f"""
            SELECT line_no, item, true AS ok, obj, CASE WHEN obj THEN from_json(it, {shape}) END
                AS j, false AS is_list, NULL AS items
            FROM (SELECT line_no, item, it, starts_with(it, '{{') AS obj
                FROM (SELECT line_no, unnest(items) AS it, unnest(range(1, len(items) + 1))
                        AS item FROM rec WHERE page))"""
        # Fast path: no json_valid pass; a chunk with a malformed line makes from_json fail,
        # and that chunk is parsed again with json_valid guarding from_json.
        parse = f"CREATE OR REPLACE TEMP TABLE rec AS {self._records(lines)}"
        self._parse_fast = parse.replace("VALID", "true")
        self._parse = parse.replace("VALID", "json_valid(p)")
        self._items = f"INSERT INTO rec {self._records(page_items)}"
        kid_reasons = "".join(
            f" UNION ALL SELECT {_KEY}, pos, reason FROM kid_{c.table} WHERE reason IS NOT NULL"
            for c in spec.children)
        self._bad = f"""
            CREATE OR REPLACE TEMP TABLE bad AS
            SELECT {_KEY}, arg_min(reason, rank) AS reason
            FROM (SELECT {_KEY}, 0 AS rank, reason FROM rec WHERE NOT page AND reason IS NOT NULL
                {kid_reasons})
            GROUP BY {_KEY}"""
        self._main = f"""
            SELECT {sp.columns(spec.output, '')}, $1 AS _file, line_no AS _line
            FROM rec ANTI JOIN bad USING ({_KEY}) WHERE NOT page ORDER BY {_KEY}"""
        self._kid_tables = {c.table: self._kid_sql(c) for c in spec.children}
        self._kids = {c.table: f"""
            SELECT {sp.columns(c.output, 'k.', 'p.')}, $1 AS _file, k.line_no AS _line
            FROM kid_{c.table} AS k JOIN rec AS p USING ({_KEY})
            ANTI JOIN bad USING ({_KEY}) ORDER BY {_KEY}, pos""" for c in spec.children}
        self._quarantine = """
            SELECT $1 AS source, $2 AS file, line_no AS line, line AS record, reason
            FROM bad JOIN chunk USING (line_no) ORDER BY line_no, item"""

    def _records(self, parsed: str) -> str:
        """The ``rec`` rows of ``parsed`` records: key, page flag and items, reason, typed
        fields (``f_*``) and raw child lists (``l_*``)."""
        spec = self.spec
        inner = [*sp.field_values(spec.fields, "j"),
                 *(f"{sp.items(c, 'j')} AS l_{c.table}" for c in spec.children)]
        return f"""
            SELECT line_no, item, is_list AND items IS NOT NULL AS page, items,
                CASE WHEN item > 0 THEN 'data[' || (item - 1) || ']: ' ELSE '' END || CASE
                    WHEN NOT ok THEN 'bad JSON' WHEN NOT obj THEN 'not a JSON object'
                    WHEN is_list AND items IS NULL THEN 'bad list page: data is not a list'
                    WHEN is_list THEN NULL
                    ELSE {sp.record_reason(spec, typed=True)} END AS reason,
                COLUMNS('^[fl]_')
            FROM (SELECT *, {', '.join(inner)} FROM ({parsed}))"""

    def _kid_sql(self, child: sp.Child) -> str:
        lst = f"l_{child.table}"
        return f"""
            CREATE OR REPLACE TEMP TABLE kid_{child.table} AS
            SELECT * EXCLUDE (e), {sp.child_reason(child, typed=True)} AS reason
            FROM (SELECT *, {', '.join(sp.field_values(child.fields, 'e'))}
                FROM (SELECT {_KEY}, unnest({lst}) AS e, unnest(range(1, len({lst}) + 1)) AS pos
                    FROM rec WHERE NOT page AND reason IS NULL))"""

    def chunk(self, con: duckdb.DuckDBPyConnection, chunk: LineChunk, rel: str) -> ChunkResult:
        """Read one chunk of the file ``rel`` (its path under SOURCES): the lines the fast
        pass accepts (when the spec has one, lib/extract/fastjson.py) from it, every other
        line record by record, merged in line order."""
        if self.fast is None or not self.use_fast:
            return self.records(con, chunk, rel)
        fast = self.fast.run(con, chunk, rel)
        if not fast.rows:
            return self.records(con, chunk, rel)
        if not len(fast.rest.line_no) and not fast.rest.bad_utf8:
            tables = {t: fast.tables.get(t, SCHEMAS[(self.spec.source, t)].empty_table())
                      for t in self.spec.tables}
            tables = {t: conform(v, SCHEMAS[(self.spec.source, t)]) for t, v in tables.items()}
            return ChunkResult(tables, QUARANTINE.empty_table(), fast.rows, 0)
        slow = self.records(con, fast.rest, rel)
        tables = {}
        for name, rows in slow.tables.items():
            if name in fast.tables:
                both = pa.concat_tables([conform(fast.tables[name], rows.schema), rows])
                rows = both.sort_by("_line")
            tables[name] = rows
        return ChunkResult(tables, slow.quarantine, slow.rows_read + fast.rows,
                           slow.rows_quarantined)

    def records(self, con: duckdb.DuckDBPyConnection, chunk: LineChunk, rel: str
                ) -> ChunkResult:
        """Read one chunk of the file ``rel`` record by record (the exact path: every line's
        reason)."""
        spec, source = self.spec, self.spec.source
        con.register("chunk", chunk.table())
        try:
            try:
                con.execute(self._parse_fast)
            except duckdb.InvalidInputException:
                con.execute(self._parse)
            if con.execute("SELECT count(*) FROM rec WHERE page").fetchall() != [(0,)]:
                con.execute(self._items)
            for sql in self._kid_tables.values():
                con.execute(sql)
            con.execute(self._bad)
            tables = {spec.table: _fetch(con, self._main, [rel], SCHEMAS[(source, spec.table)])}
            for name, sql in self._kids.items():
                tables[name] = _fetch(con, sql, [rel], SCHEMAS[(source, name)])
            bad = con.sql(self._quarantine, params=[source, rel]).to_arrow_table()
            [(read, quarantined)] = con.execute(
                "SELECT (SELECT count(*) FROM rec WHERE NOT page), (SELECT count(*) FROM bad)"
            ).fetchall()
        finally:
            con.unregister("chunk")
            for name in ("rec", "bad", *(f"kid_{t}" for t in self._kids)):
                con.execute(f"DROP TABLE IF EXISTS {name}")
        bad = bad.cast(QUARANTINE)
        if chunk.bad_utf8:
            bad = pa.concat_tables([bad, utf8_quarantine(source, rel, chunk)])
            bad = bad.sort_by("line")
        n_bad = len(chunk.bad_utf8)
        return ChunkResult(tables, bad, read + n_bad, quarantined + n_bad)


def utf8_quarantine(source: str, rel: str, chunk: LineChunk) -> pa.Table:
    """Quarantine rows of a chunk's lines that are not UTF-8."""
    count = len(chunk.bad_utf8)
    return pa.table({
        "source": [source] * count, "file": [rel] * count,
        "line": [n for n, _ in chunk.bad_utf8], "record": [t for _, t in chunk.bad_utf8],
        "reason": ["invalid UTF-8"] * count,
    }, schema=QUARANTINE)


def file_quarantine(source: str, rel: str, reason: str) -> pa.Table:
    """The quarantine row of a whole file not read."""
    return pa.table({"source": [source], "file": [rel], "line": [WHOLE_FILE], "record": [""],
                     "reason": [f"{rel} {reason}"]}, schema=QUARANTINE)


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list[str],
           schema: pa.Schema) -> pa.Table:
    return conform(con.sql(sql, params=params).to_arrow_table(), schema)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` cast to ``schema`` (Unix seconds or ms to timestamps, int64 to int32, ...)."""
    arrays = []
    for fld in schema:
        column = table.column(fld.name)
        if pa.types.is_timestamp(fld.type) and pa.types.is_integer(column.type):
            column = column.cast(pa.int64()).cast(fld.type)
        arrays.append(column.cast(fld.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def read_file(reader: JsonReader, con: duckdb.DuckDBPyConnection, path: Path, rel: str,
              chunk_bytes: int = CHUNK_BYTES, workers: int = 2,
              position: Position | None = None) -> Iterator[ChunkResult]:
    """Every chunk of ``path`` (from ``position`` when given) read in file order, ``workers``
    chunks at a time.

    Each worker has its own cursor (its own temporary tables); DuckDB runs without the GIL,
    so the chunks of a big file use every core while memory holds ``workers`` chunks.
    """
    cursors = [cursor(con) for _ in range(max(1, workers))]
    pending: deque[Future[ChunkResult]] = deque()
    with ThreadPoolExecutor(len(cursors), thread_name_prefix="extract") as pool:
        for index, chunk in enumerate(iter_line_chunks(path, chunk_bytes, position)):
            if len(pending) == len(cursors):
                yield pending.popleft().result()
            pending.append(pool.submit(reader.chunk, cursors[index % len(cursors)], chunk, rel))
        while pending:
            yield pending.popleft().result()
    for cur in cursors:
        cur.close()
