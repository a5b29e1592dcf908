"""A fast columnar pass over a chunk of JSON lines, for flat specs (usage events).

The per-record reader (:class:`~recon_pipeline.lib.extract.jsonl.JsonReader`) rewrites exact
numbers with a regular expression, parses each line with ``from_json`` into raw JSON leaves and
checks every leaf's JSON type in SQL: exact, but it was most of a usage file's time. This pass
parses the lines with Arrow's JSON reader instead (typed columns, many lines per call, numbers
straight to ``decimal128(38, 12)`` without a binary float) and accepts a line only when it can
tell that the per-record reader would load it, with the same values:

- the line starts with ``{``, has no backslash (no escapes to interpret) and is valid JSON to
  DuckDB's ``json_valid`` (what the per-record reader calls bad JSON is never accepted);
- Arrow parsed it into exactly one row with every field of the expected JSON type (a wrong
  type, a duplicate key, an unparsable number fails the block, which is split in halves down
  to :data:`MIN_BLOCK` lines);
- no exact-number field holds anything but a JSON number (Arrow would read a string as a
  decimal), no exact-number key's number has an exponent (the per-record reader refuses some
  Arrow reads), and the number fits ``DECIMAL(38, 12)``;
- it is not a list page, every required field is there, times parse (the same ``rfc3339``
  macro) and no non-negative field is negative.

Every other line goes to the per-record reader, whose quarantine (file, line, reason) is the
only one. A spec qualifies when it has no child tables, no cross-field checks and only
``str``, ``time`` and ``num`` fields at plain dotted paths (:func:`supports`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from recon_pipeline.lib.extract import spec as sp
from recon_pipeline.lib.extract.lines import LineChunk
from recon_pipeline.lib.extract.sqlkit import DEC_PRECISION, DEC_SCALE
from recon_pipeline.lib.sqltext import quote_literal

#: Lines per Arrow parse call; a failing block is halved until this size, then left to the
#: per-record reader.
BLOCK = 1 << 16
MIN_BLOCK = 16
MAX_FAILURES = 32
_ROW = re.compile(r" in row ([0-9]+)$")
_NEWLINE = pa.scalar("\n", pa.large_string())
_KINDS = {"str": pa.string(), "time": pa.string(),
          "num": pa.decimal128(DEC_PRECISION, DEC_SCALE)}


def supports(spec: sp.Spec) -> bool:
    """Whether :class:`FastPass` reads ``spec`` exactly."""
    return (not spec.children and not spec.checks
            and all(fl.kind in _KINDS for fl in spec.fields)
            and all("[" not in p and p != "object" for fl in spec.fields for p in fl.paths)
            and all(p.rsplit(".", 1)[-1] in spec.number_keys
                    for fl in spec.fields if fl.kind == "num" for p in fl.paths))


def _arrow_schema(spec: sp.Spec) -> pa.Schema:
    tree: dict[str, object] = {"object": pa.string()}
    for fl in spec.fields:
        for path in fl.paths:
            node = tree
            *parents, leaf = path.split(".")
            for part in parents:
                node = node.setdefault(part, {})  # type: ignore[assignment]
            node[leaf] = _KINDS[fl.kind]

    def build(node: dict[str, object]) -> list[pa.Field]:
        return [pa.field(k, pa.struct(build(v)) if isinstance(v, dict) else v)
                for k, v in node.items()]

    return pa.schema(build(tree))


def _column(name: str) -> str:
    return "c_" + name.replace(".", "__")


@dataclass
class FastResult:
    """Rows accepted by the fast pass (one table per output table) and the lines left."""

    tables: dict[str, pa.Table]
    rows: int
    rest: LineChunk


class FastPass:
    """The fast pass of one flat spec (see module)."""

    def __init__(self, spec: sp.Spec) -> None:
        if not supports(spec):
            raise ValueError(f"{spec.source}/{spec.table} has no fast pass")
        self.spec = spec
        self.schema = _arrow_schema(spec)
        self.paths = sorted({p for fl in spec.fields for p in fl.paths})
        # A number field holding anything but a JSON number (or null): Arrow would read a
        # string as a decimal where the per-record reader sees a wrong type.
        # And no exponent: the per-record reader refuses some (more than 4 exponent digits)
        # that Arrow reads, so a number key's number with one is left to that reader.
        exponent = quote_literal(rf'"(?:{"|".join(spec.number_keys)})"\s*:\s*-?[0-9.]*[eE]')
        numeric = "".join(
            f" AND CASE json_type(line, {quote_literal('$.' + p)}) WHEN 'UBIGINT' THEN true"
            f" WHEN 'BIGINT' THEN true WHEN 'NULL' THEN true"
            f" WHEN 'DOUBLE' THEN NOT regexp_matches(line, {exponent})"
            f" WHEN 'HUGEINT' THEN NOT regexp_matches(line, {exponent})"
            f" ELSE json_type(line, {quote_literal('$.' + p)}) IS NULL END"
            for fl in spec.fields if fl.kind == "num" for p in fl.paths)
        self._candidate = f"""
            SELECT COALESCE(CASE WHEN starts_with(line, '{{') AND NOT contains(line, '\\')
                AND json_valid(line) THEN true{numeric} END, false) AS ok FROM fast_lines"""

        def val(fl: sp.F) -> str:
            parts = [_column(p) if fl.kind != "time" else f"rfc3339({_column(p)})"
                     for p in fl.paths]
            return parts[0] if len(parts) == 1 else f"COALESCE({', '.join(parts)})"

        top = "9" * (DEC_PRECISION - DEC_SCALE) + "." + "9" * DEC_SCALE
        limit = f"CAST('{top}' AS DECIMAL({DEC_PRECISION}, {DEC_SCALE}))"
        conds = ["(c_object IS NULL OR c_object <> 'list')"]
        for fl in spec.fields:
            v = val(fl)
            if fl.required:
                conds.append(f"{v} IS NOT NULL")
            if fl.kind == "time":
                conds += [f"({_column(p)} IS NULL OR rfc3339({_column(p)}) IS NOT NULL)"
                          for p in fl.paths]
            if fl.kind == "num":
                conds += [f"({_column(p)} IS NULL OR abs({_column(p)}) <= {limit})"
                          for p in fl.paths]
            if fl.nonneg:
                conds.append(f"({v} IS NULL OR {v} >= 0)")
        fields = ", ".join(f"{val(fl)} AS f_{fl.name}" for fl in spec.fields)
        self._sql = f"""
            SELECT line_no, ok, {sp.columns(spec.output, '')}, $1 AS _file, line_no AS _line
            FROM (SELECT line_no, COALESCE({' AND '.join(conds)}, false) AS ok, {fields}
                  FROM fast_rows)
            ORDER BY line_no"""

    def run(self, con: duckdb.DuckDBPyConnection, chunk: LineChunk, rel: str) -> FastResult:
        """Read what it can of ``chunk``; the rest is returned as a chunk of its own."""
        text = chunk.text
        con.register("fast_lines", pa.table({"line": text}))
        try:
            candidate = con.sql(self._candidate).to_arrow_table().column(0).combine_chunks()
        finally:
            con.unregister("fast_lines")
        every = pc.all(candidate).as_py()
        parsed = self._parse(text if every else pc.filter(text, candidate),
                             chunk.line_no if every else pc.filter(chunk.line_no, candidate))
        accepted: pa.Table | None = None
        taken = pa.array([], pa.int64())
        if parsed is not None:
            con.register("fast_rows", parsed)
            try:
                out = con.sql(self._sql, params=[rel]).to_arrow_table()
            finally:
                con.unregister("fast_rows")
            ok = out.column("ok")
            if pc.all(ok).as_py():
                accepted = out.drop_columns(["line_no", "ok"])
                taken = out.column("line_no")
            else:
                accepted = out.filter(ok).drop_columns(["line_no", "ok"])
                taken = pc.filter(out.column("line_no"), ok)
        if len(taken) == len(chunk.line_no):
            rest = LineChunk(chunk.line_no.slice(0, 0), text.slice(0, 0), chunk.bad_utf8)
        else:
            keep = pc.invert(pc.is_in(chunk.line_no, value_set=taken))
            rest = LineChunk(pc.filter(chunk.line_no, keep), pc.filter(text, keep),
                             chunk.bad_utf8)
        tables = {self.spec.table: accepted} if accepted is not None else {}
        return FastResult(tables, len(taken), rest)

    def _parse(self, lines: pa.Array, numbers: pa.Array) -> pa.Table | None:
        """``line_no`` and one ``c_<path>`` column per field path of the lines Arrow parses
        one row each; the lines of failing blocks are left out.

        A parse error names its row: that line is left out and the lines before and after it
        are parsed again; an error without a row (a number that does not fit) halves the
        block, down to :data:`MIN_BLOCK` lines. After :data:`MAX_FAILURES` failures in one
        block, the rest of the block is left out (a hostile file goes to the exact path).
        """
        parts: list[pa.Table] = []
        for first in range(0, len(lines), BLOCK):
            stack = [(first, min(BLOCK, len(lines) - first))]
            failures = 0
            while stack and failures <= MAX_FAILURES:
                start, size = stack.pop()
                piece = lines.slice(start, size)
                table, row = _read(piece, self.schema, small=True)
                if table is None:  # once more in one block: the error's row is the piece's
                    table, row = _read(piece, self.schema, small=False)
                if table is not None and table.num_rows == size:
                    parts.append(self._flatten(table, numbers.slice(start, size)))
                    continue
                failures += 1
                if row is not None and row < size:
                    pieces = [(start + row + 1, size - row - 1), (start, row)]
                elif size > MIN_BLOCK:
                    half = size // 2
                    pieces = [(start + half, size - half), (start, half)]
                else:
                    pieces = []
                stack += [(s, n) for s, n in pieces if n > 0]
        if not parts:
            return None
        return pa.concat_tables(parts)

    def _flatten(self, table: pa.Table, numbers: pa.Array) -> pa.Table:
        columns = {"line_no": numbers, "c_object": table.column("object")}
        for path in self.paths:
            head, *rest = path.split(".")
            column = table.column(head)
            for part in rest:
                column = pc.struct_field(column, part)
            columns[_column(path)] = column
        return pa.table(columns)


def _read(lines: pa.Array, schema: pa.Schema, small: bool
          ) -> tuple[pa.Table | None, int | None]:
    """``lines`` parsed by Arrow with ``schema`` (other keys ignored), or None and the row
    Arrow's error names, if it names one. ``small``: in blocks of about 1 MiB (several
    times faster than one block, even on one thread), whose errors name a row of their
    block; else in one block, whose errors name a row of ``lines`` (0-based)."""
    offsets = pa.array([0, len(lines)], pa.int64())
    joined = pc.binary_join(pa.LargeListArray.from_arrays(offsets, lines), _NEWLINE)[0]
    data = joined.as_buffer()
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    block = data.size + 1
    if small:
        longest = pc.max(pc.binary_length(lines)).as_py() or 0
        block = min(block, max(1 << 20, 2 * (longest + 1)))
    try:
        return pj.read_json(pa.BufferReader(data), parse_options=options,
                            read_options=pj.ReadOptions(block_size=block)), None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        found = _ROW.search(str(exc))
        return None, int(found.group(1)) if found and not small else None
