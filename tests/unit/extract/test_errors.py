"""Problems the user must fix raise one SourceError with a readable message; optional files
may be absent; a failed run leaves no half-written table behind."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from recon_pipeline.lib.extract import SourceError, extract_object, extract_sources
from tests.unit.extract.helpers import write_lines


def test_missing_or_wrong_sources_directory(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist: pass --sources DIR"):
        extract_sources(tmp_path / "nope", None, tmp_path / "o")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="is not a sources directory"):
        extract_sources(tmp_path / "empty", None, tmp_path / "o")


def test_missing_required_file_but_not_optional_ones(tmp_path: Path) -> None:
    (tmp_path / "s" / "billing").mkdir(parents=True)
    with pytest.raises(SourceError, match=r"billing/invoices\.jsonl \(or \.jsonl\.gz\) is "
                                          "missing"):
        extract_object(tmp_path / "s", "billing/invoices", tmp_path / "o")
    report = extract_object(tmp_path / "s", "billing/credit_notes", tmp_path / "o")
    assert report.tables == {"credit_notes": 0}
    assert pq.read_table(tmp_path / "o" / "billing" / "credit_notes.parquet").num_rows == 0
    report = extract_object(tmp_path / "s", "usage/events", tmp_path / "o")
    assert report.tables == {"events": 0}


def test_corrupt_gzip_is_quarantined_whole_and_the_other_files_load(tmp_path: Path) -> None:
    """A truncated gzip is not read at all (no half of its rows taken as all of them)."""
    path = tmp_path / "s" / "payments" / "refunds.jsonl.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(b'{"id": "re_1"}\n' * 1000)[:-40])
    write_lines(tmp_path / "s", "payments/refunds.jsonl", [{"id": "re_2", "object": "refund"}])
    report = extract_object(tmp_path / "s", "payments/refunds", tmp_path / "o")
    read = {f.file: f.rows_read for f in report.files}
    assert read == {"payments/refunds.jsonl.gz": 0, "payments/refunds.jsonl": 1}
    bad = pq.read_table(tmp_path / "o" / "_parts" / "payments__refunds.quarantine.parquet")
    [row] = [r for r in bad.to_pylist() if r["file"].endswith(".gz")]
    assert (row["file"], row["line"]) == ("payments/refunds.jsonl.gz", 0)
    assert "not a complete gzip file (truncated" in row["reason"]
    assert not list((tmp_path / "o" / "payments").glob(".*.tmp"))


def test_csv_without_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "s" / "reference" / "fx_rates.csv"
    path.parent.mkdir(parents=True)
    path.write_text("day,currency,rate\n2026-09-01,EUR,1.1\n")
    with pytest.raises(SourceError, match="lacks the columns date, rate_to_reporting"):
        extract_object(tmp_path / "s", "reference/fx_rates", tmp_path / "o")
    with pytest.raises(SourceError, match=r"legal_entities\.csv is missing"):
        extract_object(tmp_path / "s", "reference/legal_entities", tmp_path / "o")


def test_unknown_object_name(tmp_path: Path) -> None:
    write_lines(tmp_path / "s", "billing/products.jsonl", [{"id": "prod_1"}])
    with pytest.raises(ValueError, match="unknown source object"):
        extract_object(tmp_path / "s", "billing/nothing", tmp_path / "o")
