"""The registry of recons and categories (dbt_project/seeds/recon_categories.csv): one file that
Python and dbt read, from which config, exception ids, reports, the suites' blocking list and
the generator's truth derive; an unknown category is an error, never a default."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from recon_pipeline.generate.truth import CATEGORIES as TRUTH_CATEGORIES
from recon_pipeline.lib.config import load_config
from recon_pipeline.lib.quality.suites import load_suite
from recon_pipeline.lib.quality.validate import run_parameters
from recon_pipeline.lib.registry import (
    BLOCKING_CATEGORIES,
    COLUMNS,
    RECONS,
    REGISTRY,
    REGISTRY_PATH,
    RegistryError,
    read_registry,
)
from recon_pipeline.lib.reports.ids import exception_id
from recon_pipeline.lib.reports.schema import FINDINGS_SCHEMA, conform_findings
from tests.cases.catalog import CATEGORIES as ORACLE_CATEGORIES

ROOT = Path(__file__).resolve().parents[2]


def test_every_category_is_planted_and_known_to_the_oracle() -> None:
    names = {c.category for c in REGISTRY}
    assert set(TRUTH_CATEGORIES) == names
    assert names == ORACLE_CATEGORIES


def test_the_dbt_recon_list_is_the_registrys() -> None:
    """fct_mismatches and fct_recon_coverage union the recons of macro recon_names; the dbt test
    assert_registry_recons_have_models checks the same in every build."""
    macro = (ROOT / "dbt_project" / "macros" / "recons.sql").read_text()
    listed = re.findall(r"'([a-z_]+)'", macro.split("return(", 1)[1].split(")", 1)[0])
    assert sorted(listed) == sorted(RECONS)
    for recon in RECONS:
        assert (ROOT / "dbt_project" / "models" / "marts" / "recon"
                / f"recon_{recon}.sql").is_file()


def test_the_blocking_check_reads_the_registry() -> None:
    suite = load_suite(ROOT / "expectations" / "marts.fct_mismatches.json")
    (check,) = [e for e in suite.expectations if e.check == "no_blocking_findings"]
    assert check.kwargs["value_set"] == {"$PARAMETER": "blocking_categories"}
    params = run_parameters("2026-09", datetime(2026, 10, 3, tzinfo=UTC))
    assert params["blocking_categories"] == sorted(BLOCKING_CATEGORIES)
    assert "invoice_not_posted" in BLOCKING_CATEGORIES
    assert "payment_unapplied" not in BLOCKING_CATEGORIES


def test_config_overrides_the_registry_by_category(tmp_path: Path) -> None:
    defaults = load_config()
    assert defaults.severity("payment_unapplied") == "warning"
    assert defaults.dbt_vars()["recon_severity"] == {}
    path = tmp_path / "recon.yml"
    path.write_text("recon_severity:\n  payment_unapplied: error\n")
    config = load_config(path)
    assert config.severity("payment_unapplied") == "error"
    assert config.severity("orphan_usage") == "warning"  # the registry's, untouched
    assert config.dbt_vars()["recon_severity"] == {"payment_unapplied": "error"}


def test_unknown_category_is_an_error_not_a_default() -> None:
    assert exception_id("unbilled_subscription", "si_1", date(2026, 9, 1)).startswith("UBS-")
    with pytest.raises(RegistryError, match="unknown mismatch category 'made_up'"):
        exception_id("made_up", "x", None)
    row = {f.name: None for f in FINDINGS_SCHEMA}
    row |= {"cycle": "2026-09", "recon": "billing_erp", "category": "made_up",
            "severity": "error", "object_id": "in_1", "detail": "?"}
    with pytest.raises(RegistryError, match="not in the registry"):
        conform_findings(pa.Table.from_pylist([row], schema=FINDINGS_SCHEMA))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("billing_erp,invoice_not_posted,fatal,false,true,INP,x", "severity must be error or"),
        ("billing_erp,invoice_not_posted,error,no,true,INP,x", "leakage must be true or false"),
        ("billing_erp,invoice_not_posted,error,false,true,inp,x", "three capital letters"),
        ("billing_erp,invoice_not_posted,error,false,true,INP,", "every column needs a value"),
        ("billing_erp,payment_not_posted,error,false,true,PNP,x", "category 'payment_not_posted' "
         "is already"),
    ],
)
def test_a_malformed_registry_is_refused(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "recon_categories.csv"
    good = "gateway_erp,payment_not_posted,error,false,true,PNP,A payment is not posted."
    path.write_text(f"{','.join(COLUMNS)}\n{good}\n{row}\n")
    with pytest.raises(RegistryError, match=message):
        read_registry(path)
    path.write_text(f"{','.join(COLUMNS)}\n{good}\n")
    assert [c.id_prefix for c in read_registry(path)] == ["PNP"]
    assert REGISTRY_PATH.is_file()
