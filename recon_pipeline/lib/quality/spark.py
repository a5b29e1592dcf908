"""The quality frames on Spark: the same frames as ``frames.py``, computed where the data is.

When the warehouse is Spark (``Settings.warehouse``, docs/spark.md), the suites are validated
through GX's Spark datasource on Spark DataFrames instead of pandas frames read by DuckDB.
Nothing about *what* a frame holds is said here: the frame SQL of ``frames.py`` is transpiled
from DuckDB's dialect to Spark's by sqlglot, its table placeholders filled with

- each raw table of the cycle's raw zone read from its Parquet file with identical copies
  collapsed (equal in every column but ``frames.LINEAGE``), as DuckDB's frames and the staging
  layer do;
- the extraction's ``file_counts.parquet``;
- the warehouse marts from the Spark catalog dbt wrote (``marts.fct_mismatches``, ...).

The session follows the dbt profile's ``spark`` target (``dbt_project/profiles.yml``, rendered
here with the same environment variables): UTC session time zone, ``TIMESTAMP_NTZ``, its master,
shuffle partitions and catalog. Money stays ``DecimalType`` as the Parquet files declare it.
PySpark and sqlglot are imported here only, never when the code location loads. Dagster-free.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recon_pipeline.lib.quality.frames import (
    FILE_COUNTS,
    LINEAGE,
    RAW_PLACEHOLDERS,
    WAREHOUSE_PLACEHOLDERS,
    FrameError,
    FrameSources,
    frame_parameters,
    frame_template,
    placeholders,
    raw_file,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: The dbt profile whose ``spark`` target the quality session follows.
PROFILES = Path(__file__).resolve().parents[3] / "dbt_project" / "profiles.yml"


def session_conf(out_dir: Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The Spark settings of the dbt profile's ``spark`` target for ``out_dir``: its
    ``server_side_parameters`` rendered as dbt renders them (``env_var``, ``var('out_dir')``)."""
    import jinja2
    import yaml  # type: ignore[import-untyped,unused-ignore]

    env = os.environ if environ is None else environ
    profile = yaml.safe_load(PROFILES.read_text(encoding="utf-8"))
    (name,) = profile
    parameters = profile[name]["outputs"]["spark"]["server_side_parameters"]

    def env_var(key: str, default: str | None = None) -> str:
        value = env.get(key, default)
        if value is None:
            raise FrameError(f"{PROFILES}: environment variable {key} is not set")
        return value

    def var(key: str, default: Any = None) -> Any:
        return str(out_dir) if key == "out_dir" else default

    jinja = jinja2.Environment(autoescape=False)
    return {str(k): jinja.from_string(str(v)).render(env_var=env_var, var=var)
            for k, v in parameters.items()}


def spark_session(out_dir: Path, environ: Mapping[str, str] | None = None) -> SparkSession:
    """The Spark session of the quality stage (getOrCreate: one per process), configured as the
    dbt profile's ``spark`` target, with its catalog so the marts dbt wrote are tables."""
    from pyspark.sql import SparkSession

    conf = session_conf(out_dir, environ)
    spark_dir = Path(out_dir) / "spark"
    spark_dir.mkdir(parents=True, exist_ok=True)
    # Derby (the local catalog) writes its log beside the catalog, not in the working directory.
    java = "spark.driver.extraJavaOptions"
    conf[java] = f"{conf.get(java, '')} -Dderby.system.home={spark_dir.as_posix()}".strip()
    builder = SparkSession.builder.appName("recon quality")
    for key, value in conf.items():
        builder = builder.config(key, value)
    # The profile's catalog (spark.sql.catalogImplementation, hive by default) holds the marts.
    session = builder.getOrCreate()
    # A session that existed already (getOrCreate) still gets the settings a frame relies on.
    for key in ("spark.sql.session.timeZone", "spark.sql.timestampType"):
        if key in conf:
            session.conf.set(key, conf[key])
    return session


def raw_frame(spark: SparkSession, src: FrameSources, system: str, table: str) -> DataFrame:
    """A raw table of the cycle with identical copies as one row (equal in every column but the
    lineage), as ``frames.py`` reads it on DuckDB."""
    from pyspark.sql import functions as F

    data = spark.read.parquet(raw_file(src, system, table).as_posix())
    columns = [c for c in data.columns if c not in LINEAGE]
    return data.groupBy(*columns).agg(F.min(F.struct(*LINEAGE)).alias("recon_first")) \
        .drop("recon_first")


def spark_sql(suite: str, views: Mapping[str, str]) -> str:
    """The frame SQL of ``suite`` in Spark's dialect, its placeholders as ``views``' names and
    its ``$name`` parameters as Spark's ``:name`` markers."""
    import sqlglot
    from sqlglot import exp

    template = frame_template(suite)
    duckdb_sql = template.format(**{name: views[name] for name in placeholders(template)})

    def portable(node: exp.Expression) -> exp.Expression:
        # DuckDB's timestamptz is Spark's timestamp_ltz: sqlglot writes plain `timestamp`, which
        # a session on TIMESTAMP_NTZ reads as the wall clock.
        if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.TIMESTAMPTZ:
            return exp.DataType.build("TIMESTAMPLTZ")
        # `null in (subquery)` is null (SQL, DuckDB); Spark answers false where it plans the
        # subquery as an existence join (in a projection or under an `or`), so a row without
        # the value would count as unexpected on Spark and be skipped on DuckDB.
        if isinstance(node, exp.In) and node.args.get("query") is not None:
            return exp.case().when(exp.Is(this=node.this.copy(), expression=exp.null()),
                                   exp.null()).else_(node)
        return node

    return str(sqlglot.parse_one(duckdb_sql, read="duckdb").transform(portable).sql("spark"))


def read_frame_spark(spark: SparkSession, suite: str, src: FrameSources,
                     views: dict[str, str]) -> DataFrame:
    """The frame of ``suite`` for the cycle as a Spark DataFrame. ``views`` remembers the temp
    views registered so far (placeholder -> view name), so each raw table is read once."""
    from pyspark.errors import AnalysisException

    template = frame_template(suite)
    for name in placeholders(template):
        if name in views:
            continue
        if name in RAW_PLACEHOLDERS:
            view = f"recon_raw_{name}"
            raw_frame(spark, src, *RAW_PLACEHOLDERS[name]).createOrReplaceTempView(view)
        elif name == FILE_COUNTS:
            file = src.raw_dir / "file_counts.parquet"
            if not file.is_file():
                raise FrameError(f"cannot read the data of suite {suite}: {file} not found")
            view = "recon_raw_file_counts"
            spark.read.parquet(file.as_posix()).createOrReplaceTempView(view)
        else:
            schema, table = WAREHOUSE_PLACEHOLDERS[name]
            view = f"{schema}.{table}"
            if not spark.catalog.tableExists(view):
                raise FrameError(f"cannot read the data of suite {suite}: no table {view} in "
                                 "the Spark catalog (build the dbt project on Spark first)")
        views[name] = view
    sql = spark_sql(suite, views)
    params = frame_parameters(frame_template(suite).replace("{", "").replace("}", ""), src)
    try:
        return spark.sql(sql, args=params or None)
    except AnalysisException as exc:
        raise FrameError(f"cannot read the data of suite {suite}: {exc}") from None

