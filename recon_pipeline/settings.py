"""Run settings: where the sources are, where outputs go, which ERP, which reporting currency.

Dagster-free, so that ``recon`` can check a run before it starts and the ``settings`` resource
resolves the very same values at run time. Environment variables are read only when
:meth:`Settings.resolve` is called, never at import time.

Precedence, highest first: explicit value (command-line option or Dagster run config),
environment variable, the reconciliation config file (``--config`` / ``RECON_CONFIG``, the
format of config/recon.yml), default.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from recon_pipeline.lib.cycles import is_cycle
from recon_pipeline.lib.memory import ENV as MEMORY_ENV
from recon_pipeline.lib.memory import duckdb_memory_limit
from recon_pipeline.lib.sources import default_erp_url, sources_dir_problem

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from recon_pipeline.lib.config import ReconConfig
    from recon_pipeline.lib.storage import Storage

ENV_SOURCES_DIR = "RECON_SOURCES_DIR"
ENV_OUT_DIR = "RECON_OUT_DIR"
#: The local work folder when OUT is a URL (docs/outputs.md, "Object storage").
ENV_WORK_DIR = "RECON_WORK_DIR"
ENV_ERP_URL = "RECON_ERP_URL"
ENV_ERP_PASSWORD = "RECON_ERP_PASSWORD"
#: ERP URL backends that name a file, not a server: RECON_ERP_PASSWORD is not added to them.
FILE_BACKENDS = ("sqlite",)
ENV_REPORTING_CURRENCY = "RECON_REPORTING_CURRENCY"
ENV_CONFIG = "RECON_CONFIG"
ENV_WAREHOUSE = "RECON_WAREHOUSE"

DEFAULT_SOURCES_DIR = Path("data/demo/sources")
DEFAULT_OUT_DIR = Path("data/demo/out")
DEFAULT_REPORTING_CURRENCY = "USD"
#: The engines the dbt project builds on for a run: the warehouse holding the marts and findings
#: (docs/spark.md). The first is the default.
WAREHOUSES = ("duckdb", "spark")
DEFAULT_WAREHOUSE = WAREHOUSES[0]
#: Where the cycle partitions start when neither the config nor the sources say.
DEFAULT_FIRST_CYCLE = "2020-01"


_CURRENCY = re.compile(r"^[A-Z]{3}$")


class SettingsError(ValueError):
    """A run cannot start. The message says, in one line, what is wrong and what to do."""


#: dbt's own levels for its log file OUT/dbt/<cycle>/dbt.log.
DBT_LOG_LEVELS = ("debug", "info", "warn", "error", "none")
ENV_DBT_LOG_LEVEL_FILE = "RECON_DBT_LOG_LEVEL_FILE"


def dbt_log_file_args(environ: Mapping[str, str] | None = None) -> list[str]:
    """How dbt writes OUT/dbt/<cycle>/dbt.log: RECON_DBT_LOG_LEVEL_FILE, else ``info``.

    At dbt's default (debug, and JSON lines, as dagster-dbt asks dbt's console for JSON) the
    file got about 4,800 debug lines a warm demo cycle (each SQL query, connection and
    compiled node, 6-7 MB): dbt's logging was 11.2 s of 54 s of py-spy samples of the
    cycle's dbt process; 5.5 s at info in JSON, 4.3 s at info as text (load 11-13). At
    info the file is dbt's run log (a line per node started and finished, the summary, 75 kB),
    as text with time stamps (dbt's ``debug`` line format, no colour codes: no JSON to build);
    ``debug`` gives every query back, as JSON lines as before. :meth:`Settings.resolve`
    checks it, so a bad value stops ``recon run`` before the run, not at its warehouse step."""
    env = os.environ if environ is None else environ
    level = env.get(ENV_DBT_LOG_LEVEL_FILE, "").strip().lower() or "info"
    if level not in DBT_LOG_LEVELS:
        raise SettingsError(f"{ENV_DBT_LOG_LEVEL_FILE} must be one of "
                            f"{', '.join(DBT_LOG_LEVELS)}, not {level!r}")
    file_format = "json" if level == "debug" else "debug"
    return ["--log-level-file", level, "--log-format-file", file_format, "--no-use-colors-file"]


def parse_cycle_format(text: str) -> str:
    """Return ``text`` if it is written as a month, ``YYYY-MM``."""
    if not is_cycle(text):
        raise SettingsError(f"cycle {text!r} is not a month: write it as YYYY-MM, e.g. 2026-09")
    return text


def parse_cycle(text: str, *, today: date | None = None) -> str:
    """Return ``text`` if it names a close cycle (``YYYY-MM``) that has already ended."""
    parse_cycle_format(text)
    year, month = int(text[:4]), int(text[5:7])
    next_month = date(year + month // 12, month % 12 + 1, 1)
    if next_month > (today or datetime.now(UTC).date()):
        raise SettingsError(
            f"cycle {text} has not ended yet: a cycle is reconciled on sources exported after "
            "its last day; pick an earlier month"
        )
    return text


def configured_first_cycle(environ: Mapping[str, str] | None = None) -> str:
    """The first close cycle, where the cycle partitions start; read when the code location
    loads. ``first_cycle`` of the config file (``RECON_CONFIG``, else config/recon.yml), else
    the month of the earliest customer in the sources ``RECON_SOURCES_DIR`` names (``make dev``
    and ``recon run`` set it), else 2020-01. Raises SettingsError (one line) for a bad file."""
    env = os.environ if environ is None else environ
    path = env.get(ENV_CONFIG)
    config = load_config_file(Path(path).absolute() if path else None)
    sources = env.get(ENV_SOURCES_DIR)
    return (config.first_cycle or (earliest_customer_cycle(Path(sources)) if sources else None)
            or DEFAULT_FIRST_CYCLE)


def earliest_customer_cycle(sources_dir: Path) -> str | None:
    """The month of the earliest ``created`` in ``billing/customers.jsonl`` (or ``.jsonl.gz``);
    None when there is no such file or no readable ``created``. Unreadable lines are skipped:
    extraction quarantines them, this only picks where the partitions start."""
    import gzip
    import json

    from recon_pipeline.lib.cycles import cycle_of

    billing = sources_dir / "billing"
    earliest: int | None = None
    for path in (billing / "customers.jsonl", billing / "customers.jsonl.gz"):
        if not path.is_file():
            continue
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8", errors="replace") as lines:
            for line in lines:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                objects = record.get("data") if isinstance(record, dict) and record.get(
                    "object") == "list" else [record]
                for obj in objects if isinstance(objects, list) else []:
                    created = obj.get("created") if isinstance(obj, dict) else None
                    if isinstance(created, int) and not isinstance(created, bool) and (
                            earliest is None or created < earliest):
                        earliest = created
    if earliest is None:
        return None
    try:
        return cycle_of(earliest)
    except (OverflowError, OSError, ValueError):
        return None


def check_cycle_in_partitions(cycle: str, first_cycle: str) -> None:
    """Raise unless ``cycle`` is one of the partitions, which start at ``first_cycle``."""
    if cycle < first_cycle:
        raise SettingsError(
            f"cycle {cycle} is before the first cycle, {first_cycle}: pick a later month, or set "
            "first_cycle in the config file (--config)"
        )


def parse_cycle_range(text: str) -> tuple[str, str]:
    """Parse ``FIRST:LAST`` (both ``YYYY-MM``, FIRST <= LAST) as given to ``recon generate``."""
    first, sep, last = text.partition(":")
    if not sep or not is_cycle(first) or not is_cycle(last) or first > last:
        raise SettingsError(
            f"--cycles {text!r} is not a range of months: write FIRST:LAST, e.g. 2026-08:2026-10"
        )
    return first, last


def load_config_file(path: Path | None) -> ReconConfig:
    """The reconciliation settings of ``path`` (YAML, the format of config/recon.yml) over
    the defaults; the defaults alone when ``path`` is None."""
    from recon_pipeline.lib.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:  # YAML parser messages span lines: the user gets one
        raise SettingsError(" ".join(str(exc).split())) from None


def parse_warehouse(text: str) -> str:
    """Return ``text`` (lower-cased) if it names one of :data:`WAREHOUSES`."""
    name = text.strip().lower()
    if name not in WAREHOUSES:
        raise SettingsError(
            f"warehouse {text!r} is not one of {', '.join(WAREHOUSES)}: pass --warehouse or set "
            f"{ENV_WAREHOUSE} to one of them"
        )
    return name


def reject_password_in_url(url: str, *, where: str) -> None:
    """Refuse an ERP URL with a password where it would show in logs or process lists."""
    if _make_url(url).password is not None:
        raise SettingsError(
            f"{where} contains a password: remove it and set {ENV_ERP_PASSWORD} instead"
        )


@dataclass(frozen=True)
class Settings:
    """The resolved settings of one run."""

    sources_dir: Path
    out_dir: Path
    erp_url: str
    reporting_currency: str
    config_file: Path | None = None
    #: OUT when it is a URL (``s3://bucket/recon``, any fsspec URL): the raw zone and the
    #: reports are published there, and :attr:`out_dir` is then the local work folder that
    #: keeps what cannot live on an object store (warehouse, run lock, dbt artifacts). None
    #: when OUT is a local folder (a plain path or a ``file://`` URL).
    out_url: str | None = None
    #: Where dbt builds the marts and findings: one of :data:`WAREHOUSES`.
    warehouse: str = DEFAULT_WAREHOUSE

    @classmethod
    def resolve(
        cls,
        *,
        sources_dir: str | None = None,
        out_dir: str | None = None,
        erp_url: str | None = None,
        reporting_currency: str | None = None,
        config_file: str | None = None,
        warehouse: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Fill what was not given explicitly from ``environ`` (default: the process's), then
        from the defaults. The ERP password is never part of the result.
        """
        env = os.environ if environ is None else environ
        sources = Path(sources_dir or env.get(ENV_SOURCES_DIR) or DEFAULT_SOURCES_DIR)
        out, out_url = out_location(str(out_dir or env.get(ENV_OUT_DIR) or DEFAULT_OUT_DIR),
                                    env)
        url = erp_url or env.get(ENV_ERP_URL) or default_erp_url(sources)
        config_text = config_file or env.get(ENV_CONFIG)
        config = Path(config_text).absolute() if config_text else None
        configured = load_config_file(config).reporting_currency if config else None
        currency = (
            reporting_currency
            or env.get(ENV_REPORTING_CURRENCY)
            or configured
            or DEFAULT_REPORTING_CURRENCY
        ).upper()
        if not _CURRENCY.match(currency):
            raise SettingsError(
                f"reporting currency {currency!r} is not an ISO 4217 code such as USD or EUR"
            )
        engine = parse_warehouse(warehouse or env.get(ENV_WAREHOUSE) or DEFAULT_WAREHOUSE)
        dbt_log_file_args(env)  # a bad level stops the run here, in one line
        return cls(sources.absolute(), out.absolute(), url, currency, config, out_url=out_url,
                   warehouse=engine)

    def recon_config(self) -> ReconConfig:
        """Tolerances, windows and severities of this run (config/recon.yml and ``config_file``)."""
        return load_config_file(self.config_file)

    def dbt_vars(self) -> dict[str, object]:
        """The vars every dbt invocation of a run gets: the reconciliation settings (the
        reporting currency as resolved here). They are the same for every cycle of an OUT, so
        dbt keeps its parsed project from one cycle's build to the next (it parses all again
        when the --vars differ); what changes with the cycle is :meth:`dbt_env`."""
        return {
            **self.recon_config().dbt_vars(),
            "reporting_currency": self.reporting_currency,
        }

    def dbt_run_values(self, cycle: str) -> dict[str, str]:
        """The values of one run of the dbt project: the cycle, the cycle window it writes (the
        partition: that cycle alone; dbt_project/macros/partitions.sql), the output directory
        and the raw zone's root. The project reads each as the var of that name when given, else
        as the environment variable ``RECON_DBT_<NAME>`` (:meth:`dbt_env`)."""
        return {
            "cycle": cycle,
            "min_cycle": cycle,
            "max_cycle": cycle,
            "out_dir": self.out_dir.as_posix(),
            "raw_root": self.raw_root(),
        }

    def dbt_env(self, cycle: str) -> dict[str, str]:
        """:meth:`dbt_run_values` as the environment variables a Dagster run gives dbt: the
        project reads them when a node runs, never at parse time, so a run of another cycle
        re-parses nothing, where a changed --vars re-parses the whole project. With them, DuckDB's
        memory limit in the build (``RECON_DUCKDB_MEMORY_LIMIT``, the profile's ``memory_limit``)
        as the close's memory budget gives it (lib/memory.py), unless the environment sets it."""
        return {**{f"RECON_DBT_{name.upper()}": value
                   for name, value in self.dbt_run_values(cycle).items()},
                MEMORY_ENV["dbt"]: duckdb_memory_limit("dbt")}

    def raw_root(self) -> str:
        """Where the dbt project reads the raw zone (the var ``raw_root``; the sources' external
        locations): OUT's URL when OUT is one and the warehouse is Spark, whose cluster reads the
        published copy there (each extraction step uploads its tables before it ends); else the
        local folder, since DuckDB reads no object store here (no httpfs) and PostgreSQL's
        loader reads local files."""
        if self.out_url is not None and self.warehouse == "spark":
            return f"{self.out_url.rstrip('/')}/raw"
        return (self.out_dir / "raw").as_posix()

    def raw_dir(self, cycle: str) -> Path:
        """Raw zone of ``cycle``: the sources landed as Parquet, read by the dbt project."""
        return self.out_dir / "raw" / cycle

    def published(self) -> Storage | None:
        """Where the raw zone and the reports are published when OUT is a URL, else None."""
        from recon_pipeline.lib.storage import resolve

        return resolve(self.out_url) if self.out_url else None

    def erp_url_with_secret(self, environ: Mapping[str, str] | None = None) -> URL:
        """The ERP URL to connect with: ``RECON_ERP_PASSWORD``, if set, supplies the password
        of a server's URL; a SQLite URL (a file) is used as it is, whatever the variable says."""
        env = os.environ if environ is None else environ
        url = _make_url(self.erp_url)
        password = env.get(ENV_ERP_PASSWORD)
        if url.get_backend_name() in FILE_BACKENDS:  # a file: no server, no password
            return url
        return url.set(password=password) if password else url

    def erp_display_url(self) -> str:
        """The ERP URL with its password, if any, masked: for messages and logs."""
        return self.erp_url_with_secret().render_as_string(hide_password=True)

    def check_sources_dir(self) -> None:
        """Raise unless :attr:`sources_dir` is a sources directory (docs/sources.md)."""
        check_sources_dir(self.sources_dir)

    def check_erp(self, timeout_s: int = 10) -> None:
        """Raise unless the ERP database answers a trivial query within ``timeout_s``."""
        from sqlalchemy import create_engine, text
        from sqlalchemy.exc import SQLAlchemyError

        url = self.erp_url_with_secret()
        what_to_do = f"check --erp-url / {ENV_ERP_URL} and {ENV_ERP_PASSWORD}"
        database = url.database if url.get_backend_name() == "sqlite" else None
        # Connecting would create a missing SQLite file, so its absence is checked first.
        if database and database != ":memory:" and not Path(database).is_file():
            raise SettingsError(
                f"no ERP database at {database}: put ledger.sqlite there, "
                f"or point --erp-url / {ENV_ERP_URL} at the ERP"
            )
        if database and database != ":memory:":
            from recon_pipeline.lib.sources import sqlite_file_problem

            problem = sqlite_file_problem(Path(database))
            if problem:
                raise SettingsError(
                    f"the ERP database {database} {problem}: replace it with the ERP's "
                    f"ledger.sqlite, or point --erp-url / {ENV_ERP_URL} at the ERP"
                )
        connect_args = {"connect_timeout": timeout_s} if url.get_backend_name() != "sqlite" else {}
        try:
            engine = create_engine(url, connect_args=connect_args)
            try:
                with engine.connect() as connection:
                    connection.execute(text("select 1"))
            finally:
                engine.dispose()
        except (SQLAlchemyError, ImportError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SettingsError(
                f"cannot reach the ERP at {self.erp_display_url()} ({reason}); {what_to_do}"
            ) from None


def out_location(text: str, environ: Mapping[str, str] | None = None
                 ) -> tuple[Path, str | None]:
    """(local OUT folder, OUT's URL or None) of OUT as given: a plain path or a ``file://``
    URL is the local folder itself; any other URL keeps its raw zone and reports there and
    the rest in ``RECON_WORK_DIR``, by default a folder of the user's cache named after it."""
    from recon_pipeline.lib.storage import StorageError, resolve

    env = os.environ if environ is None else environ
    try:
        where = resolve(text)
    except StorageError as exc:
        raise SettingsError(f"{exc}; check --out / {ENV_OUT_DIR}") from None
    if where.local is not None:
        return where.local, None
    work = env.get(ENV_WORK_DIR)
    if not work:
        cache = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", where.url).strip("_")
        work = str(cache / "recon-pipeline" / name)
    return Path(work), where.url


def check_sources_dir(path: Path) -> None:
    """Raise unless ``path`` is a directory holding at least one source system's folder."""
    problem = sources_dir_problem(path, how=f"pass --sources DIR (or set {ENV_SOURCES_DIR})")
    if problem:
        raise SettingsError(problem)


def _make_url(url: str) -> URL:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except ArgumentError:
        # The URL itself is not echoed: it may hold a password.
        raise SettingsError(
            "the ERP URL is not a SQLAlchemy URL: write it like "
            "postgresql+psycopg://user@host:5432/db or sqlite:////abs/path/ledger.sqlite"
        ) from None
