"""GX's metrics answered by DuckDB: Great Expectations asks, the frame's Arrow table answers.

Profiled on a cycle, the suites' time went to GX's pandas metrics, not to the data: every
``expect_column_values_to_be_between`` on an Arrow-backed frame is a Python call per row
(GX maps ``is_between`` over the column when its dtype is not numpy's), every map expectation
builds boolean series over the whole frame several times, and the sum of a decimal column
walks the interpreter's stack once per value (``great_expectations.util.convert_decimal_to_float``
logs a warning under a check that calls ``inspect.stack()``).

So GX still plans the validation (which metrics each expectation needs, its success rule, the
result's format) and builds every result, while the metrics of the map expectations the suites
use (not null, in set, not in set, between, unique, compound unique) are computed here in
DuckDB over the frame's Arrow table, zero-copy: a count per condition and, when rows break it,
the first ``partial_unexpected_count`` of them by position, whose values are read from GX's own
pandas frame so they are the very objects GX would have listed. The results are the same
objects GX computes (tests/unit/test_quality_metrics.py compares them); a metric, domain or
bound this module does not know is left to GX's pandas engine. ``great_expectations`` is
imported inside the functions only. Dagster-free.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from recon_pipeline.lib.sqltext import quote_ident, quote_literal

#: The column map metrics answered here (GX's ``map_metric`` of each expectation type).
COLUMN_FAMILIES = ("column_values.nonnull", "column_values.in_set", "column_values.not_in_set",
                   "column_values.between", "column_values.unique")
MULTICOLUMN_FAMILIES = ("compound_columns.unique",)
SUFFIXES = ("condition", "unexpected_count", "unexpected_values", "unexpected_index_list",
            "unexpected_index_query", "filtered_row_count")
INDEX = "__recon_row"


def _literal(value: Any, kind: pa.DataType) -> str | None:
    """``value`` as a DuckDB literal comparable with a column of ``kind`` exactly as pandas
    compares them, or None when this module does not know (GX's pandas engine answers)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool):
        return ("true" if value else "false") if pa.types.is_boolean(kind) else None
    if isinstance(value, str):
        return quote_literal(value) if (
            pa.types.is_string(kind) or pa.types.is_large_string(kind)) else None
    numeric = pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
    if isinstance(value, int):
        return str(value) if numeric else None
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53 and numeric:
            return str(int(value))
        # A fraction against a decimal column: pandas compares exactly, DuckDB would round.
        return f"cast('{value!r}' as double)" if pa.types.is_floating(kind) else None
    if isinstance(value, Decimal):
        return f"{value}" if pa.types.is_decimal(kind) and value.is_finite() else None
    if isinstance(value, dt.datetime):
        if pa.types.is_timestamp(kind) and kind.tz is not None and value.tzinfo is not None:
            return f"timestamptz '{value.astimezone(dt.UTC).isoformat()}'"
        return None
    return None


class DuckMetrics:
    """The metrics of one frame: ``table`` (Arrow, in the frame's order) and ``data``, the
    pandas frame GX holds (same rows, same order: its index is the row's position)."""

    def __init__(self, table: pa.Table, data: Any,
                 con: duckdb.DuckDBPyConnection | None = None) -> None:
        self.table = table
        self.data = data
        self.kinds = {f.name: f.type for f in table.schema}
        # A cursor of the run's connection when given: its own session (the frame registered
        # here is seen by it alone) without a database of its own. A new in-memory database
        # per suite was 40 ms to open and close, most of the metrics' time on a demo cycle.
        self.con = con.cursor() if con is not None else duckdb.connect()
        self.con.execute("set timezone = 'UTC'")
        self.con.register("frame", table.append_column(
            INDEX, pa.array(np.arange(table.num_rows, dtype=np.int64))))
        self._counts: dict[tuple[str, str], tuple[int, int]] = {}

    def close(self) -> None:
        self.con.close()

    # -- what is answered here ------------------------------------------------------------
    def _plan(self, metric: Any) -> tuple[str, str, str, str, list[str]] | None:
        """(family, suffix, domain predicate, unexpected SQL, columns) of a metric this
        module answers, else None. The unexpected SQL is a query of the positions of the
        domain's unexpected rows (column ``INDEX``)."""
        name = str(metric.metric_name)
        family, _, suffix = name.rpartition(".")
        if suffix not in SUFFIXES or family not in COLUMN_FAMILIES + MULTICOLUMN_FAMILIES:
            return None
        domain = dict(metric.metric_domain_kwargs or {})
        values = dict(metric.metric_value_kwargs or {})
        if domain.get("table") is not None:
            return None
        where = self._row_condition(domain.get("row_condition"))
        if where is None:
            return None
        fmt = values.get("result_format")
        if isinstance(fmt, dict) and (fmt.get("result_format") == "COMPLETE"
                                      or fmt.get("unexpected_index_column_names")
                                      or fmt.get("include_unexpected_rows")):
            return None
        if family in MULTICOLUMN_FAMILIES:
            columns = [str(c) for c in domain.get("column_list") or []]
            if (not columns or any(c not in self.kinds for c in columns)
                    or domain.get("ignore_row_if", "all_values_are_missing")
                    != "all_values_are_missing"):
                return None
            keys = ", ".join(quote_ident(c) for c in columns)
            present = " or ".join(f"{quote_ident(c)} is not null" for c in columns)
            domain_sql = f"({where}) and ({present})"
            unexpected = (f"select {INDEX} from (select {INDEX}, count(*) over (partition by "
                          f"{keys}) as n from frame where {domain_sql}) where n > 1")
            return family, suffix, domain_sql, unexpected, columns
        column = domain.get("column")
        if column is None or str(column) not in self.kinds:
            return None
        column = str(column)
        kind = self.kinds[column]
        c = quote_ident(column)
        if family == "column_values.nonnull":
            return family, suffix, where, \
                f"select {INDEX} from frame where ({where}) and {c} is null", [column]
        # Every other map metric leaves out the column's nulls (filter_column_isnull).
        domain_sql = f"({where}) and {c} is not null"
        if family == "column_values.unique":
            unexpected = (f"select {INDEX} from (select {INDEX}, count(*) over (partition by "
                          f"{c}) as n from frame where {domain_sql}) where n > 1")
            return family, suffix, domain_sql, unexpected, [column]
        if family in ("column_values.in_set", "column_values.not_in_set"):
            value_set = values.get("value_set")
            if value_set is None or isinstance(value_set, str | bytes | dict):
                return None
            literals = [_literal(v, kind) for v in value_set]
            if any(v is None for v in literals):
                return None
            member = f"{c} in ({', '.join(literals)})" if literals else "false"  # type: ignore[arg-type]
            bad = f"not ({member})" if family == "column_values.in_set" else member
        else:  # between
            low, high = values.get("min_value"), values.get("max_value")
            if low is None and high is None:
                return None
            tests = []
            for bound, strict, op in ((low, values.get("strict_min"), ">"),
                                      (high, values.get("strict_max"), "<")):
                if bound is None:
                    continue
                literal = _literal(bound, kind)
                if literal is None:
                    return None
                tests.append(f"{c} {op}{'' if strict else '='} {literal}")
            bad = f"not ({' and '.join(tests)})"
        return family, suffix, domain_sql, \
            f"select {INDEX} from frame where {domain_sql} and {bad}", [column]

    def _row_condition(self, condition: Any) -> str | None:
        """The SQL of a row condition: none, or a comparison of a column with a constant."""
        if condition is None or condition == "":
            return "true"
        if hasattr(condition, "model_dump"):
            condition = condition.model_dump()
        if not isinstance(condition, dict) or condition.get("type") != "comparison":
            return None
        column = condition.get("column")
        column = column.get("name") if isinstance(column, dict) else column
        operator = {"==": "=", "!=": "<>"}.get(str(condition.get("operator")))
        if column not in self.kinds or operator is None:
            return None
        literal = _literal(condition.get("parameter"), self.kinds[str(column)])
        if literal is None:
            return None
        return f"{quote_ident(str(column))} {operator} {literal}"

    def answers(self, metric: Any) -> bool:
        return self._plan(metric) is not None

    # -- the answers ----------------------------------------------------------------------
    def resolve(self, metric: Any) -> Any:
        plan = self._plan(metric)
        assert plan is not None
        family, suffix, domain_sql, unexpected, columns = plan
        if suffix in ("condition", "unexpected_index_query"):
            # The boolean series only feeds the pandas metrics answered here; the index
            # query is not part of a SUMMARY result.
            return None
        if suffix == "filtered_row_count":
            return self._count(f"select count(*) from frame where {domain_sql}")
        count = self._count(f"select count(*) from ({unexpected})")
        if suffix == "unexpected_count":
            return count
        fmt = (metric.metric_value_kwargs or {}).get("result_format") or {}
        limit = int(fmt.get("partial_unexpected_count", 20)) if isinstance(fmt, dict) else 20
        rows = [] if count == 0 or limit <= 0 else [int(r[0]) for r in self.con.execute(
            f"select {INDEX} from ({unexpected}) order by {INDEX} limit {limit}").fetchall()]
        if suffix == "unexpected_index_list":
            return rows
        # The values as GX's pandas path lists them: from its frame, at those positions.
        if family in MULTICOLUMN_FAMILIES:
            return self.data[columns].iloc[rows].to_dict("records")
        return list(self.data[columns[0]].iloc[rows])

    def fingerprint(self) -> str:
        """A content fingerprint of the frame (GX's ``pandas_data_fingerprint`` batch marker),
        computed in DuckDB over the Arrow table: every row hashed with its position, the hashes
        folded two ways, and the schema and row count beside them. GX's own (the md5 of
        ``pd.util.hash_pandas_object``) was half the quality stage's time on a 100,000-customer
        cycle (a Python-level walk of every datetime and Arrow-backed column); this is a scan.
        Same rows in the same order give the same fingerprint; it identifies a batch, it is not a
        digest for security."""
        columns = ", ".join(quote_ident(n) for n in [INDEX, *self.table.column_names])
        row = self.con.execute(
            f"select bit_xor(h), sum(h::hugeint) from (select hash({columns}) as h from frame)"
        ).fetchone()
        folded = f"{self.table.schema.to_string(show_schema_metadata=False)}|" \
                 f"{self.table.num_rows}|{row[0] if row else 0}|{row[1] if row else 0}"
        return hashlib.md5(folded.encode(), usedforsecurity=False).hexdigest()

    def _count(self, sql: str) -> int:
        key = ("count", sql)
        if key not in self._counts:
            row = self.con.execute(sql).fetchone()
            self._counts[key] = (int(row[0]) if row else 0, 0)
        return self._counts[key][0]


@contextlib.contextmanager
def answered_by_duckdb(answerer: DuckMetrics) -> Iterator[None]:
    """While open (one frame's batch and validation), GX's pandas engine has ``answerer``
    answer what it can; the frame's fingerprint (a batch marker) is computed once, not once when
    the batch is made and again when it is validated, and in DuckDB (``DuckMetrics.fingerprint``);
    a decimal column's sum skips GX's per-value stack walk (it only
    decides whether to log a warning that GX's logger, at ERROR, never shows)."""
    import great_expectations.execution_engine.pandas_execution_engine as gx_pandas
    import great_expectations.util as gx_util
    from great_expectations.execution_engine import PandasExecutionEngine

    original = PandasExecutionEngine.resolve_metrics
    original_stack = gx_util.stack
    original_hash = gx_pandas.hash_pandas_dataframe
    fingerprints: dict[int, tuple[Any, str]] = {}

    def hash_pandas_dataframe(df: Any) -> str:
        known = fingerprints.get(id(df))
        if known is None or known[0] is not df:
            digest = answerer.fingerprint() if df is answerer.data else original_hash(df)
            known = fingerprints[id(df)] = (df, digest)
        return known[1]

    def resolve_metrics(engine: Any, metrics_to_resolve: Any, metrics: Any = None,
                        runtime_configuration: Any = None) -> Any:
        pending = list(metrics_to_resolve)
        mine = [m for m in pending if answerer.answers(m)]
        rest = [m for m in pending if not answerer.answers(m)]
        answers = original(engine, rest, metrics, runtime_configuration) if rest else {}
        for m in mine:
            answers[m.id] = answerer.resolve(m)
        return answers

    PandasExecutionEngine.resolve_metrics = resolve_metrics  # type: ignore[assignment,method-assign]
    gx_util.stack = lambda *a, **k: []
    gx_pandas.hash_pandas_dataframe = hash_pandas_dataframe
    try:
        yield
    finally:
        PandasExecutionEngine.resolve_metrics = original  # type: ignore[method-assign]
        gx_util.stack = original_stack
        gx_pandas.hash_pandas_dataframe = original_hash
