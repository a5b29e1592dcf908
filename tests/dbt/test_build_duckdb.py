"""The whole project on DuckDB over the hand-made sample: models, unit tests and data tests
pass, and the canonical tables say what the spec's rules say."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from tests.dbt.conftest import Dbt, DbtRun
from tests.dbt.raw import write_raw_zone

UNIT_TESTS_AT_LEAST = 20


def query(out: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(out / "warehouse.duckdb"), read_only=True) as db:
        return db.sql(sql).fetchall()


def test_build_passes_models_unit_and_data_tests(sample_duckdb: DbtRun) -> None:
    results = sample_duckdb.results()
    statuses = Counter(r["status"] for r in results)
    assert set(statuses) == {"success", "pass"}, statuses
    unit = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(unit) >= UNIT_TESTS_AT_LEAST
    singular = {r["unique_id"].rsplit(".", 1)[-1] for r in results if ".assert_" in r["unique_id"]}
    assert {"assert_round_half_even", "assert_add_months", "assert_normalise"} <= singular


def test_customers_resolve_by_the_first_rule_that_finds_anyone(
    sample_duckdb: DbtRun, sample_out: Path
) -> None:
    del sample_duckdb
    rows = query(sample_out, "select customer_id, erp_match_rule, erp_match_count, "
                             "erp_customer_code, crm_account_id from marts.dim_customers")
    assert sorted(rows) == [
        ("cus_dup", "name_and_country", 2, None, None),
        ("cus_jpy", "erp_customer_code", 1, "E_JPY", None),
        ("cus_name", "name_and_country", 1, "E_NAME", None),
        ("cus_ref", "external_ref", 1, "E_REF", "acc_ref"),
        ("cus_tax", "tax_id", 1, "E_TAX", "acc_tax"),
    ]


def test_expected_periods_step_from_the_anchor(sample_duckdb: DbtRun, sample_out: Path) -> None:
    del sample_duckdb
    rows = query(sample_out, "select period_start_at, period_end_at, cycle, "
                             "expected_amount_minor from marts.fct_expected_billing_periods "
                             "where subscription_item_id = 'si_jan31_seat' order by 1")
    starts = [r[0] for r in rows]
    assert starts == [datetime(2026, m, d, 10, 30) for m, d in
                      [(1, 31), (2, 28), (3, 31), (4, 30), (5, 31), (6, 30), (7, 31), (8, 31),
                       (9, 30)]]
    # 3 × 1000, 10% off, then 500 off spread over 2700 and 2 (the greatest id takes the rest).
    assert rows[-1][2:] == ("2026-09", 2200)
    assert rows[-2][3] == 2200
    trial = query(sample_out, "select min(period_start_at) from marts.fct_expected_billing_periods "
                              "where subscription_item_id = 'si_trial'")
    assert trial == [(datetime(2026, 8, 15),)]
    canceled = query(sample_out, "select max(period_end_at), bool_or(is_cut_short) from "
                                 "marts.fct_expected_billing_periods "
                                 "where subscription_item_id = 'si_canceled'")
    assert canceled == [(datetime(2026, 9, 20, 12), True)]
    incomplete = query(sample_out, "select count(*) from marts.fct_expected_billing_periods "
                                   "where subscription_item_id = 'si_incomplete'")
    assert incomplete == [(0,)]


def test_usage_sums_exactly_and_orphans_are_kept(sample_duckdb: DbtRun, sample_out: Path) -> None:
    del sample_duckdb
    usage = query(sample_out, "select subscription_item_id, cycle, usage_quantity, event_count "
                              "from marts.fct_usage_by_period where event_count > 0 order by 1, 2")
    assert usage == [
        ("si_jan31_api", "2026-08", Decimal("0.3"), 3),
        ("si_jan31_api", "2026-09", Decimal("1234.000000000001"), 1),
        ("si_storage", "2026-09", Decimal("2.5"), 1),
    ]
    orphans = query(sample_out, "select usage_key from marts.fct_unattached_usage "
                                "where cycle = '2026-09' order by 1")
    assert orphans == [("cus_nobody/api_requests",), ("cus_ref/gpu_hours",)]


def test_ledger_lines_live_and_posted(sample_duckdb: DbtRun, sample_out: Path) -> None:
    del sample_duckdb
    posted = query(sample_out, "select document_type, document_ref, sum(posted_amount), "
                               "sum(posted_amount_minor) from marts.fct_ledger_lines where is_live "
                               "and posted_amount is not null group by 1, 2 order by 1, 2")
    assert posted == [
        ("FEE", "ch_classic", Decimal("0.94"), Decimal("94")),
        ("INVOICE", "in_jpy", Decimal("1500.50"), Decimal("1500.5")),
        ("INVOICE", "in_kwd", Decimal("1.234"), Decimal("1234")),  # fils kept: numeric(18, 3)
        ("INVOICE", "in_seat_sep", Decimal("22.02"), Decimal("2202")),
        ("PAYMENT", "ch_classic", Decimal("22.02"), Decimal("2202")),
        ("PAYOUT", "po_1", Decimal("20.08"), Decimal("2008")),
        ("REFUND", "re_1", Decimal("1.00"), Decimal("100")),
        ("REVREC", "in_seat_sep", Decimal("22.02"), Decimal("2202")),
    ]


def test_charges_link_to_invoices(sample_duckdb: DbtRun, sample_out: Path) -> None:
    del sample_duckdb
    charges = query(sample_out, "select charge_id, is_succeeded, effective_amount_minor, "
                                "invoice_id, fee_minor from marts.fct_charges order by 1")
    assert charges == [
        ("ch_classic", True, 2202, "in_seat_sep", 94),
        ("ch_failed", False, 500, None, None),
        ("ch_intent", True, 1, "in_api_aug", None),
        ("ch_uncaptured", False, 500, None, None),
    ]
    invoices = query(sample_out, "select invoice_id, is_finalized, cycle, is_paid_out_of_band, "
                                 "succeeded_charge_count from marts.fct_invoices order by 1")
    assert invoices == [
        ("in_api_aug", True, "2026-09", False, 1),
        ("in_draft", False, "2026-09", False, 0),
        ("in_kwd", True, "2026-09", True, 0),
        ("in_oob", True, "2026-08", True, 0),
        ("in_seat_sep", True, "2026-08", False, 1),
    ]
    payout = query(sample_out, "select settled_net_minor from marts.fct_payouts "
                               "where payout_id = 'po_1'")
    assert payout == [(2008,)]


#: Raw files a cycle may lack, one of billing's and one of payments'.
MISSING = (("billing", "credit_notes"), ("payments", "invoice_payments"))


def test_a_missing_raw_file_reads_as_an_empty_table(tmp_path: Path) -> None:
    """Each missing file, logged, reads as an empty table: one build for all of them (each
    dbt invocation parses the whole project again, 10-20 s)."""
    write_raw_zone(tmp_path / "raw" / "2026-09", skip=list(MISSING))
    models = [f"stg_{system}__{table}" for system, table in MISSING]
    run = Dbt(tmp_path)("build", "--select", *models)
    assert run.ok, run.output
    for (system, table), model in zip(MISSING, models, strict=True):
        assert f"raw table {system}.{table}: no file" in run.output
        assert query(tmp_path, f"select count(*) from staging.{model}") == [(0,)]


def parse_events(run: DbtRun) -> list[dict[str, Any]]:
    """dbt's partial parsing events in the log of ``run`` (its JSON log, --log-format-file json),
    of this run and those before it in the same folder: the reason it parsed everything
    (UnableToPartialParse), else how many files changed and each it parsed again."""
    log = run.target_path.parent / "logs" / "dbt.log"
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return [e for e in events if e["info"]["name"] in (
        "UnableToPartialParse", "PartialParsingEnabled", "PartialParsingFile")]


def test_a_run_of_another_cycle_parses_nothing_again_and_reads_its_own_raw_zone(
    tmp_path: Path,
) -> None:
    """As a Dagster run gives it (Settings.dbt_env, one parsed project per OUT): the cycle and
    OUT in the environment, dbt's previous parse in the same target folder. The next cycle's
    run parses no file again (the project holds no cycle and no OUT; a source YAML that read
    them was parsed again with every model downstream, 5 s of each close), and reads the files
    of its own cycle: its rows, a file it lacks as an empty table, its cycle in the tests'
    where (__cycle__)."""
    from recon_pipeline.settings import Settings
    from tests.dbt.sample import CRM_ACCOUNTS

    out = tmp_path / "out"
    write_raw_zone(out / "raw" / "2026-09", {("crm", "accounts"): CRM_ACCOUNTS[:1]})
    write_raw_zone(out / "raw" / "2026-10", {("crm", "accounts"): CRM_ACCOUNTS},
                   skip=[("billing", "credit_notes")])
    settings = Settings.resolve(out_dir=str(out), environ={})
    run_dir = out / "dbt" / "shared"
    select = ("--select", "stg_crm__accounts", "stg_billing__credit_notes",
              "--log-format-file", "json")

    def dbt(cycle: str) -> Dbt:
        return Dbt(out, env=tuple(settings.dbt_env(cycle).items()), run_dir=run_dir)

    first = dbt("2026-09")("build", *select, cycle=None)
    assert first.ok, first.output
    assert [e["info"]["name"] for e in parse_events(first)] == ["UnableToPartialParse"]
    assert query(out, "select count(*) from staging.stg_crm__accounts") == [(1,)]
    assert query(out, "select count(*) from staging.stg_billing__credit_notes") == [(0,)]

    second = dbt("2026-10")("build", *select, cycle=None)
    assert second.ok, second.output
    parsing = parse_events(second)[1:]  # the log goes on from the first run's
    assert [e["info"]["name"] for e in parsing] == ["PartialParsingEnabled"], parsing
    assert parsing[0]["data"] == {"deleted": 0, "added": 0, "changed": 0}, parsing
    assert query(out, "select crm_account_id from staging.stg_crm__accounts order by 1") == [
        (a["account_id"],) for a in CRM_ACCOUNTS]
    assert "raw table billing.credit_notes: no file" in second.output
    assert f"{out.as_posix()}/raw/2026-10/billing/credit_notes.parquet" in second.output

    tests = dbt("2026-10")("compile", "--select", "fct_mismatches", "fct_recon_coverage",
                           cycle=None)  # the models and their tests
    assert tests.ok, tests.output
    wheres = [path.read_text() for path in (tests.target_path / "compiled").rglob("*.sql")
              if "dbt_subquery" in path.read_text()]
    assert len(wheres) == 2, wheres
    assert all("where cycle = '2026-10'" in sql for sql in wheres), wheres


def test_an_object_exported_twice_counts_once(tmp_path: Path) -> None:
    """Identical copies count once; of conflicting copies the last by file path, then line,
    is kept (docs/sources.md); the whole build, data tests included, passes."""
    from tests.dbt.sample import CUSTOMERS, ERP_CUSTOMERS, GL_JOURNAL_LINES, SAMPLE

    j4_first = GL_JOURNAL_LINES[6]
    assert (j4_first["journal_id"], j4_first["line_no"]) == ("J4", 1)
    rows = {
        **SAMPLE,
        ("billing", "customers"): [
            *CUSTOMERS,
            dict(CUSTOMERS[0]),  # the same object again: counts once
            {**CUSTOMERS[1], "name": "Tax Co renamed"},  # a later line: wins
            # a later line number, but in a file that sorts first ('.a.' < '.j'): loses
            {**CUSTOMERS[2], "name": "Stale Name", "_file": "billing/customers.a.jsonl",
             "_line": 99},
        ],
        ("erp", "erp_customers"): [*ERP_CUSTOMERS, dict(ERP_CUSTOMERS[0])],
        ("erp", "gl_journal_lines"): [*GL_JOURNAL_LINES, dict(j4_first)],  # a repeated line
    }
    write_raw_zone(tmp_path / "raw" / "2026-09", rows)
    run = Dbt(tmp_path)("build")
    assert run.ok, run.output
    customers = dict(query(tmp_path, "select customer_id, customer_name "
                                     "from staging.stg_billing__customers"))
    assert len(customers) == len(CUSTOMERS)
    assert customers["cus_tax"] == "Tax Co renamed"
    assert customers["cus_name"] == CUSTOMERS[2]["name"]
    lines = query(tmp_path, "select source_line from staging.stg_billing__customers "
                            "where customer_id = 'cus_ref'")
    assert lines == [(len(CUSTOMERS) + 1,)]  # the last identical copy
    assert query(tmp_path, "select count(*) from staging.stg_erp__erp_customers") == [
        (len(ERP_CUSTOMERS),)]
    journal = query(tmp_path, "select journal_id, line_no, count(*) "
                              "from staging.stg_erp__gl_journal_lines group by all "
                              "having count(*) > 1")
    assert journal == []
    assert query(tmp_path, "select count(*) from staging.stg_erp__gl_journal_lines") == [
        (len(GL_JOURNAL_LINES),)]


def test_not_null_columns_fails_once_per_null_cell_naming_its_column(
    sample_duckdb: DbtRun, sample_out: Path, tmp_path: Path
) -> None:
    """One test per model checks all its not-null columns: a null in any of them fails it, and
    the failures are the null cells (what a not_null test per column added up to)."""
    out = tmp_path / "out"
    out.mkdir()
    shutil.copyfile(sample_out / "warehouse.duckdb", out / "warehouse.duckdb")
    check = "not_null_columns_dim_customers"  # columns customer_id, erp_match_count
    # It passes on the sample as built (the sample's build ran it: no dbt test of it again).
    (clean,) = [r for r in sample_duckdb.results()
                if r["unique_id"].split(".")[:3] == ["test", "recon", check]]
    assert clean["status"] == "pass", clean
    with duckdb.connect(str(out / "warehouse.duckdb")) as db:
        db.execute("update marts.dim_customers set erp_match_count = null "
                   "where customer_id in ('cus_dup', 'cus_jpy')")
    broken = Dbt(out)("test", "--select", check, "--store-failures")
    assert not broken.ok
    (result,) = [r for r in broken.results() if r["unique_id"].startswith("test.")]
    assert (result["status"], result["failures"]) == ("fail", 2)
    (schema,) = query(out, "select table_schema from information_schema.tables "
                           f"where table_name = '{check}'")[0]
    nulls = query(out, f'select null_column from "{schema}"."{check}"')
    assert nulls == [("erp_match_count",), ("erp_match_count",)]
