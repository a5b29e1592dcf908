"""The exception ledger: stable ids, new / recurring, resolution, order and re-runs."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recon_pipeline.lib.reports import CycleInputs, exception_id, write_reports
from tests.unit.reports.kit import cycle_inputs, truth_rows

T0 = datetime(2026, 9, 4, 6, 0, tzinfo=UTC)
TIMESTAMPS = ["first_seen_at", "resolved_at", "age_days"]
CYCLES = ("2026-08", "2026-09", "2026-10")


def _run(out: Path, inputs: CycleInputs, now: datetime) -> pa.Table:
    return write_reports(out, inputs, now=now).mismatches


def _exceptions(out: Path) -> list[dict[str, object]]:
    return pq.read_table(out / "exceptions.parquet").drop_columns(TIMESTAMPS).to_pylist()


def _only_in(sources: Path, cycle: str) -> str:
    """An object found in ``cycle`` and in no other cycle of the truth."""
    rows = truth_rows(sources)
    elsewhere = {r["object_id"] for r in rows if r["cycle"] != cycle}
    return next(r["object_id"] for r in rows if r["cycle"] == cycle
                and r["object_id"] not in elsewhere and r["category"] == "unbilled_subscription")


def test_ids_are_stable_and_readable(sources: Path, tmp_path: Path) -> None:
    first = _run(tmp_path / "a", cycle_inputs(sources, "2026-08"), T0)
    again = _run(tmp_path / "b", cycle_inputs(sources, "2026-08"), T0 + timedelta(days=9))
    assert first.column("exception_id").equals(again.column("exception_id"))
    assert all(re.fullmatch(r"[A-Z]{3}-[0-9a-f]{12}", i)
               for i in first.column("exception_id").to_pylist())
    row = first.slice(0, 1).to_pylist()[0]
    assert row["exception_id"] == exception_id(row["category"], row["object_id"],
                                               row["period_start"])
    assert exception_id("unbilled_usage", "si_1", None) != exception_id(
        "unbilled_usage", "si_1", T0.date())


def test_new_and_recurring_across_cycles(sources: Path, tmp_path: Path) -> None:
    aug = _run(tmp_path, cycle_inputs(sources, "2026-08"), T0)
    sep = _run(tmp_path, cycle_inputs(sources, "2026-09"), T0 + timedelta(days=30))
    assert set(aug.column("status").to_pylist()) == {"new"}
    before = set(aug.column("exception_id").to_pylist())
    for r in sep.to_pylist():
        assert r["status"] == ("recurring" if r["exception_id"] in before else "new"), r
    recurring = [r for r in sep.to_pylist() if r["status"] == "recurring"]
    assert any(r["recon"] == "customer_master" for r in recurring)


def test_resolved_then_reopened(sources: Path, tmp_path: Path) -> None:
    gone = _only_in(sources, "2026-09")
    _run(tmp_path, cycle_inputs(sources, "2026-08"), T0)
    _run(tmp_path, cycle_inputs(sources, "2026-09"), T0 + timedelta(days=30))
    later = T0 + timedelta(days=40)
    _run(tmp_path, cycle_inputs(sources, "2026-09", drop=frozenset({gone})), later)
    ledger = {r["object_id"]: r for r in pq.read_table(tmp_path / "exceptions.parquet").to_pylist()}
    assert ledger[gone]["status"] == "resolved"
    assert ledger[gone]["resolved_at"] == later
    assert ledger[gone]["age_days"] == 10
    assert ledger[gone]["first_seen_cycle"] == ledger[gone]["last_seen_cycle"] == "2026-09"
    assert ledger[gone]["open_cycles"] == []
    assert sum(r["status"] == "resolved" for r in ledger.values()) == 1
    _run(tmp_path, cycle_inputs(sources, "2026-09"), later + timedelta(days=1))
    again = {r["object_id"]: r for r in pq.read_table(tmp_path / "exceptions.parquet").to_pylist()}
    assert again[gone]["status"] == "open" and again[gone]["resolved_at"] is None
    assert again[gone]["first_seen_at"] == T0 + timedelta(days=30)


def test_ledger_does_not_depend_on_the_order_of_runs(sources: Path, tmp_path: Path) -> None:
    gone = _only_in(sources, "2026-09")
    runs = {
        "08": cycle_inputs(sources, "2026-08"), "09": cycle_inputs(sources, "2026-09"),
        "09b": cycle_inputs(sources, "2026-09", drop=frozenset({gone})),
        "10": cycle_inputs(sources, "2026-10"),
    }
    orders = [["08", "09", "09b", "10"], ["10", "09", "08", "09b"],
              ["09", "10", "09b", "08", "10", "08"]]
    ledgers = []
    for n, order in enumerate(orders):
        for i, name in enumerate(order):
            _run(tmp_path / str(n), runs[name], T0 + timedelta(days=7 * i + n))
        ledgers.append(_exceptions(tmp_path / str(n)))
    assert ledgers[0] == ledgers[1] == ledgers[2]
    assert {r["status"] for r in ledgers[0]} == {"open", "resolved"}
    ids = [r["exception_id"] for r in ledgers[0]]
    assert len(ids) == len(set(ids))


def test_rerun_is_idempotent(sources: Path, tmp_path: Path) -> None:
    for i, cycle in enumerate(CYCLES):
        _run(tmp_path, cycle_inputs(sources, cycle), T0 + timedelta(days=30 * i))
    folder = tmp_path / "reports" / "2026-09"
    csv_before = (folder / "mismatches.csv").read_bytes()
    parquet_before = pq.read_table(folder / "mismatches.parquet")
    events_before = sorted((tmp_path / "ledger" / "events").iterdir())
    ledger_before = _exceptions(tmp_path)
    _run(tmp_path, cycle_inputs(sources, "2026-09"), T0 + timedelta(days=90))
    assert (folder / "mismatches.csv").read_bytes() == csv_before
    assert pq.read_table(folder / "mismatches.parquet").equals(parquet_before)
    assert sorted((tmp_path / "ledger" / "events").iterdir()) == events_before
    assert _exceptions(tmp_path) == ledger_before
    snapshot = pq.read_table(tmp_path / "ledger" / "cycles" / "2026-09.parquet")
    assert snapshot.drop_columns(["run_at"]).equals(parquet_before)
    events = pa.concat_tables([pq.read_table(p) for p in events_before])
    pairs = list(zip(events["exception_id"].to_pylist(), events["cycle"].to_pylist(),
                     strict=True))
    assert len(pairs) == len(set(pairs))


def test_a_run_with_no_findings_resolves_the_cycle(sources: Path, tmp_path: Path) -> None:
    _run(tmp_path, cycle_inputs(sources, "2026-08"), T0)
    _run(tmp_path, cycle_inputs(sources, "2026-09"), T0 + timedelta(days=30))
    empty = replace(cycle_inputs(sources, "2026-08"),
                    findings=cycle_inputs(sources, "2026-08").findings.slice(0, 0))
    result = _run(tmp_path, empty, T0 + timedelta(days=31))
    assert result.num_rows == 0
    ledger = pq.read_table(tmp_path / "exceptions.parquet").to_pylist()
    only_aug = [r for r in ledger if r["open_cycles"] in ([], ["2026-08"])]
    assert only_aug and all(r["status"] == "resolved" for r in only_aug)
    assert all(r["status"] == "open" for r in ledger if "2026-09" in r["open_cycles"])
    assert (tmp_path / "reports" / "2026-08" / "report.html").is_file()


def test_provisional_run_stays_out_of_the_ledger(sources: Path, tmp_path: Path) -> None:
    _run(tmp_path, cycle_inputs(sources, "2026-08"), T0)
    ledger = tmp_path / "ledger"
    before = {p: p.read_bytes() for p in [*ledger.rglob("*.parquet"),
                                          tmp_path / "exceptions.parquet"]}
    result = write_reports(tmp_path, cycle_inputs(sources, "2026-09"),
                           now=T0 + timedelta(days=10), provisional=True)
    after = {p: p.read_bytes() for p in [*ledger.rglob("*.parquet"),
                                         tmp_path / "exceptions.parquet"]}
    assert after == before
    assert result.folder == tmp_path / "reports" / "2026-09" / "provisional"
    assert result.summary["provisional"] is True and result.exceptions is None
    assert "recurring" in result.mismatches.column("status").to_pylist()
    assert "Provisional" in (result.folder / "report.html").read_text("utf-8")
    final = write_reports(tmp_path, cycle_inputs(sources, "2026-09"), now=T0 + timedelta(days=31))
    assert final.folder == tmp_path / "reports" / "2026-09"
    assert not result.folder.exists()


def test_bad_inputs_are_refused(sources: Path, tmp_path: Path) -> None:
    inputs = cycle_inputs(sources, "2026-08")
    f = inputs.findings
    i = f.schema.get_field_index("difference")
    as_float = f.set_column(i, "difference", f["difference"].cast(pa.float64()))
    lossy = f.set_column(i, "difference", pa.array(
        [None] * (f.num_rows - 1) + [pa.scalar(1, pa.decimal128(10, 4)).as_py() / 10_000],
        pa.decimal128(10, 4)))
    wrong_recon = f.set_column(f.schema.get_field_index("recon"), "recon",
                               pa.array(["revenue"] * f.num_rows))
    twice = pa.concat_tables([f, f.slice(0, 1)])
    severity = f.set_column(f.schema.get_field_index("severity"), "severity",
                            pa.array(["critical"] * f.num_rows))
    for bad, message in [(as_float, "money must be decimal"), (lossy, "does not fit"),
                         (severity, "severity"),
                         (wrong_recon, "is not of recon"), (twice, "appears twice")]:
        with pytest.raises(ValueError, match=message):
            write_reports(tmp_path, replace(inputs, findings=bad), now=T0)
    with pytest.raises(ValueError, match="handed in for"):
        write_reports(tmp_path, replace(inputs, cycle="2026-09"), now=T0)
    with pytest.raises(ValueError, match="timezone-aware"):
        write_reports(tmp_path, inputs, now=T0.replace(tzinfo=None))
    assert not (tmp_path / "reports").exists()
