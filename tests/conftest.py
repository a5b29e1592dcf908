"""Shared fixtures: generated sources directories, built once per session."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket

import pytest

from recon_pipeline.generate import GenerateStats, generate
from recon_pipeline.lib.dbt_manifest import prepare_if_stale


def pytest_sessionstart(session: pytest.Session) -> None:
    """The dbt manifest the code location reads, prepared once (as `make` does) if stale."""
    del session
    prepare_if_stale()


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GenerateStats:
    """The demo-sized generated sources (three cycles, two months of history)."""
    out = tmp_path_factory.mktemp("generated") / "sources"
    return generate(out, seed=11, scale=1.0, cycles=("2026-08", "2026-10"))


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


#: Tests that share the session's one pipeline run (tests/integration/conftest.py ``pipeline``).
PIPELINE_GROUP = "pipeline-run"
#: Modules that compare with the sample built on DuckDB (tests/dbt/conftest.py ``sample_duckdb``):
#: one worker builds it once for all of them.
SAMPLE_GROUP = "dbt-sample"
#: The modules that build the sample on Spark as well (tests/dbt/test_spark_parity.py): a long
#: build (426 s at load in CI with the unit tests, 73 s at load 5 without them, -n 0), a group of
#: its own started early instead of behind the DuckDB and PostgreSQL builds of ``SAMPLE_GROUP``.
SPARK_SAMPLE_GROUP = "dbt-sample-spark"
#: The longest groups, longest first (``make test`` in CI, 2 cores, at load: the pipeline run
#: 231 s and the tests on it, the fan-out's multiprocess run and the close workflow in a browser
#: 248 s among them; `dagster dev`'s UI run and backfill, 191 s for the backfill of three
#: cycles, now of the two the UI's run leaves: 189 s against 273 s for three, -n 0 at load
#: 10-15; the Spark build): started first, so that the groups left for the end are short ones.
LONGEST = (PIPELINE_GROUP, "tests.integration.test_ui_e2e", SPARK_SAMPLE_GROUP)


def _schedule_for_workers(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``make test`` runs ``--dist loadgroup``) a group runs on one worker:
    each module is a group, so its module fixtures are built once; the tests that share the
    pipeline run are one group, so it is built once and its tests keep their order; so are the
    modules that compare with the DuckDB build of the dbt sample (``SAMPLE_GROUP``), except
    those that build it on Spark (``SPARK_SAMPLE_GROUP``, marked ``spark``), which have a group
    of their own. The ``LONGEST`` groups go first, in that order (each worker starts on one of
    the two longest), then the modules marked slow (each worker takes the next group when it is
    free: the long ones first leave the short ones to even out the ends); otherwise the
    collection order. xdist gives a worker its next group as soon as two of its tests are left,
    so the Spark group's worker takes the next one when its Spark build is done. ``make test``
    passes --no-loadscope-reorder so that xdist keeps this order instead of sorting the groups
    by their number of tests."""
    def shares_the_run(item: pytest.Item) -> bool:
        return "pipeline" in getattr(item, "fixturenames", ())

    def module(item: pytest.Item) -> str:
        return getattr(getattr(item, "module", None), "__name__", "")

    def group(item: pytest.Item) -> str:
        if shares_the_run(item):
            return PIPELINE_GROUP
        if module(item) in on_sample:
            return SPARK_SAMPLE_GROUP if module(item) in on_spark else SAMPLE_GROUP
        return module(item)

    on_sample = {module(item) for item in items
                 if "sample_duckdb" in getattr(item, "fixturenames", ())}
    on_spark = {module(item) for item in items
                if module(item) in on_sample and "spark" in item.keywords}
    for item in items:
        item.add_marker(pytest.mark.xdist_group(group(item) or item.nodeid))
    def rank(item: pytest.Item) -> int:
        return LONGEST.index(group(item)) if group(item) in LONGEST else len(LONGEST)

    items.sort(key=lambda item: (rank(item), item.get_closest_marker("slow") is None))


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Groups for the test workers; tests that need a server (or local Spark) are required when
    CI is set, skipped elsewhere if it is down (not installed)."""
    del config
    _schedule_for_workers(items)
    if os.environ.get("CI"):
        return
    missing = {marker: f"{name} is not listening on 127.0.0.1:{port}"
               for marker, port, name in (("postgres", 5432, "PostgreSQL"), ("nats", 4222, "NATS"))
               if not _listening("127.0.0.1", port)}
    if not _spark_installed():
        missing["spark"] = "no local Spark: pip install -e '.[spark]' and Java 17"
    for marker, reason in missing.items():
        skip = pytest.mark.skip(reason=reason)
        for item in items:
            if marker in item.keywords:
                item.add_marker(skip)

def _spark_installed() -> bool:
    """dbt-spark with PySpark (the `spark` extra) and a Java runtime for its session."""
    find = importlib.util.find_spec
    return bool(find("pyspark") and find("dbt.adapters.spark")
                and (shutil.which("java") or os.environ.get("JAVA_HOME")))

