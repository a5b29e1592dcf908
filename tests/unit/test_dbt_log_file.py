"""How a close's `dbt build` writes OUT/dbt/<cycle>/dbt.log (RECON_DBT_LOG_LEVEL_FILE)."""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt.cli.main import cli

from recon_pipeline.lib.dbt_manifest import DBT_PROJECT_DIR
from recon_pipeline.settings import DBT_LOG_LEVELS, Settings, SettingsError, dbt_log_file_args


def _build_params(args: list[str]) -> dict[str, object]:
    """The parameters dbt's own `build` command parses from ``args`` (dbt validates choices)."""
    build = cli.commands["build"]
    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    with build.make_context("build", [*args, *project]) as context:
        return dict(context.params)


def test_by_default_the_file_log_is_dbts_run_log_as_text(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    monkeypatch.delenv("RECON_DBT_LOG_LEVEL_FILE", raising=False)
    params = _build_params(dbt_log_file_args())
    assert params["log_level_file"] == "info"
    assert params["log_format_file"] == "debug"  # dbt's text lines with time stamps
    assert params["use_colors_file"] is False


def test_debug_brings_back_every_query_as_json_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECON_DBT_LOG_LEVEL_FILE", " DEBUG ")
    params = _build_params(dbt_log_file_args())
    assert params["log_level_file"] == "debug"
    assert params["log_format_file"] == "json"


@pytest.mark.parametrize("level", DBT_LOG_LEVELS)
def test_every_level_is_one_dbt_accepts(monkeypatch: pytest.MonkeyPatch, level: str) -> None:
    monkeypatch.setenv("RECON_DBT_LOG_LEVEL_FILE", level)
    assert _build_params(dbt_log_file_args())["log_level_file"] == level


def test_an_unknown_level_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECON_DBT_LOG_LEVEL_FILE", "verbose")
    with pytest.raises(ValueError, match="RECON_DBT_LOG_LEVEL_FILE must be one of"):
        dbt_log_file_args()


def test_a_bad_level_stops_the_run_before_it_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings.resolve (the CLI's preflight, the settings resource) refuses it in one line."""
    with pytest.raises(SettingsError, match="RECON_DBT_LOG_LEVEL_FILE must be one of"):
        Settings.resolve(environ={"RECON_DBT_LOG_LEVEL_FILE": "loud"})
    assert Settings.resolve(environ={"RECON_DBT_LOG_LEVEL_FILE": "warn"}).warehouse == "duckdb"


def test_recon_run_refuses_a_bad_level_in_one_line(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from recon_pipeline.cli import main

    monkeypatch.setenv("RECON_DBT_LOG_LEVEL_FILE", "loud")
    status = main(["run", "--cycle", "2026-10", "--sources", str(tmp_path),
                   "--out", str(tmp_path / "out")])
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "RECON_DBT_LOG_LEVEL_FILE must be one of" in err
    assert not (tmp_path / "out").exists()  # stopped before the run made anything
