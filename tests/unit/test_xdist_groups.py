"""``make test``'s two workers keep a group together: the tests sharing the pipeline run on one
worker, which builds the run once, and each module's tests on one worker. pytest 9.2 with
pytest-xdist 3.8 silently lost this (xdist could no longer tag the node ids with the group), and
every worker built the session's pipeline run and the UI test's `dagster dev` and backfill
again. A small suite in tmp_path, grouped by this project's own hook (tests/conftest.py), run
the way ``make test`` runs the real one; the modules on the dbt sample keep a group (its
DuckDB build made once), except the Spark one's, which starts beside the pipeline run's."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CONFTEST = '''
import os
from pathlib import Path

import pytest

from tests.conftest import pytest_collection_modifyitems  # noqa: F401  the hook under test

LOG = Path(__file__).with_name("log.txt")


def record(what):
    with LOG.open("a") as f:
        f.write(f"{os.environ.get('PYTEST_XDIST_WORKER', '-')} {what}\\n")


@pytest.fixture(scope="session")
def pipeline():
    record("built-pipeline")


@pytest.fixture(scope="session")
def sample_duckdb():
    record("built-sample")
'''

MODULES = {
    "test_a.py": '''
import pytest
from conftest import record

@pytest.mark.parametrize("i", range(4))
def test_uses_the_run(pipeline, i):
    record(f"pipeline a{i}")

@pytest.mark.parametrize("i", range(4))
def test_plain(i):
    record(f"test_a a{i}")
''',
    "test_b.py": '''
import pytest
from conftest import record

def test_uses_the_run(pipeline):
    record("pipeline b")

@pytest.mark.parametrize("i", range(6))
def test_plain(i):
    record(f"test_b b{i}")
''',
    "test_c.py": '''
import pytest
from conftest import record

@pytest.mark.parametrize("i", range(6))
def test_plain(i):
    record(f"test_c c{i}")
''',
    "test_d.py": '''
import pytest
from conftest import record

@pytest.mark.parametrize("i", range(3))
def test_on_the_sample(sample_duckdb, i, request):
    record(f"sample d{i} {request.node.get_closest_marker('xdist_group').args[0]}")

def test_plain(request):
    record(f"sample d-plain {request.node.get_closest_marker('xdist_group').args[0]}")
''',
    "test_e.py": '''
import pytest
from conftest import record

pytestmark = pytest.mark.spark

@pytest.mark.parametrize("i", range(3))
def test_on_the_sample(sample_duckdb, i, request):
    record(f"spark e{i} {request.node.get_closest_marker('xdist_group').args[0]}")
''',
}


def test_groups_stay_on_one_worker_and_the_run_is_built_once(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    for name, text in MODULES.items():
        (tmp_path / name).write_text(text)
    # Not the outer run's worker variables (this test itself may run on a worker).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env["PYTHONPATH"] = str(ROOT)
    env["CI"] = "1"  # the hook skips nothing then: not test_e.py's `spark` tests without Spark
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup",
         "--no-loadscope-reorder", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
         str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
        check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    workers: dict[str, set[str]] = defaultdict(set)
    lines = (tmp_path / "log.txt").read_text().splitlines()
    for line in lines:
        worker, what = line.split(" ", 1)
        workers[what.split()[0]].add(worker)
    assert sum(1 for line in lines if line.endswith("built-pipeline")) == 1, lines
    assert len([line for line in lines if " built-" not in line]) == 28, lines
    for group in ("pipeline", "test_a", "test_b", "test_c", "sample", "spark"):
        assert len(workers[group]) == 1, (group, lines)
    # The Spark build of the sample is a group of its own, the second: each worker starts on
    # one of the two longest groups.
    groups: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        what = line.split()[1:]
        if what[0] in ("sample", "spark"):
            groups[what[0]].add(what[-1])
    assert len(groups["sample"]) == len(groups["spark"]) == 1, groups
    assert groups["sample"] != groups["spark"], groups
    assert workers["pipeline"] != workers["spark"], lines
