"""On a generated sources directory: exactly the planted malformed rows are quarantined, at
their file and line, and every file's rows add up."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from recon_pipeline.generate import GenerateStats
from recon_pipeline.lib.extract import ExtractReport, extract_sources
from recon_pipeline.lib.extract.schemas import FILE_COUNTS, QUARANTINE, SCHEMAS


@pytest.fixture(scope="module")
def extracted(generated: GenerateStats, tmp_path_factory: pytest.TempPathFactory
              ) -> ExtractReport:
    """The generated sources, extracted once."""
    return extract_sources(generated.out, None, tmp_path_factory.mktemp("raw"))


def test_exactly_the_malformed_rows_are_quarantined(generated: GenerateStats,
                                                    extracted: ExtractReport) -> None:
    with open(generated.out / "_truth" / "malformed.csv", newline="") as handle:
        truth = {(r["source"], r["file"], int(r["line"])) for r in csv.DictReader(handle)}
    quarantine = pq.read_table(extracted.out_dir / "quarantine.parquet")
    assert quarantine.schema == QUARANTINE
    got = {(r["source"], r["file"], r["line"]) for r in quarantine.to_pylist()}
    assert truth and got == truth
    assert quarantine.num_rows == len(truth)


def test_rows_add_up_per_file(generated: GenerateStats, extracted: ExtractReport) -> None:
    counts = pq.read_table(extracted.out_dir / "file_counts.parquet")
    assert counts.schema == FILE_COUNTS
    rows = counts.to_pylist()
    for row in rows:
        assert row["rows_read"] == (row["rows_loaded"] + row["rows_quarantined"]
                                    + row["rows_redelivered"]), row
    files = {r["file"] for r in rows}
    assert "billing/invoices.jsonl" in files and "erp/gl_journal_lines" in files
    assert any(r["rows_redelivered"] for r in rows if r["source"] == "usage")
    by_table: dict[str, int] = {}
    for row in rows:
        key = f"{row['source']}/{row['table']}"
        by_table[key] = by_table.get(key, 0) + row["rows_loaded"]
    assert by_table == extracted.rows


def test_tables_match_the_contract_and_the_generator(generated: GenerateStats,
                                                     extracted: ExtractReport) -> None:
    for (source, table), schema in SCHEMAS.items():
        written = pq.read_table(extracted.out_dir / source / f"{table}.parquet")
        # Parquet has no second-unit timestamps: seconds come back as milliseconds.
        assert written.schema.names == schema.names, (source, table)
        assert written.cast(schema).cast(written.schema).equals(written), (source, table)
    counts = generated.counts
    quarantined = {o.name: o.rows_quarantined for o in extracted.objects}
    rows = extracted.rows
    for name, key in [("billing/invoices", "invoices"), ("billing/customers", "customers"),
                      ("payments/charges", "charges"), ("payments/refunds", "refunds"),
                      ("billing/subscriptions", "subscriptions"),
                      ("erp/gl_journal_lines", "journal_lines"),
                      ("erp/erp_customers", "erp_customers"), ("crm/accounts", "crm_accounts")]:
        assert rows[name] + quarantined[name] == counts[key], name
    usage = next(o for o in extracted.objects if o.name == "usage/events")
    redelivered = sum(f.rows_redelivered for f in usage.files)
    assert rows["usage/events"] + usage.rows_quarantined + redelivered == counts["usage_events"]


def test_rerun_gives_identical_tables(generated: GenerateStats, extracted: ExtractReport,
                                      tmp_path: Path) -> None:
    again = extract_sources(generated.out, None, tmp_path,
                            objects=("billing/invoices", "usage/events"), chunk_bytes=1 << 20)
    for table in ("billing/invoices", "billing/invoice_lines", "usage/events"):
        first = pq.read_table(extracted.out_dir / f"{table}.parquet")
        assert pq.read_table(tmp_path / f"{table}.parquet").equals(first), table
    assert again.rows_quarantined == 8
