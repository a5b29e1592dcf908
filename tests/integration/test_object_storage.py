"""``recon run --out URL``: the raw zone and the reports land on the URL's filesystem.

The run executes in this process (as ``recon run`` executes its job in its own), so fsspec's
in-memory filesystem stands for an object store: no network here. Its local work folder
(RECON_WORK_DIR) is exactly what a run with a plain-path OUT writes, so the published copy is
compared with it file by file.
"""

from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path

import fsspec
import pyarrow.parquet as pq
import pytest

from recon_pipeline import cli
from tests.integration.test_cli import assert_one_line_error, recon

CYCLE = "2026-09"


@pytest.fixture(scope="module")
def small_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from recon_pipeline.generate import generate

    return generate(tmp_path_factory.mktemp("gen") / "sources", seed=5, scale=0.05,
                    cycles=(CYCLE, CYCLE), history_months=1).out


def test_run_publishes_the_raw_zone_and_reports_to_a_url(
        small_sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("RECON_OUT_DIR", "RECON_CONFIG", "RECON_ERP_URL"):
        monkeypatch.delenv(name, raising=False)
    # what `recon run` sets for its code location, put back after the test
    monkeypatch.setenv("RECON_SOURCES_DIR", str(small_sources))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    work = tmp_path / "work"
    monkeypatch.setenv("RECON_WORK_DIR", str(work))
    bucket = f"recon-{uuid.uuid4().hex}"
    url = f"memory://{bucket}/out"
    memory = fsspec.filesystem("memory")
    try:
        status = cli.main(["run", "--sources", str(small_sources), "--cycle", CYCLE,
                           "--out", url])
        printed = capsys.readouterr().out
        assert status in (0, 1), printed  # 1: the cycle is not final (planted mismatches)
        assert f"OUT is {url}: raw zone and reports published there" in printed
        assert (work / "warehouse.duckdb").is_file() and (work / "dbt" / CYCLE).is_dir()

        published = sorted(p.removeprefix(f"/{bucket}/out/")
                           for p in memory.find(f"/{bucket}/out"))
        raw = work / "raw" / CYCLE
        local = sorted(
            f"raw/{CYCLE}/{p.relative_to(raw).as_posix()}" for p in raw.rglob("*")
            if p.is_file() and "_tmp" not in p.relative_to(raw).parts)
        assert [p for p in published if p.startswith("raw/")] == local
        assert f"raw/{CYCLE}/billing/invoices.parquet" in local
        assert f"raw/{CYCLE}/quarantine.parquet" in local
        for name in local:  # the same bytes as the plain-path raw zone
            assert memory.cat_file(f"/{bucket}/out/{name}") == (work / name).read_bytes(), name
        reports = work / "reports" / CYCLE
        assert sorted(p for p in published if p.startswith("reports/")) == sorted(
            f"reports/{CYCLE}/{p.relative_to(reports).as_posix()}" for p in reports.rglob("*")
            if p.is_file())
        with memory.open(f"/{bucket}/out/reports/{CYCLE}/mismatches.parquet", "rb") as f:
            mismatches = pq.read_table(f)
        assert mismatches.num_rows > 0
        assert mismatches.equals(pq.read_table(reports / "mismatches.parquet"))
        assert "exceptions.parquet" in published

        # recon check of the URL: the work folder's contract and the published copy
        assert cli.main(["check", url, CYCLE]) == 0, capsys.readouterr().out
        assert capsys.readouterr().out.endswith(f"{CYCLE}: contract kept\n")
        memory.rm_file(f"/{bucket}/out/raw/{CYCLE}/billing/invoices.parquet")
        assert cli.main(["check", url, CYCLE]) == 1
        assert capsys.readouterr().out.splitlines() == [
            f"{url}/raw/{CYCLE}/billing/invoices.parquet is missing (not published)",
            f"{CYCLE}: contract broken (1 problems)"]
    finally:
        if memory.exists(f"/{bucket}"):
            memory.rm(f"/{bucket}", recursive=True)


@pytest.mark.parametrize(("out", "needle"), [
    ("nosuchfs://bucket/recon", "Protocol not known: nosuchfs"),
    ("file://relative/out", "file:///abs/path"),
])
def test_run_on_a_bad_url_says_so_in_one_line(small_sources: Path, out: str, needle: str
                                             ) -> None:
    done = recon("run", "--sources", str(small_sources), "--cycle", CYCLE, "--out", out)
    assert done.returncode == 2
    assert_one_line_error(done, "recon run: cannot write to" if "nosuch" in out else "recon run",
                          needle, "--out")


def test_run_on_a_url_without_its_fsspec_package(small_sources: Path) -> None:
    if importlib.util.find_spec("s3fs") is not None:  # no dependency: only its absence is tested
        pytest.skip("s3fs is installed")
    done = recon("run", "--sources", str(small_sources), "--cycle", CYCLE,
                 "--out", "s3://bucket/recon")
    assert done.returncode == 2
    assert_one_line_error(done, "recon run: cannot write to s3://bucket/recon: Install s3fs")
