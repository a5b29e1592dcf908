"""The Dagster-free logic of the close-cycle operations, on real files and a real ledger.

- fingerprints of a sources directory: what changes them (size, modification time, a file
  added or removed) and what does not (hidden files, folders outside the source systems);
- which cycles the schedules run: the month just ended, the open month, and the earlier cycles
  that still have open exceptions in a ledger written by ``write_reports``;
- which reconciled cycles the late-data sensor runs again;
- the ``schedule:`` section of config/recon.yml.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recon_pipeline.lib.config import CloseSchedule, ConfigError, load_config
from recon_pipeline.lib.operations import (
    cycle_just_ended,
    cycles_to_recheck,
    cycles_with_open_exceptions,
    diff_fingerprints,
    fingerprint_sources,
    open_cycle,
    read_fingerprint,
    reconciled_cycles,
    record_sources_fingerprint,
    stale_cycles,
)
from recon_pipeline.lib.reports import FINDINGS_SCHEMA, CycleInputs, read_ledger, write_reports

T0 = datetime(2026, 9, 4, 6, 0, tzinfo=UTC)


# ---------------------------------------------------------------- fingerprints


def _sources(root: Path) -> Path:
    """A small sources directory: a few files in four systems, plus things to ignore."""
    files = {
        "billing/customers.jsonl": '{"id": "cus_1"}\n',
        "billing/invoices.jsonl": '{"id": "in_1"}\n{"id": "in_2"}\n',
        "payments/charges.jsonl": '{"id": "ch_1"}\n',
        "usage/2026-09/events-a.jsonl": '{"id": "e1"}\n',
        "reference/fx_rates.csv": "date,currency,rate_to_reporting\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    return root


def test_fingerprint_lists_every_source_file_and_is_stable(tmp_path: Path) -> None:
    root = _sources(tmp_path / "src")
    first = fingerprint_sources(root)
    assert [f.path for f in first.files] == [
        "billing/customers.jsonl",
        "billing/invoices.jsonl",
        "payments/charges.jsonl",
        "reference/fx_rates.csv",
        "usage/2026-09/events-a.jsonl",
    ]
    assert first.files[1].size == len('{"id": "in_1"}\n{"id": "in_2"}\n')
    assert fingerprint_sources(root) == first
    assert len(first.digest) == 16


def test_hidden_files_and_other_folders_do_not_count(tmp_path: Path) -> None:
    root = _sources(tmp_path / "src")
    before = fingerprint_sources(root)
    (root / "billing" / ".DS_Store").write_text("x")
    (root / "usage" / ".partial").mkdir()
    (root / "usage" / ".partial" / "events.jsonl").write_text("{}\n")
    (root / "_truth").mkdir()
    (root / "_truth" / "findings.csv").write_text("a\n")
    (root / "notes.txt").write_text("hello")
    assert fingerprint_sources(root).digest == before.digest


def test_size_change_changes_the_fingerprint(tmp_path: Path) -> None:
    root = _sources(tmp_path / "src")
    before = fingerprint_sources(root)
    path = root / "billing" / "invoices.jsonl"
    stat = path.stat()
    with path.open("a") as f:
        f.write('{"id": "in_3"}\n')
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime: size alone
    after = fingerprint_sources(root)
    assert after.digest != before.digest
    diff = diff_fingerprints(before, after)
    assert (diff.added, diff.removed, diff.changed) == ((), (), ("billing/invoices.jsonl",))


def test_rewrite_of_the_same_size_changes_the_fingerprint_by_mtime(tmp_path: Path) -> None:
    root = _sources(tmp_path / "src")
    before = fingerprint_sources(root)
    path = root / "payments" / "charges.jsonl"
    path.write_text('{"id": "ch_9"}\n')  # same length, new content
    os.utime(path, ns=(1_700_000_001_000_000_000, 1_700_000_001_000_000_000))
    after = fingerprint_sources(root)
    assert after.digest != before.digest
    assert diff_fingerprints(before, after).changed == ("payments/charges.jsonl",)


def test_added_and_removed_files_change_the_fingerprint(tmp_path: Path) -> None:
    root = _sources(tmp_path / "src")
    before = fingerprint_sources(root)
    (root / "usage" / "late-usage.jsonl.gz").write_bytes(b"\x1f\x8b")
    added = fingerprint_sources(root)
    assert added.digest != before.digest
    assert diff_fingerprints(before, added).added == ("usage/late-usage.jsonl.gz",)

    (root / "reference" / "fx_rates.csv").unlink()
    removed = fingerprint_sources(root)
    diff = diff_fingerprints(added, removed)
    assert diff.removed == ("reference/fx_rates.csv",)
    assert "1 removed (reference/fx_rates.csv)" in diff.summary()
    assert not diff_fingerprints(removed, removed)


def test_recorded_fingerprint_reads_back(tmp_path: Path) -> None:
    root = _sources(tmp_path / "src")
    raw = tmp_path / "out" / "raw" / "2026-09"
    assert read_fingerprint(raw) is None
    recorded = record_sources_fingerprint(root, raw, cycle="2026-09", recorded_at=T0)
    assert read_fingerprint(raw) == recorded
    (raw / "sources_fingerprint.json").write_text("{not json")
    assert read_fingerprint(raw) is None


# ---------------------------------------------------------------- cycles


@pytest.mark.parametrize(
    ("at", "ended", "still_open"),
    [
        (datetime(2026, 11, 4, 6, tzinfo=UTC), "2026-10", "2026-11"),
        (datetime(2027, 1, 4, 6, tzinfo=UTC), "2026-12", "2027-01"),
        (datetime(2026, 3, 31, 23, 59, tzinfo=UTC), "2026-02", "2026-03"),
    ],
)
def test_month_just_ended_and_open_month(at: datetime, ended: str, still_open: str) -> None:
    assert cycle_just_ended(at) == ended
    assert open_cycle(at) == still_open


def _finding(cycle: str, object_id: str, category: str = "invoice_not_posted") -> dict[str, object]:
    return {
        "cycle": cycle, "recon": "billing_erp", "category": category, "severity": "error",
        "legal_entity": "US01", "customer_id": "cus_1", "object_id": object_id,
        "period_start": None, "related_id": None, "currency": "usd",
        "expected_amount": Decimal("100.00"), "actual_amount": Decimal("0.00"),
        "difference": Decimal("-100.00"), "leakage_amount": None,
        "leakage_amount_reporting": None, "detail": f"Invoice {object_id} is not posted.",
    }


def _inputs(cycle: str, *objects: str) -> CycleInputs:
    """What the reconciliations of ``cycle`` hand to the reports: one finding per object."""
    return CycleInputs(
        cycle=cycle,
        findings=pa.Table.from_pylist([_finding(cycle, o) for o in objects],
                                      schema=FINDINGS_SCHEMA),
        rows_read={"billing": 10, "erp": 10},
        objects_checked={"billing_erp": 10},
    )


def test_cycles_with_open_exceptions_follow_the_ledger(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cycles_with_open_exceptions(out) == []
    write_reports(out, _inputs("2026-07", "in_jul"), now=T0 - timedelta(days=31))
    write_reports(out, _inputs("2026-08", "in_aug_1", "in_aug_2"), now=T0)
    write_reports(out, _inputs("2026-09"), now=T0 + timedelta(days=30))
    # A provisional run of the open month never enters the ledger.
    write_reports(out, _inputs("2026-10", "in_oct"), now=T0 + timedelta(days=40),
                  provisional=True)
    assert cycles_with_open_exceptions(out) == ["2026-07", "2026-08"]
    assert cycles_to_recheck(out, before="2026-10") == ["2026-07", "2026-08"]
    assert cycles_to_recheck(out, before="2026-08") == ["2026-07"]
    assert cycles_to_recheck(out, before="2026-10", first="2026-08") == ["2026-08"]

    # The source systems were fixed: running 2026-07 again finds nothing, so it is resolved.
    write_reports(out, _inputs("2026-07"), now=T0 + timedelta(days=60))
    assert cycles_with_open_exceptions(out) == ["2026-08"]
    exceptions = pq.read_table(out / "exceptions.parquet").to_pylist()
    status = {r["object_id"]: r["status"] for r in exceptions}
    assert status == {"in_jul": "resolved", "in_aug_1": "open", "in_aug_2": "open"}
    assert set(read_ledger(out).snapshots) == {"2026-07", "2026-08", "2026-09"}


def test_reconciled_cycles_are_those_with_final_reports(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_reports(out, _inputs("2026-08", "in_1"), now=T0)
    write_reports(out, _inputs("2026-09"), now=T0 + timedelta(days=30))
    write_reports(out, _inputs("2026-10", "in_2"), now=T0 + timedelta(days=40),
                  provisional=True)
    (out / "reports" / "notes").mkdir()
    assert reconciled_cycles(out) == ["2026-08", "2026-09"]


def test_stale_cycles_are_reconciled_cycles_whose_sources_changed(tmp_path: Path) -> None:
    root = _sources(tmp_path / "src")
    out = tmp_path / "out"
    for cycle, day in (("2026-07", 0), ("2026-08", 31), ("2026-09", 62)):
        record_sources_fingerprint(root, out / "raw" / cycle, cycle=cycle, recorded_at=T0)
        write_reports(out, _inputs(cycle, f"in_{cycle}"), now=T0 + timedelta(days=day))
    # 2026-06 was reconciled before fingerprints were recorded: nothing to compare it with.
    write_reports(out, _inputs("2026-06"), now=T0 - timedelta(days=30))
    # The open month has a fingerprint (its provisional run) but no final reports.
    record_sources_fingerprint(root, out / "raw" / "2026-10", cycle="2026-10", recorded_at=T0)

    current = fingerprint_sources(root)
    assert stale_cycles(out, current) == ([], ["2026-06"])

    (root / "usage" / "late.jsonl").write_text('{"id": "late"}\n')
    changed = fingerprint_sources(root)
    stale, unknown = stale_cycles(out, changed)
    assert [s.cycle for s in stale] == ["2026-07", "2026-08", "2026-09"]
    assert unknown == ["2026-06"]
    assert stale[0].diff.added == ("usage/late.jsonl",)
    assert [s.cycle for s in stale_cycles(out, changed, first="2026-08", last="2026-08")[0]] == [
        "2026-08"
    ]

    # The re-run of 2026-08 records the sources as they are now: only the others stay stale.
    record_sources_fingerprint(root, out / "raw" / "2026-08", cycle="2026-08",
                               recorded_at=T0 + timedelta(days=70))
    assert [s.cycle for s in stale_cycles(out, fingerprint_sources(root))[0]] == [
        "2026-07", "2026-09"
    ]


# ---------------------------------------------------------------- schedule settings


def test_schedule_defaults_come_from_config_recon_yml() -> None:
    schedule = load_config().close_schedule()
    assert schedule == CloseSchedule(close_day_of_month=4, close_hour_utc=6,
                                     provisional_hour_utc=5)
    assert schedule.close_cron == "0 6 4 * *"
    assert schedule.provisional_cron == "0 5 * * *"


def test_a_config_file_overrides_only_the_schedule_keys_it_sets(tmp_path: Path) -> None:
    path = tmp_path / "recon.yml"
    path.write_text("schedule:\n  close_day_of_month: 6\n")
    schedule = load_config(path).close_schedule()
    assert (schedule.close_day_of_month, schedule.close_hour_utc) == (6, 6)
    assert schedule.close_cron == "0 6 6 * *"
    assert load_config(path).grace_days == load_config().grace_days


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("schedule:\n  close_day_of_month: 31\n", "close_day_of_month must be a whole number "
                                                  "from 1 to 28"),
        ("schedule:\n  close_hour_utc: 24\n", "close_hour_utc must be a whole number from 0"),
        ("schedule:\n  provisional_hour_utc: six\n", "provisional_hour_utc must be"),
        ("schedule:\n  close_minute: 5\n", "unknown setting(s) close_minute"),
        ("schedule: daily\n", "schedule must map"),
    ],
)
def test_bad_schedule_settings_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "recon.yml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(path)

