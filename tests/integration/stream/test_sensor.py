"""The ``stream_landing`` sensor on a real Dagster instance: lands, keeps its place, records
the stream asset's figures and runs the cycles the events touched."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from recon_pipeline.definitions import defs
from recon_pipeline.defs.stream.sensors import STREAM_ASSET
from tests.integration.stream.logkit import append, usage_record
from tests.integration.stream.receiver import cloud_event


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    for key in [k for k in os.environ if k.startswith("RECON_")]:
        monkeypatch.delenv(key)
    (tmp_path / "sources").mkdir()
    monkeypatch.setenv("RECON_SOURCES_DIR", str(tmp_path / "sources"))
    monkeypatch.setenv("RECON_OUT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("RECON_STREAM_DIR", str(tmp_path / "stream"))
    yield tmp_path / "stream", tmp_path / "out"


def _tick(instance: dg.DagsterInstance, cursor: str | None) -> dg.SensorExecutionData:
    sensor = defs.resolve_sensor_def("stream_landing")
    context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs)
    return sensor.evaluate_tick(context)


def test_sensor_lands_and_runs_the_cycles_touched(env: tuple[Path, Path]) -> None:
    stream, out = env
    now = datetime.now(UTC)
    open_month = now.strftime("%Y-%m")
    (out / "reports" / "2026-08").mkdir(parents=True)
    (out / "reports" / "2026-08" / "summary.json").write_text("{}")
    events = [
        cloud_event("open-1", time_text=now.strftime("%Y-%m-%dT%H:%M:%SZ")),
        cloud_event("late-1", time_text="2026-08-30T12:00:00Z"),  # a reconciled cycle
        cloud_event("old-1", time_text="2020-02-01T00:00:00Z"),  # never reconciled: no run
        cloud_event("bad-1", value=-5, time_text="2026-08-30T12:00:00Z"),
    ]
    append(stream, [usage_record(e) for e in events])
    with dg.DagsterInstance.ephemeral() as instance:
        result = _tick(instance, None)
        requests = {r.partition_key: r.tags for r in result.run_requests or []}
        assert set(requests) == {open_month, "2026-08"}
        assert requests[open_month]["recon/provisional"] == "true"
        assert "recon/provisional" not in requests["2026-08"]
        assert json.loads(result.cursor or "{}")["position"] > 0
        [event] = result.asset_events
        assert event.asset_key == STREAM_ASSET
        meta = {k: v.value for k, v in event.metadata.items()}
        assert (meta["events_landed"], meta["quarantined"], meta["backlog_events"]) == (3, 1, 0)
        assert meta["quarantined_by_customer"] == {"cus_1": 1}
        assert meta["quarantined_by_legal_entity"] == {"unknown": 1}
        assert meta["sync_latency_s"] >= 0 and meta["backlog_oldest_age_s"] == 0

        again = _tick(instance, result.cursor)
        assert again.skip_message == "no new event" and not again.run_requests
        append(stream, [usage_record(events[1])], window=0)  # a replay, days later
        replay = _tick(instance, again.cursor)
        meta = {k: v.value for k, v in replay.asset_events[0].metadata.items()}
        assert (meta["events_landed"], meta["replays_absorbed"]) == (0, 1)


def test_stream_asset_has_a_freshness_policy() -> None:
    [spec] = [s for s in defs.resolve_all_asset_specs() if s.key == STREAM_ASSET]
    assert spec.freshness_policy is not None
    assert spec.group_name == "sources"
