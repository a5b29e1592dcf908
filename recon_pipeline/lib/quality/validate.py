"""Validate every expectation suite on the cycle's data with Great Expectations. Dagster-free.

Each suite's frame (``frames.py``) is read from DuckDB as Arrow and handed to GX's pandas
datasource as an Arrow-backed DataFrame (no copy to Python objects, no per-row Python); GX's
SQL datasource is not used because it fails on DuckDB. GX's metrics of the map expectations
are answered by DuckDB on that Arrow table (``metrics.py``), so GX plans and formats the
results without per-row pandas work. ``great_expectations`` is imported here,
inside the functions, never when the code location loads.

On demo-size data what is left is GX's fixed cost, cut where no output uses GX's work: one
ephemeral context and one pandas datasource per run (no checkpoint, no validation definition,
no stored suite) and the frames' metrics on cursors of the run's DuckDB connection. The rest
(planning each expectation's metrics, building its results) is left to GX as it does it: no GX
internal is replaced here. ``benchmarks/bench_quality.py`` times the stage part by part.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from recon_pipeline.lib.atomic import write_bytes
from recon_pipeline.lib.money import KNOWN_CURRENCIES
from recon_pipeline.lib.quality.frames import FrameSources, connect, read_frame
from recon_pipeline.lib.quality.suites import SuiteDef
from recon_pipeline.lib.registry import BLOCKING_CATEGORIES
from recon_pipeline.lib.sqltext import quote_ident

#: How many unexpected values a result keeps as examples.
EXAMPLES = 5

#: Expectations that a key appears once. The frames hold identical copies once (frames.py), so
#: when one fails the key was exported more than once with different content: a conflict, which
#: the outcome counts (``conflicts``) and the summary names (``conflicting_keys``).
KEY_CHECKS = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")


@dataclass(frozen=True)
class ExpectationOutcome:
    """The result of one expectation: what the Dagster check and summary.json report."""

    check: str
    type: str
    column: str | None
    severity: str
    blocking: bool
    success: bool
    evaluated: int | None  # rows looked at (None for a table-level statistic)
    unexpected: int | None  # rows that broke it (None for a statistic)
    observed: Any  # the statistic's value (sum, min, ...), or the percent of rows unexpected
    examples: list[Any]
    description: str
    error: str | None = None
    #: A failed key check: ``{"key": [columns], "keys": keys with conflicting copies,
    #: "rows": their rows}``; None otherwise.
    conflicts: dict[str, Any] | None = None


@dataclass(frozen=True)
class SuiteOutcome:
    """One suite on one cycle: its expectations' outcomes and the summary.json entry."""

    suite: str
    asset: str
    rows: int
    seconds: float
    expectations: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(e.success for e in self.expectations)

    @property
    def blocking_failures(self) -> list[str]:
        return [e.check for e in self.expectations if e.blocking and not e.success]

    @property
    def unexpected(self) -> int:
        """Rows that broke a row-level expectation, plus 1 per failed statistic."""
        return sum(e.unexpected if e.unexpected is not None else int(not e.success)
                   for e in self.expectations)

    def summary(self) -> dict[str, Any]:
        """The ``expectations`` entry of summary.json."""
        return {"suite": self.suite, "asset": self.asset, "success": self.success,
                "evaluated": len(self.expectations), "unexpected": self.unexpected,
                "failed": [e.check for e in self.expectations if not e.success],
                "blocking_failed": self.blocking_failures, "rows": self.rows,
                "conflicting_keys": [{"check": e.check, "blocking": e.blocking, **e.conflicts}
                                     for e in self.expectations if e.conflicts]}


@dataclass(frozen=True)
class CycleValidation:
    """Every suite of one cycle; ``gx_results`` are GX's own objects, for the Data Docs."""

    cycle: str
    validated_at: str
    suites: list[SuiteOutcome]
    seconds: float
    gx_results: list[Any] = field(default_factory=list, compare=False, repr=False)

    @property
    def passing(self) -> bool:
        """False when a blocking (critical) expectation failed: the report is not final."""
        return not any(s.blocking_failures for s in self.suites)

    def summary(self) -> list[dict[str, Any]]:
        return [s.summary() for s in self.suites]

    def to_json(self) -> dict[str, Any]:
        return {"cycle": self.cycle, "validated_at": self.validated_at,
                "passing": self.passing, "seconds": round(self.seconds, 3),
                "suites": [{**s.summary(), "seconds": round(s.seconds, 3),
                            "expectations": [asdict(e) for e in s.expectations]}
                           for s in self.suites]}


def run_parameters(cycle: str, now: datetime) -> dict[str, Any]:
    """Values of the ``{"$PARAMETER": ...}`` placeholders a suite may use."""
    from recon_pipeline.lib.cycles import cycle_end, cycle_start, iso

    return {
        "iso_4217": sorted(KNOWN_CURRENCIES),
        "blocking_categories": sorted(BLOCKING_CATEGORIES),
        "extract_time": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cycle_start": iso(cycle_start(cycle)),
        "cycle_end": iso(cycle_end(cycle)),
        "cycle": cycle,
    }


#: The engines a cycle's suites are validated on: DuckDB frames through GX's pandas datasource,
#: or Spark DataFrames through GX's Spark datasource (``lib/quality/spark.py``).
ENGINES = ("duckdb", "spark")

#: On Spark, how many unexpected rows GX collects per expectation; the examples are the first
#: EXAMPLES of them in the frame's canonical order, as on pandas. Up to this many unexpected
#: rows they are the same rows as pandas'; beyond, Spark picks which rows it collects (the
#: counts and outcomes stay the same). Sorting the frame itself for GX would make every
#: metric a sort (it doubled the time of the suites on Spark).
SPARK_UNEXPECTED_ROWS = 1000


def import_gx() -> None:
    """``great_expectations`` imported as the suites use it (no analytics, its logger quiet),
    with the modules validate_cycle imports from it later."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations
    import great_expectations.core.run_identifier
    import great_expectations.expectations.expectation  # noqa: F401

    logging.getLogger("great_expectations").setLevel(logging.ERROR)


def import_gx_in_background() -> threading.Thread:
    """Start importing Great Expectations on a daemon thread (4-6 s of a demo cycle, most of
    the quality step's fixed cost), for a process that will validate later and waits on
    something else now: the warehouse step waiting on dbt's process. An import that fails
    there fails again, and is reported, where validate_cycle imports it."""
    def run() -> None:
        with contextlib.suppress(Exception):
            import_gx()

    thread = threading.Thread(target=run, name="import-great-expectations", daemon=True)
    thread.start()
    return thread


def validate_cycle(suites: Sequence[SuiteDef], src: FrameSources, *, now: datetime,
                   engine: str = "duckdb", spark: Any = None,
                   pandas_metrics: bool = False) -> CycleValidation:
    """Run every suite on its frame of ``src.cycle``; never raises for a failed expectation.

    ``engine`` is where the frames are computed and validated: ``duckdb`` (GX's pandas
    datasource) or ``spark`` (GX's Spark datasource, on ``spark``, a SparkSession, else the
    session of ``spark.spark_session``). Both give the same outcomes, to the example rows:
    a failed expectation's examples are its first unexpected rows in the frame's canonical
    order (every column ascending, nulls last; see SPARK_UNEXPECTED_ROWS).

    On DuckDB, the metrics of the map expectations are computed by DuckDB on the frame's Arrow
    table (``metrics.py``: the same results, without GX's per-row pandas work);
    ``pandas_metrics`` leaves every metric to GX's pandas engine (to compare the two)."""
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r} is not one of {ENGINES}")
    started = time.monotonic()
    import_gx()
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}  # type: ignore[assignment]
    from great_expectations.core.run_identifier import RunIdentifier

    run_id = RunIdentifier(run_name=f"close {src.cycle}", run_time=now.astimezone(UTC))
    parameters = run_parameters(src.cycle, now)
    outcomes: list[SuiteOutcome] = []
    results: list[Any] = []
    with (_PandasFrames(src) if engine == "duckdb" else _SparkFrames(src, spark)) as frames:
        source = frames.add_source(context)
        for suite in suites:
            began = time.monotonic()
            frame = frames.read(suite.name)
            # One data asset per suite, named after the checked asset (Data Docs list it).
            definition = (source.add_dataframe_asset(suite.asset)
                          .add_batch_definition_whole_dataframe(src.cycle))
            gx_suite = gx.ExpectationSuite(**_with_check_names(suite))
            with frame.answering(enabled=not pandas_metrics):
                batch = definition.get_batch(batch_parameters={"dataframe": frame.data})
                result = batch.validate(gx_suite, expectation_parameters=parameters,
                                        result_format=frames.result_format(frame))
            _release(batch)
            result.meta["run_id"] = run_id
            results.append(result)
            outcomes.append(SuiteOutcome(
                suite=suite.name, asset=suite.asset, rows=frame.rows,
                seconds=time.monotonic() - began,
                expectations=_outcomes(suite, result.results, frame)))
            frame.close()
            # Before the next frame is read: one frame alive at a time.
            del frame, batch
    return CycleValidation(cycle=src.cycle, validated_at=now.astimezone(UTC).isoformat(),
                           suites=outcomes, seconds=time.monotonic() - started,
                           gx_results=results)


def _release(batch: Any) -> None:
    """Drop a validated batch from its execution engine's caches.

    The datasource keeps one execution engine for the run, and its batch manager keeps every
    batch it loaded (the Batch and its data: the whole frame) until the engine goes: each
    suite's frame stayed alive to the end of the stage, so the stage held all the cycle's
    frames at once (usage events, journal lines, invoice lines, ...), and its peak grew with
    the sum of the frames. The result keeps what the Data Docs need (markers, batch spec without
    the data); nothing reads a validated batch's data again."""
    manager = batch.data.execution_engine.batch_manager
    manager.batch_data_cache.pop(batch.id, None)
    manager.batch_cache.pop(batch.id, None)


class _Frame:
    """One suite's frame on an engine: what GX validates and what the outcomes need of it."""

    data: Any  # what the batch holds: a pandas or a Spark DataFrame
    rows: int
    columns: list[str]

    def examples(self, detail: dict[str, Any]) -> list[Any]:
        """A few rows that broke the expectation (all their columns), in the frame's order."""
        raise NotImplementedError

    def key_counts(self, key: list[str]) -> tuple[int, int]:
        """Keys (all columns non-null) held by more than one row, and those rows."""
        raise NotImplementedError

    def decimal_scale(self, column: str) -> int | None:
        """The scale of ``column`` when it holds decimals (money), else None."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the engine holds for the frame."""

    def answering(self, enabled: bool = True) -> contextlib.AbstractContextManager[None]:
        """While GX validates the frame: the metrics the engine computes itself."""
        return contextlib.nullcontext()


class _ArrowFrame(_Frame):
    def __init__(self, table: pa.Table, con: Any = None) -> None:
        """``table`` read in the canonical order (``read_frame(canonical=True)``: every column
        ascending, nulls last), so GX's first unexpected rows (the examples) are the rows the
        Spark path picks (_SparkFrame.examples)."""
        import pandas as pd

        self.con = con  # the DuckDB connection the metrics open a cursor of (None: their own)
        self.table = table
        self.data = self.table.to_pandas(types_mapper=pd.ArrowDtype)
        self.rows = self.table.num_rows
        self.columns = list(self.table.column_names)
        self.metrics: Any = None

    def answering(self, enabled: bool = True) -> contextlib.AbstractContextManager[None]:
        if not enabled:
            return contextlib.nullcontext()
        from recon_pipeline.lib.quality.metrics import DuckMetrics, answered_by_duckdb

        self.metrics = DuckMetrics(self.table, self.data, self.con)
        return answered_by_duckdb(self.metrics)

    def close(self) -> None:
        if self.metrics is not None:
            self.metrics.close()
            self.metrics = None

    def examples(self, detail: dict[str, Any]) -> list[Any]:
        index = [i for i in (detail.get("partial_unexpected_index_list") or [])
                 if isinstance(i, int) and 0 <= i < self.rows][:EXAMPLES]
        if index:
            return [plain(row) for row in self.table.take(index).to_pylist()]
        return [plain(v) for v in (detail.get("partial_unexpected_list") or [])][:EXAMPLES]

    def key_counts(self, key: list[str]) -> tuple[int, int]:
        # Counted by DuckDB over the Arrow table (zero-copy, within the run's memory limit),
        # not by an Arrow group-by: its hash table of every key was a copy of the key columns.
        import duckdb

        cursor = self.con.cursor() if self.con is not None else duckdb.connect()
        try:
            cursor.register("recon_keys", self.table.select(key))
            columns = ", ".join(quote_ident(c) for c in key)
            present = " and ".join(f"{quote_ident(c)} is not null" for c in key)
            found = cursor.execute(
                f"select count(*), coalesce(sum(n), 0) from (select count(*) as n from "
                f"recon_keys where {present} group by {columns} having count(*) > 1)"
            ).fetchall()
            return int(found[0][0]), int(found[0][1])
        finally:
            cursor.close()

    def decimal_scale(self, column: str) -> int | None:
        kind = self.table.schema.field(column).type if column in self.columns else None
        return int(kind.scale) if kind is not None and pa.types.is_decimal(kind) else None


class _PandasFrames:
    """Frames read by DuckDB (frames.py), validated by GX's pandas datasource."""

    def __init__(self, src: FrameSources) -> None:
        self.src = src

    def __enter__(self) -> _PandasFrames:
        # DuckDB spills beyond its memory limit (lib/memory.py) to a folder of
        # the run's own, removed with it.
        self.spill = tempfile.mkdtemp(prefix="recon-quality-spill-")
        self.con = connect(self.src, Path(self.spill))
        return self

    def __exit__(self, *exc: object) -> None:
        self.con.close()
        shutil.rmtree(self.spill, ignore_errors=True)

    def add_source(self, context: Any) -> Any:
        return context.data_sources.add_pandas("recon")

    def read(self, suite: str) -> _Frame:
        # Sorted by DuckDB (within its memory limit, spilling), not by Arrow: an Arrow sort
        # holds the frame twice in this process.
        return _ArrowFrame(read_frame(self.con, suite, self.src, canonical=True), self.con)

    def result_format(self, frame: _Frame) -> dict[str, Any]:
        return {"result_format": "SUMMARY", "partial_unexpected_count": EXAMPLES}


class _SparkFrame(_Frame):
    def __init__(self, data: Any) -> None:
        self.columns = list(data.columns)
        # Computed once: GX runs a Spark job per metric on it (unpersisted by close()).
        self.data = self.cached = data.persist()
        self.rows = int(self.cached.count())

    def close(self) -> None:
        self.cached.unpersist()

    def examples(self, detail: dict[str, Any]) -> list[Any]:
        found = [{c: _utc(row.get(c)) for c in self.columns}
                 for row in (detail.get("partial_unexpected_index_list") or [])
                 if isinstance(row, dict)]
        if found:  # in the canonical order (pandas: the frame is read sorted, read_frame)
            found.sort(key=lambda row: [(v is None, v) for v in row.values()])
            return [plain(row) for row in found[:EXAMPLES]]
        return [plain(_utc(v)) for v in (detail.get("partial_unexpected_list") or [])][:EXAMPLES]

    def key_counts(self, key: list[str]) -> tuple[int, int]:
        from pyspark.sql import functions as F

        repeated = (self.data.select(key).dropna().groupBy(*key).count()
                    .where(F.col("count") > 1)
                    .agg(F.count(F.lit(1)).alias("keys"), F.sum("count").alias("rows"))
                    .first())
        return (int(repeated["keys"]), int(repeated["rows"] or 0)) if repeated else (0, 0)

    def decimal_scale(self, column: str) -> int | None:
        from pyspark.sql.types import DecimalType

        kind = self.data.schema[column].dataType if column in self.columns else None
        return int(kind.scale) if isinstance(kind, DecimalType) else None


def _utc(value: Any) -> Any:
    """A Spark timestamp as collected (a naive datetime in this process's zone) as UTC."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.astimezone(UTC)
    return value


class _SparkFrames:
    """Frames computed by Spark (spark.py), validated by GX's Spark datasource."""

    def __init__(self, src: FrameSources, spark: Any) -> None:
        self.src = src
        self.spark = spark
        self.views: dict[str, str] = {}

    def __enter__(self) -> _SparkFrames:
        if self.spark is None:
            from recon_pipeline.lib.quality.spark import spark_session

            self.spark = spark_session(self.src.raw_dir.parents[1])  # OUT of OUT/raw/<cycle>
        return self

    def __exit__(self, *exc: object) -> None:
        for view in self.views.values():
            if view.startswith("recon_raw_"):
                self.spark.catalog.dropTempView(view)

    def add_source(self, context: Any) -> Any:
        # Not persisted by GX: each frame is cached by _SparkFrame and released after its suite.
        return context.data_sources.add_spark("recon", persist=False)

    def read(self, suite: str) -> _Frame:
        from recon_pipeline.lib.quality.spark import read_frame_spark

        return _SparkFrame(read_frame_spark(self.spark, suite, self.src, self.views))

    def result_format(self, frame: _Frame) -> dict[str, Any]:
        return {"result_format": "SUMMARY", "partial_unexpected_count": SPARK_UNEXPECTED_ROWS,
                "unexpected_index_column_names": frame.columns}


def _with_check_names(suite: SuiteDef) -> dict[str, Any]:
    """The suite document with every expectation's check name in its meta (to match results)."""
    document = json.loads(json.dumps(suite.document))
    document.pop("id", None)
    for item, definition in zip(document["expectations"], suite.expectations, strict=True):
        item.pop("id", None)
        item["meta"] = {**(item.get("meta") or {}), "check": definition.check}
        item["severity"] = definition.severity
    return dict(document)


def _outcomes(suite: SuiteDef, results: Sequence[Any],
              frame: _Frame) -> list[ExpectationOutcome]:
    by_check = {r.expectation_config.meta.get("check"): r for r in results}
    outcomes = []
    for definition in suite.expectations:
        r = by_check.get(definition.check)
        info = (r.exception_info or {}) if r is not None else {}
        error = (info.get("exception_message") if info.get("raised_exception")
                 else None) if isinstance(info, dict) else None
        if r is None:
            error = "not evaluated"
        detail = (r.result or {}) if r is not None else {}
        unexpected = detail.get("unexpected_count")
        observed = _exact(frame, definition.column, detail.get("observed_value"))
        if observed is None and unexpected is not None:
            observed = detail.get("unexpected_percent")
        outcomes.append(ExpectationOutcome(
            check=definition.check, type=definition.type, column=definition.column,
            severity=definition.severity, blocking=definition.blocking,
            success=bool(r is not None and r.success and error is None),
            evaluated=detail.get("element_count"),
            unexpected=int(unexpected) if unexpected is not None else None,
            observed=plain(observed),
            examples=frame.examples(detail) if not (r and r.success) else [],
            description=definition.description, error=error,
            conflicts=(_conflicts(frame, definition)
                       if r is not None and not r.success and error is None else None)))
    return outcomes


def _exact(frame: _Frame, column: str | None, observed: Any) -> Any:
    """A statistic of a decimal column (a sum of money) as an exact decimal at the column's
    scale: GX's pandas path sums decimals as floats, its Spark path as decimals. Exact while the
    float's error stays below half a unit of the scale (sums below about 10^12 at scale 2)."""
    scale = frame.decimal_scale(column) if column is not None else None
    if scale is None or not isinstance(observed, float | Decimal):
        return observed
    return Decimal(repr(observed) if isinstance(observed, float) else observed).quantize(
        Decimal(1).scaleb(-scale))


def _conflicts(frame: _Frame, definition: Any) -> dict[str, Any] | None:
    """For a failed key check: its key columns, how many keys have conflicting copies and
    their rows (rows with an empty key column are not counted, as GX does not)."""
    if definition.type not in KEY_CHECKS:
        return None
    key = ([definition.column] if definition.column is not None
           else [str(c) for c in definition.kwargs.get("column_list") or []])
    if not key or any(c not in frame.columns for c in key):
        return None
    keys, rows = frame.key_counts(key)
    if not keys:
        return None
    return {"key": key, "keys": keys, "rows": rows}


def plain(value: Any) -> Any:
    """A JSON-friendly copy: decimals and timestamps as text, numbers as numbers."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return plain(value.item())
    return str(value)


def validation_path(out: Path, cycle: str) -> Path:
    """Where a cycle's validation is kept: ``OUT/quality/<cycle>/validation.json``."""
    return Path(out) / "quality" / cycle / "validation.json"


def write_validation(out: Path, validation: CycleValidation) -> Path:
    """Store the cycle's validation atomically (the reports read it)."""
    path = validation_path(out, validation.cycle)
    text = json.dumps(validation.to_json(), indent=2, ensure_ascii=False) + "\n"
    write_bytes(path, text.encode("utf-8"))
    return path


def read_validation(out: Path, cycle: str) -> dict[str, Any] | None:
    """The stored validation of ``cycle``, or None when none was run."""
    path = validation_path(out, cycle)
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
