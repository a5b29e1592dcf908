"""Helpers of the extraction tests: write small sources directories, extract, read back."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from recon_pipeline.lib.extract import extract_object

SAMPLES = Path(__file__).resolve().parents[2] / "samples"  # tests/samples/ (README there)


def sample(name: str) -> dict[str, Any]:
    """A genuine Stripe object of tests/samples/stripe/."""
    data: dict[str, Any] = json.loads((SAMPLES / "stripe" / f"{name}.json").read_text())
    return data


def write_lines(root: Path, rel: str, lines: list[Any]) -> Path:
    """Write ``lines`` (objects become compact JSON, bytes and str go as they are)."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = b"".join(_line(x) + b"\n" for x in lines)
    path.write_bytes(gzip.compress(raw) if rel.endswith(".gz") else raw)
    return path


def _line(item: Any) -> bytes:
    if isinstance(item, bytes):
        return item
    if isinstance(item, str):
        return item.encode()
    return json.dumps(item, separators=(",", ":")).encode()


@dataclass
class Extracted:
    """What extracting one object gave: its tables, quarantine rows and file counts."""

    tables: dict[str, list[dict[str, Any]]]
    arrow: dict[str, pa.Table]
    quarantine: list[dict[str, Any]]
    counts: list[dict[str, Any]]


def extract(root: Path, name: str, out: Path, **options: Any) -> Extracted:
    """Extract the object ``name`` of ``root`` into ``out`` and read everything back."""
    report = extract_object(root, name, out, **options)
    source = name.split("/")[0]
    arrow = {t: pq.read_table(out / source / f"{t}.parquet") for t in report.tables}
    stem = name.replace("/", "__")
    quarantine = pq.read_table(out / "_parts" / f"{stem}.quarantine.parquet").to_pylist()
    counts = pq.read_table(out / "_parts" / f"{stem}.file_counts.parquet").to_pylist()
    for row in counts:
        assert row["rows_read"] == (row["rows_loaded"] + row["rows_quarantined"]
                                    + row["rows_redelivered"])
    return Extracted({t: a.to_pylist() for t, a in arrow.items()}, arrow, quarantine, counts)


def reasons(result: Extracted) -> list[tuple[int, str]]:
    """(line, reason) of every quarantined row."""
    return [(q["line"], q["reason"]) for q in result.quarantine]


# The ERP tables as sources.md has them (NUMERIC(18,3) outside SQLite), for ledgers the tests write.
ERP_DDL = {
    "gl_accounts": "account_code TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL",
    "erp_customers": "customer_code TEXT NOT NULL, name TEXT, entity_code TEXT, currency TEXT,"
                     " country TEXT, tax_id TEXT, external_ref TEXT",
    "gl_journal_lines": "entity_code TEXT NOT NULL, journal_id TEXT NOT NULL, line_no INTEGER"
                        " NOT NULL, posting_date DATE NOT NULL, period TEXT NOT NULL,"
                        " account_code TEXT NOT NULL, debit NUMERIC(18,3) NOT NULL,"
                        " credit NUMERIC(18,3) NOT NULL, currency TEXT NOT NULL,"
                        " document_type TEXT NOT NULL, document_ref TEXT, customer_code TEXT,"
                        " reversal_of TEXT",
}
