"""The Dagster-free helpers of the sources and reference domains, on tiny files."""

from __future__ import annotations

import gzip
from pathlib import Path

from recon_pipeline.lib.inventory import count_lines, missing_systems, scan_sources


def test_count_lines_plain_and_gzip(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(b"{}\n{}\n{}")
    (tmp_path / "b.jsonl.gz").write_bytes(gzip.compress(b"{}\n{}\n"))
    (tmp_path / "c.jsonl").write_bytes(b"")
    assert count_lines(tmp_path / "a.jsonl") == 3
    assert count_lines(tmp_path / "b.jsonl.gz") == 2
    assert count_lines(tmp_path / "c.jsonl") == 0


def test_scan_keeps_to_the_source_systems(tmp_path: Path) -> None:
    (tmp_path / "billing").mkdir()
    (tmp_path / "billing" / "customers.jsonl").write_text('{"id": "cus_1"}\n')
    (tmp_path / "billing" / ".DS_Store").write_text("x")
    (tmp_path / "erp").mkdir()
    (tmp_path / "erp" / "ledger.sqlite").write_bytes(b"SQLite format 3\x00")
    (tmp_path / "_truth").mkdir()
    (tmp_path / "_truth" / "findings.csv").write_text("a\n")
    files = scan_sources(tmp_path)
    assert [(f.path, f.line_count) for f in files] == [
        ("billing/customers.jsonl", 1),
        ("erp/ledger.sqlite", None),
    ]
    assert missing_systems(files) == ["payments", "usage", "crm", "reference"]
