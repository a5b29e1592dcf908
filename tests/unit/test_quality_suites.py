"""The suites of expectations/: valid GX 1.x JSON, named after assets, errors a user can act on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recon_pipeline.lib.quality.frames import FRAMES
from recon_pipeline.lib.quality.suites import (
    DEFAULT_EXPECTATIONS_DIR,
    SuiteError,
    expectations_dir,
    load_suite,
    load_suites,
)


def test_every_suite_is_named_after_an_asset_of_the_code_location() -> None:
    from recon_pipeline.definitions import defs

    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    suites = load_suites(DEFAULT_EXPECTATIONS_DIR)
    assert len(suites) >= 15
    for suite in suites:
        assert suite.asset in keys, suite.name
        assert suite.name in FRAMES, f"{suite.name} has no frame in lib/quality/frames.py"
        assert suite.expectations


def test_each_expectation_is_an_asset_check_of_its_asset() -> None:
    from recon_pipeline.definitions import defs

    checks = {(k.asset_key.to_user_string(), k.name)
              for k in defs.resolve_asset_graph().asset_check_keys}
    for suite in load_suites(DEFAULT_EXPECTATIONS_DIR):
        for e in suite.expectations:
            assert (suite.asset, e.check) in checks


def test_suites_are_great_expectations_suites() -> None:
    gx = pytest.importorskip("great_expectations")
    for suite in load_suites(DEFAULT_EXPECTATIONS_DIR):
        parsed = gx.ExpectationSuite(**json.loads(suite.path.read_text()))
        assert [e.expectation_type for e in parsed.expectations] == [
            e.type for e in suite.expectations]


def test_critical_means_blocking() -> None:
    suite = load_suite(DEFAULT_EXPECTATIONS_DIR / "marts.fct_mismatches.json")
    by_check = {e.check: e for e in suite.expectations}
    assert by_check["no_blocking_findings"].blocking
    assert not by_check["no_error_findings"].blocking


def _write(folder: Path, name: str, document: object) -> Path:
    path = folder / f"{name}.json"
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize(("document", "message"), [
    ({"name": "raw.billing.other", "expectations": []}, "'name' must be the file's name"),
    ({"name": "raw.billing.invoices"}, "a list 'expectations'"),
    ({"name": "raw.billing.invoices", "expectations": [{"kwargs": {}}]}, "needs a 'type'"),
    ({"name": "raw.billing.invoices", "expectations": [
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "a"},
         "severity": "fatal"}]}, "severity 'fatal'"),
    ({"name": "raw.billing.invoices", "expectations": [
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "a"}},
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "a"}}]},
     "used twice"),
])
def test_a_bad_suite_file_is_a_clear_error(tmp_path: Path, document: object,
                                           message: str) -> None:
    path = _write(tmp_path, "raw.billing.invoices", document)
    with pytest.raises(SuiteError, match=message):
        load_suite(path)


def test_unnamed_checks_get_a_name_from_type_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "raw.billing.invoices", {
        "name": "raw.billing.invoices",
        "expectations": [{"type": "expect_column_values_to_not_be_null",
                          "kwargs": {"column": "invoice_id"}}]})
    (e,) = load_suite(path).expectations
    assert (e.check, e.severity, e.blocking) == (
        "invoice_id__column_values_to_not_be_null", "critical", True)


def test_the_folder_comes_from_the_environment(tmp_path: Path) -> None:
    assert expectations_dir({"RECON_EXPECTATIONS_DIR": str(tmp_path)}) == tmp_path
    assert expectations_dir({}) == DEFAULT_EXPECTATIONS_DIR
    with pytest.raises(SuiteError, match="not found"):
        load_suites(tmp_path / "missing")
