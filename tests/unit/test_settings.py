"""Run settings: cycles, precedence, the ERP URL and its password, config files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from recon_pipeline.lib.cycles import is_cycle
from recon_pipeline.settings import (
    DEFAULT_FIRST_CYCLE,
    Settings,
    SettingsError,
    check_cycle_in_partitions,
    check_sources_dir,
    configured_first_cycle,
    earliest_customer_cycle,
    load_config_file,
    parse_cycle,
    parse_cycle_range,
)

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize("cycle", ["2026-10", "2025-12", "2020-01"])
def test_ended_cycles_are_accepted(cycle: str) -> None:
    assert parse_cycle(cycle, today=TODAY) == cycle


@pytest.mark.parametrize("cycle", ["2026-11", "2027-01", "2026-13", "2026-9", "202609", "",
                                   "0000-01", "2026-09\n", " 2026-09", "2026-09-01"])
def test_other_cycles_are_refused(cycle: str) -> None:
    with pytest.raises(SettingsError):
        parse_cycle(cycle, today=TODAY)


def test_december_ends_on_new_year() -> None:
    assert parse_cycle("2025-12", today=date(2026, 1, 1)) == "2025-12"
    with pytest.raises(SettingsError, match="not ended"):
        parse_cycle("2025-12", today=date(2025, 12, 31))


def test_cycle_range() -> None:
    assert parse_cycle_range("2026-08:2026-10") == ("2026-08", "2026-10")
    for bad in ("2026-10:2026-08", "2026-08", "2026-08:", "a:b"):
        with pytest.raises(SettingsError):
            parse_cycle_range(bad)


def test_explicit_beats_environment_beats_default(tmp_path: Path) -> None:
    env = {"RECON_SOURCES_DIR": str(tmp_path / "env"), "RECON_REPORTING_CURRENCY": "eur"}
    settings = Settings.resolve(out_dir=str(tmp_path / "out"), environ=env)
    assert settings.sources_dir == tmp_path / "env"
    assert settings.out_dir == tmp_path / "out"
    assert settings.reporting_currency == "EUR"
    assert settings.erp_url == f"sqlite:///{tmp_path / 'env' / 'erp' / 'ledger.sqlite'}"
    assert Settings.resolve(environ={}).reporting_currency == "USD"
    assert Settings.resolve(environ={}).sources_dir == Path("data/demo/sources").absolute()


def test_bad_reporting_currency() -> None:
    with pytest.raises(SettingsError, match="ISO 4217"):
        Settings.resolve(reporting_currency="dollars", environ={})


def test_warehouse_explicit_beats_environment_beats_default() -> None:
    assert Settings.resolve(environ={}).warehouse == "duckdb"
    assert Settings.resolve(environ={"RECON_WAREHOUSE": "Spark"}).warehouse == "spark"
    assert Settings.resolve(warehouse="duckdb",
                            environ={"RECON_WAREHOUSE": "spark"}).warehouse == "duckdb"
    with pytest.raises(SettingsError, match="RECON_WAREHOUSE"):
        Settings.resolve(environ={"RECON_WAREHOUSE": "snowflake"})


def test_warehouse_of_the_settings_resource_and_of_recon_run() -> None:
    import dagster as dg

    from recon_pipeline.cli import _parser
    from recon_pipeline.defs.shared.resources import ReconSettings

    assert ReconSettings(warehouse="spark").resolve().warehouse == "spark"
    with pytest.raises(dg.Failure, match="not one of duckdb, spark"):
        ReconSettings(warehouse="hive").resolve()
    args = _parser().parse_args(["run", "--cycle", "2026-09", "--warehouse", "spark"])
    assert args.warehouse == "spark"
    with pytest.raises(SystemExit):
        _parser().parse_args(["run", "--cycle", "2026-09", "--warehouse", "oracle"])


def test_erp_password_from_environment_only_when_connecting() -> None:
    env = {"RECON_ERP_URL": "postgresql+psycopg://recon@db:5432/erp", "RECON_ERP_PASSWORD": "pw"}
    settings = Settings.resolve(environ=env)
    assert "pw" not in settings.erp_url
    assert settings.erp_url_with_secret(env).password == "pw"
    assert "pw" not in settings.erp_display_url()


def test_unparseable_erp_url_is_not_echoed() -> None:
    settings = Settings.resolve(erp_url="not a url with s3cret", environ={})
    with pytest.raises(SettingsError) as raised:
        settings.erp_display_url()
    assert "s3cret" not in str(raised.value)


def test_config_file(tmp_path: Path) -> None:
    path = tmp_path / "recon.yml"
    path.write_text("reporting_currency: GBP\ntolerance_minor: 5\n")
    config = load_config_file(path)
    assert (config.reporting_currency, config.tolerance_minor, config.grace_days) == ("GBP", 5, 3)
    settings = Settings.resolve(config_file=str(path), environ={})
    assert settings.reporting_currency == "GBP"
    assert settings.dbt_vars()["tolerance_minor"] == 5
    assert Settings.resolve(config_file=str(path), reporting_currency="EUR",
                            environ={}).reporting_currency == "EUR"
    path.write_text("tolerance: 0.01\n")
    with pytest.raises(SettingsError, match="unknown setting"):
        load_config_file(path)
    path.write_text("tolerance_minor: [unclosed\n")
    with pytest.raises(SettingsError, match="not valid YAML"):
        load_config_file(path)


def test_sources_dir_check(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        check_sources_dir(tmp_path / "missing")
    with pytest.raises(SettingsError, match="not a sources directory"):
        check_sources_dir(tmp_path)
    (tmp_path / "reference").mkdir()
    check_sources_dir(tmp_path)


def test_one_cycle_pattern_matched_whole() -> None:
    assert is_cycle("2026-09") and is_cycle("0001-12")
    for text in ("2026-09\n", "0000-01", "2026-00", "x2026-09", None, 202609):
        assert not is_cycle(text), text


def test_a_cycle_before_the_partitions_is_refused_in_one_line() -> None:
    check_cycle_in_partitions("2020-01", "2020-01")
    with pytest.raises(SettingsError, match="before the first cycle, 2020-01") as raised:
        check_cycle_in_partitions("2019-12", "2020-01")
    assert "\n" not in str(raised.value)


def _customers(folder: Path, lines: list[str], name: str = "customers.jsonl") -> Path:
    (folder / "billing").mkdir(parents=True, exist_ok=True)
    data = "".join(line + "\n" for line in lines).encode()
    if name.endswith(".gz"):
        import gzip

        data = gzip.compress(data)
    (folder / "billing" / name).write_bytes(data)
    return folder


def test_the_first_cycle_is_the_earliest_customer_month(tmp_path: Path) -> None:
    sources = _customers(tmp_path, [
        '{"id": "cus_1", "created": 1788220800}',  # 2026-09-01
        "not json",
        '{"id": "cus_2", "created": "1700000000"}',  # text: not a timestamp, skipped
        '{"object": "list", "data": [{"id": "cus_3", "created": 1785542399}]}',  # 2026-07-31
    ])
    _customers(tmp_path, ['{"id": "cus_4", "created": 1788220800}'], "customers.jsonl.gz")
    assert earliest_customer_cycle(sources) == "2026-07"
    assert earliest_customer_cycle(tmp_path / "nowhere") is None
    assert configured_first_cycle({"RECON_SOURCES_DIR": str(sources)}) == "2026-07"
    assert configured_first_cycle({}) == DEFAULT_FIRST_CYCLE == "2020-01"


def test_a_configured_first_cycle_wins(tmp_path: Path) -> None:
    sources = _customers(tmp_path / "s", ['{"id": "cus_1", "created": 1788220800}'])
    config = tmp_path / "recon.yml"
    config.write_text("first_cycle: 2025-01\n")
    env = {"RECON_SOURCES_DIR": str(sources), "RECON_CONFIG": str(config)}
    assert configured_first_cycle(env) == "2025-01"
    config.write_text("first_cycle: 2025-13\n")
    with pytest.raises(SettingsError, match="first_cycle must be a month written YYYY-MM"):
        configured_first_cycle(env)
