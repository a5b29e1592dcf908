"""``recon`` as a user runs it: a subprocess of the environment's own script, PATH without it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

RECON = Path(sys.executable).parent / "recon"
CYCLE = "2026-09"


def recon(*args: str, env: dict[str, str] | None = None,
          timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """Run ``recon`` as from an unactivated environment: its bin folder is not on PATH."""
    return subprocess.run(
        [str(RECON), *args],
        env=env if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECON_", "DAGSTER_"))}
    env["PATH"] = "/usr/bin:/bin"
    return {**env, **extra}


def assert_one_line_error(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    output = (done.stdout + done.stderr).strip()
    assert done.returncode != 0
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1, output
    for needle in needles:
        assert needle in output


@pytest.fixture
def tiny_sources(tmp_path: Path) -> Path:
    """A hand-made sources directory: a few rows per system, the ERP's three tables."""
    root = tmp_path / "sources"
    for system in ("billing", "payments", "erp", "usage", "crm", "reference"):
        (root / system).mkdir(parents=True)
    (root / "billing" / "customers.jsonl").write_text('{"id": "cus_1"}\n{"id": "cus_2"}\n')
    (root / "payments" / "charges.jsonl").write_text('{"id": "ch_1", "amount": 1000}\n')
    (root / "usage" / "api.jsonl").write_text('{"specversion": "1.0", "id": "e1"}')
    (root / "crm" / "accounts.csv").write_text("account_id,name\nacc_1,Acme\n")
    (root / "reference" / "legal_entities.csv").write_text(
        "entity_code,name,functional_currency,country\n"
        "US01,Acme Inc,USD,US\nDE01,Acme GmbH,eur,DE\n"
    )
    (root / "reference" / "fx_rates.csv").write_text(
        "date,currency,rate_to_reporting\n2026-09-30,EUR,1.0812345678\n2026-09-30,USD,1\n"
    )
    with sqlite3.connect(root / "erp" / "ledger.sqlite") as db:
        db.execute("create table gl_accounts (account_code text, name text, role text)")
        db.execute("create table erp_customers (customer_code text, name text)")
        db.execute("create table gl_journal_lines (journal_id text, line_no integer)")
    return root


def test_help_is_fast() -> None:
    done = recon("--help")
    assert done.returncode == 0
    assert "generate" in done.stdout and "serve" in done.stdout
    # What keeps it fast (a timed assertion would measure the machine's load): --help imports
    # none of Dagster, dbt, GX, Polars or DuckDB (benchmarks/bench_import.py prints the times).
    code = ("import sys\nfrom recon_pipeline import cli\ntry:\n    cli.main(['--help'])\n"
            "except SystemExit:\n    pass\n"
            "heavy = ('dagster', 'dbt', 'great_expectations', 'polars', 'duckdb')\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))")
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=120, env=clean_env())
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip().splitlines()[-1] == "[]"


def test_serve_without_secrets_says_so_in_one_line() -> None:
    done = recon("serve", "--port", "1")
    assert done.returncode == 2
    assert_one_line_error(done, "RECON_STRIPE_WEBHOOK_SECRET", "RECON_USAGE_TOKEN")


def test_run_missing_sources_says_so_in_one_line(tmp_path: Path) -> None:
    done = recon("run", "--sources", str(tmp_path / "nope"), "--cycle", CYCLE, "--out", "o")
    assert_one_line_error(done, "does not exist", "--sources")


def test_run_on_a_folder_that_is_not_a_sources_directory(tmp_path: Path) -> None:
    done = recon("run", "--sources", str(tmp_path), "--cycle", CYCLE, "--out", str(tmp_path))
    assert_one_line_error(done, "not a sources directory")


@pytest.mark.parametrize(
    ("cycle", "needle"), [("2026-13", "YYYY-MM"), ("09-2026", "YYYY-MM"), ("2999-01", "not ended")]
)
def test_run_bad_cycle(tiny_sources: Path, tmp_path: Path, cycle: str, needle: str) -> None:
    done = recon("run", "--sources", str(tiny_sources), "--cycle", cycle, "--out", str(tmp_path))
    assert_one_line_error(done, needle)


@pytest.mark.parametrize("cycle", ["2019-12", "0000-01", "2026-09\n"])
def test_run_cycle_outside_the_partitions(tiny_sources: Path, tmp_path: Path, cycle: str) -> None:
    done = recon("run", "--sources", str(tiny_sources), "--cycle", cycle, "--out", str(tmp_path))
    assert done.returncode == 2
    assert_one_line_error(done, "before the first cycle, 2020-01" if cycle == "2019-12"
                          else "YYYY-MM")


def test_run_takes_sources_and_out_from_the_environment(tiny_sources: Path,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "from-env"
    env = clean_env(RECON_SOURCES_DIR=str(tiny_sources), RECON_OUT_DIR=str(out))
    done = recon("run", "--cycle", "2019-12", env=env)
    assert_one_line_error(done, "cycle 2019-12 is before the first cycle")
    assert out.is_dir()  # the run got as far as creating RECON_OUT_DIR
    done = recon("run", "--cycle", CYCLE, env=clean_env(RECON_SOURCES_DIR=str(tmp_path / "no"),
                                                         RECON_OUT_DIR=str(out)))
    assert_one_line_error(done, f"sources directory {tmp_path / 'no'} does not exist")
    assert_one_line_error(recon("run", "--cycle", CYCLE, "--out", str(out)),
                          "--sources DIR is missing: pass it, or set RECON_SOURCES_DIR")
    assert_one_line_error(recon("run", "--cycle", CYCLE, "--sources", str(tiny_sources)),
                          "--out DIR is missing: pass it, or set RECON_OUT_DIR")


@pytest.mark.parametrize(("setting", "needle"), [
    ("grace_days: 100000000000000000000", "grace_days"),
    ('usage_tolerance: "1e999999999"', "usage_tolerance"),
    ("tolerance_minor: -1", "tolerance_minor"),
    ("coverage_window_hours: 1e20", "coverage_window_hours"),
])
def test_run_refuses_settings_out_of_bounds(tiny_sources: Path, tmp_path: Path, setting: str,
                                            needle: str) -> None:
    config = tmp_path / "recon.yml"
    config.write_text(setting + "\n")
    done = recon("run", "--sources", str(tiny_sources), "--cycle", CYCLE, "--out",
                 str(tmp_path / "out"), "--config", str(config))
    assert done.returncode == 2
    assert_one_line_error(done, needle)


def test_run_unreadable_config(tiny_sources: Path, tmp_path: Path) -> None:
    config = tmp_path / "recon.yml"
    config.write_text("tolerance_minor: [unclosed")
    args = ["--sources", str(tiny_sources), "--cycle", CYCLE, "--out", str(tmp_path / "out")]
    assert_one_line_error(recon("run", *args, "--config", str(config)), "not valid YAML")
    assert_one_line_error(recon("run", *args, "--config", str(tmp_path / "x.yml")), "cannot read")


def test_run_unreachable_erp(tiny_sources: Path, tmp_path: Path) -> None:
    url = "postgresql+psycopg://recon@127.0.0.1:9/ledger"
    args = ["--sources", str(tiny_sources), "--cycle", CYCLE, "--out", str(tmp_path / "out")]
    assert_one_line_error(recon("run", *args, "--erp-url", url), "cannot reach the ERP")


def test_run_refuses_a_password_in_an_argument(tiny_sources: Path, tmp_path: Path) -> None:
    url = "postgresql+psycopg://recon:s3cret@127.0.0.1:5432/ledger"
    args = ["--sources", str(tiny_sources), "--cycle", CYCLE, "--out", str(tmp_path / "out")]
    done = recon("run", *args, "--erp-url", url)
    assert_one_line_error(done, "RECON_ERP_PASSWORD")
    assert "s3cret" not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("url", "password"),
    [
        ("postgresql+psycopg://recon@127.0.0.1:9/ledger", "s3cret"),
        ("postgresql+psycopg://recon:s3cret@127.0.0.1:9/ledger", None),
    ],
)
def test_erp_password_comes_from_the_environment_and_is_never_shown(
    tiny_sources: Path, tmp_path: Path, url: str, password: str | None
) -> None:
    env = clean_env(RECON_ERP_URL=url, **({"RECON_ERP_PASSWORD": password} if password else {}))
    args = ["--sources", str(tiny_sources), "--cycle", CYCLE, "--out", str(tmp_path)]
    done = recon("run", *args, env=env)
    assert_one_line_error(
        done, "cannot reach the ERP at postgresql+psycopg://recon:***@127.0.0.1:9"
    )
    assert "s3cret" not in done.stdout + done.stderr


def test_run_without_erp_database(tiny_sources: Path, tmp_path: Path) -> None:
    (tiny_sources / "erp" / "ledger.sqlite").unlink()
    done = recon("run", "--sources", str(tiny_sources), "--cycle", CYCLE, "--out", str(tmp_path))
    assert_one_line_error(done, "no ERP database")
    assert not (tiny_sources / "erp" / "ledger.sqlite").exists()


def test_erp_password_is_not_added_to_a_sqlite_url(tiny_sources: Path, tmp_path: Path) -> None:
    # A password on a SQLite URL makes SQLAlchemy refuse the URL: the variable, set for a
    # server elsewhere, must not stop a run on the default ledger.sqlite.
    args = ["--sources", str(tiny_sources), "--cycle", "2019-12", "--out", str(tmp_path)]
    done = recon("run", *args, env=clean_env(RECON_ERP_PASSWORD="s3cret"))
    # past the ERP check: stopped by the cycle, the next check
    assert_one_line_error(done, "cycle 2019-12 is before the first cycle")
    assert "s3cret" not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("content", "needle"),
    [(b"", "the file is empty"),
     (b"account_code,name\n1000,Cash\n", "does not start with the SQLite header"),
     (b"SQLite format 2\x00" + bytes(100), "does not start with the SQLite header")],
)
def test_run_refuses_a_ledger_that_is_not_a_sqlite_database(
    tiny_sources: Path, tmp_path: Path, content: bytes, needle: str
) -> None:
    ledger = tiny_sources / "erp" / "ledger.sqlite"
    ledger.write_bytes(content)
    args = ["--sources", str(tiny_sources), "--cycle", CYCLE, "--out", str(tmp_path / "out")]
    done = recon("run", *args, env=clean_env(RECON_ERP_PASSWORD="s3cret"))
    assert done.returncode == 2
    assert_one_line_error(done, f"the ERP database {ledger} is not a SQLite database", needle)
    assert ledger.read_bytes() == content  # looked at, never written


@pytest.fixture(scope="module")
def generated_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated sources directory with every system's files (one cycle)."""
    from recon_pipeline.generate import generate

    return generate(tmp_path_factory.mktemp("gen") / "sources", seed=5, scale=0.1,
                    cycles=(CYCLE, CYCLE), history_months=1).out


def test_run_materializes_the_graph_and_records_the_run(
    generated_sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs of one OUT at once (as two people starting the close): one wins, the other
    stops at once with exit 2 and one line, and the winner's outputs and run record are whole."""
    out = tmp_path / "out"
    args = [str(RECON), "run", "--sources", str(generated_sources), "--cycle", CYCLE,
            "--out", str(out), "--verbose"]
    started = [subprocess.Popen(args, env=clean_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    # a whole run; a busy machine takes minutes
    runs = [subprocess.CompletedProcess(args, 0, *p.communicate(timeout=900)) for p in started]
    for run, process in zip(runs, started, strict=True):
        run.returncode = process.returncode
    assert sorted(r.returncode for r in runs) == [0, 2], runs
    done, = [r for r in runs if r.returncode == 0]
    lost, = [r for r in runs if r.returncode == 2]
    assert_one_line_error(lost, f"recon run: another recon run or demo is writing {out} ",
                          f"(lock: {out / '.recon-run.lock'})")
    assert not list(out.rglob("_tmp/*"))  # the winner's own spill folders are gone
    assert recon("check", str(out), CYCLE).returncode == 0
    home = out / "dagster_home"
    assert f"DAGSTER_HOME is not set: recording runs in {home}" in done.stdout
    # the instance recon made has the project's settings: no usage statistics leave the machine
    settings = yaml.safe_load((home / "dagster.yaml").read_text("utf-8"))
    assert settings["telemetry"] == {"enabled": False}
    assert "Welcome to Dagster" not in done.stdout + done.stderr
    # --verbose: the tools' output on the terminal, no log file; the close line still last.
    assert "dbt build" in done.stdout + done.stderr and not (out / "logs").exists()
    last = done.stdout.splitlines()[-1]
    assert last.startswith((f"{CYCLE}: final: ", f"{CYCLE}: not final: "))
    assert last.endswith(str(out / "reports" / CYCLE / "report.html"))

    assert (out / "raw" / CYCLE / "sources_inventory.json").is_file()
    assert (out / "dbt" / CYCLE / "run_results.json").is_file()
    assert (out / "reports" / CYCLE / "summary.json").is_file()
    with duckdb.connect(str(out / "warehouse.duckdb"), read_only=True) as warehouse:
        entities = warehouse.sql(
            "select legal_entity_id, functional_currency "
            "from staging.stg_reference__legal_entities order by 1"
        ).fetchall()
    assert entities == [("DE01", "EUR"), ("GB01", "GBP"), ("JP01", "JPY"), ("US01", "USD")]

    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs()
        assert [(r.job_name, r.status, r.tags.get("dagster/partition")) for r in runs] == [
            ("close_cycle", dg.DagsterRunStatus.SUCCESS, CYCLE)
        ]
        for key in (["staging", "stg_reference__legal_entities"], ["raw", "billing", "invoices"],
                    ["reports", "cycle_reports"]):
            assert instance.get_latest_materialization_event(dg.AssetKey(key)) is not None


def test_generate_rejects_a_bad_range(tmp_path: Path) -> None:
    done = recon("generate", "--out", str(tmp_path / "s"), "--cycles", "2026-10:2026-08")
    assert_one_line_error(done, "FIRST:LAST")


def test_run_that_fails_exits_1_and_names_the_step(
    generated_sources: Path, tmp_path: Path
) -> None:
    import shutil

    sources = tmp_path / "sources"
    shutil.copytree(generated_sources, sources)
    (sources / "reference" / "fx_rates.csv").write_text("day,currency\n2026-09-30,EUR\n")
    out = tmp_path / "out"
    done = recon("run", "--sources", str(sources), "--cycle", CYCLE, "--out", str(out))
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"cycle {CYCLE}: run ") and "failed" in last
    assert "extract_reference_fx_rates" in last and "lacks the columns" in last
    log = Path(last.rsplit("(details: ", 1)[1].rstrip(")"))
    assert log.parent == out / "logs" and "STEP_FAILURE" in log.read_text()
    assert "Traceback" not in done.stdout + done.stderr

