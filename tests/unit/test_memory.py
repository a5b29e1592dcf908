"""The close's memory budget (issue 12, item 6: "DuckDB memory limit and temp directory set
from the machine ... never more than 8 GiB peak for the whole process tree"): each stage's
DuckDB limit is its share of one budget, a variable of its own overrides it, and the limit
reaches every DuckDB the close opens: the extraction's, the quality stage's and dbt's."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from recon_pipeline.lib.extract import sqlkit
from recon_pipeline.lib.memory import (
    CLOSE_BUDGET,
    ENV,
    FLOOR,
    GIB,
    SHARE,
    close_budget,
    duckdb_memory_limit,
)
from recon_pipeline.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _mb(limit: str) -> int:
    return int(limit.removesuffix("MB")) * 2**20


def _setting(value: str) -> str:
    with duckdb.connect(config={"memory_limit": value}) as con:
        return str(con.execute("select current_setting('memory_limit')").fetchall()[0][0])


def test_the_stages_share_one_budget_of_at_most_8_gib() -> None:
    assert close_budget(24 * GIB) == CLOSE_BUDGET == 8 * GIB
    assert close_budget(6 * GIB) == 2 * GIB
    for machine in (4 * GIB, 24 * GIB, 256 * GIB):
        limits = {stage: _mb(duckdb_memory_limit(stage, {}, machine)) for stage in SHARE}
        assert all(limit >= FLOOR for limit in limits.values())
        # stages run one after another: each fits the budget beside what else it holds
        assert max(limits.values()) <= max(close_budget(machine), FLOOR)
    on_24 = {stage: duckdb_memory_limit(stage, {}, 24 * GIB) for stage in SHARE}
    assert on_24 == {"dbt": "6144MB", "extract": "2048MB", "quality": "2048MB"}
    assert duckdb_memory_limit("extract", {}, 2 * GIB) == "512MB"  # the floor


def test_a_stage_variable_overrides_its_share() -> None:
    env = {ENV["dbt"]: " 3GB ", ENV["quality"]: ""}
    assert duckdb_memory_limit("dbt", env, 24 * GIB) == "3GB"
    assert duckdb_memory_limit("quality", env, 24 * GIB) == "2048MB"  # empty: unset
    assert len(set(ENV.values())) == len(ENV)


def test_the_limit_reaches_the_extraction_and_dbt(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    monkeypatch.delenv(ENV["extract"], raising=False)
    monkeypatch.delenv(ENV["dbt"], raising=False)
    con = sqlkit.connect(tmp_path)
    try:
        found = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    finally:
        con.close()
    assert found == _setting(duckdb_memory_limit("extract"))
    monkeypatch.setenv(ENV["extract"], "700MB")
    con = sqlkit.connect(tmp_path)
    try:
        assert con.execute("select current_setting('memory_limit')").fetchall()[0][0] \
            == _setting("700MB")
    finally:
        con.close()
    # dbt: the environment a run gives dbt carries the limit the profile reads
    settings = Settings.resolve(sources_dir=str(tmp_path), out_dir=str(tmp_path / "out"),
                                environ={})
    env = settings.dbt_env("2026-10")
    assert env[ENV["dbt"]] == duckdb_memory_limit("dbt")
    profile = yaml.safe_load((ROOT / "dbt_project" / "profiles.yml").read_text())
    assert f"env_var('{ENV['dbt']}'" in profile["recon"]["outputs"]["duckdb"]["settings"][
        "memory_limit"]
