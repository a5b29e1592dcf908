"""Landing the log into the raw zone and merging it into a cycle's tables, on generated sources:
newest state wins between export and events, redeliveries land once, bad events are
quarantined with their key, and a landing killed mid-batch lands every event exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from recon_pipeline.generate import GenerateStats
from recon_pipeline.lib.extract import combine_parts, extract_object
from recon_pipeline.lib.stream.config import StreamConfig
from recon_pipeline.lib.stream.landing import BatchReport, land_all, landing_dir, totals
from tests.integration.stream.logkit import append, stripe_record, usage_record
from tests.integration.stream.receiver import NATS_URL, cloud_event

CYCLE = "2026-09"


def _first(path: Path, where: str | None = None) -> dict[str, Any]:
    for line in path.read_text().splitlines():
        obj = json.loads(line)
        if where is None or where in line:
            return obj
    raise AssertionError(f"nothing in {path}")


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    return duckdb.sql(sql.replace("{t}", f"read_parquet('{path}')")).fetchall()


def test_events_join_the_cycle_tables_newest_state_wins(generated: GenerateStats,
                                                        tmp_path: Path) -> None:
    sources = generated.out
    config = StreamConfig(stream_dir=tmp_path / "stream")
    mtime = int((sources / "payments" / "charges.jsonl").stat().st_mtime)
    now = max(int(time.time()), mtime + 60)  # events after the export was written
    lines = (sources / "payments" / "charges.jsonl").read_text().splitlines()
    newer, older = json.loads(lines[0]), json.loads(lines[1])
    newer["amount_refunded"] = 123
    older["amount_refunded"] = 456
    brand_new = dict(newer, id="ch_stream_only", amount_refunded=777)
    invoice = _first(sources / "billing" / "invoices.jsonl", '"lines"')
    invoice["lines"]["data"] = invoice["lines"]["data"][:1]
    invoice["lines"]["data"][0]["amount"] = 4242
    exported_usage = _first(sources / "usage" / "gpu-2026-09.jsonl")
    fresh = cloud_event("stream-usage-1", value=3, time_text="2026-09-20T08:00:00Z")
    negative = cloud_event("stream-usage-2", value=-1)
    records = [
        stripe_record("evt_newer", newer, "charge.refunded", now),
        stripe_record("evt_older", older, "charge.refunded", mtime - 86_400),
        stripe_record("evt_new", brand_new, "charge.succeeded", now),
        stripe_record("evt_invoice", invoice, "invoice.updated", now),
        stripe_record("evt_plan", {"object": "plan", "id": "plan_x"}, "plan.created", now),
        usage_record(exported_usage), usage_record(fresh), usage_record(negative),
    ]
    assert append(config.stream_dir, records) == len(records)
    # Days later, beyond the writer's de-duplication window: Stripe sends evt_new again.
    assert append(config.stream_dir, [records[2]], window=0) == 1

    reports = land_all(config, tmp_path / "out", limit=5)
    assert [r.events for r in reports] == [5, 4]
    assert totals(tmp_path / "out") | {} == {
        "batches": 2, "events": 9, "landed": 6, "duplicates": 1, "quarantined": 1, "ignored": 1}
    assert {c for r in reports for c in r.cycles} >= {CYCLE}
    assert land_all(config, tmp_path / "out") == []

    raw = tmp_path / "out" / "raw" / CYCLE
    for name in ("payments/charges", "billing/invoices", "usage/events"):
        extract_object(sources, name, raw)
    quarantine, counts = combine_parts(raw)

    charges = raw / "payments" / "charges.parquet"
    got = dict(_rows(charges, "SELECT charge_id, amount_refunded FROM {t} WHERE charge_id IN "
                              f"('{newer['id']}', '{older['id']}', 'ch_stream_only')"))
    assert got == {newer["id"]: 123, older["id"]: json.loads(lines[1])["amount_refunded"],
                   "ch_stream_only": 777}
    assert _rows(charges, "SELECT count(*) - count(DISTINCT charge_id) FROM {t}") == [(0,)]
    assert _rows(charges, "SELECT _file FROM {t} WHERE charge_id = 'ch_stream_only'")[0][0] \
        .startswith("stream/local-")

    invoice_lines = raw / "billing" / "invoice_lines.parquet"
    assert _rows(invoice_lines, "SELECT amount FROM {t} WHERE"
                              f" invoice_id = '{invoice['id']}'") \
        == [(4242,)]
    events = raw / "usage" / "events.parquet"
    assert _rows(events, "SELECT count(*) FROM {t} WHERE event_id IN "
                         f"('{exported_usage['id']}', 'stream-usage-1', 'stream-usage-2')") \
        == [(2,)]
    bad = pq.read_table(quarantine).to_pylist()
    mine = [row for row in bad if row["file"].startswith("stream/")]
    assert [row["reason"] for row in mine] == [
        "event stream-usage-2@/meter/api: negative usage value"]
    stream_counts = [row for row in pq.read_table(counts).to_pylist() if row["file"] == "stream"]
    usage_count = next(r for r in stream_counts if r["table"] == "events")
    assert (usage_count["rows_read"], usage_count["rows_loaded"],
            usage_count["rows_quarantined"]) == (3, 1, 1)


LANDER = """
import sys
from pathlib import Path
from recon_pipeline.lib.stream.config import StreamConfig
from recon_pipeline.lib.stream.landing import land_all
land_all(StreamConfig(stream_dir=Path(sys.argv[1])), Path(sys.argv[2]), limit=int(sys.argv[3]))
"""


def _committed(out: Path) -> int:
    """Batches the landing has committed so far."""
    import sqlite3

    path = landing_dir(out) / "landing.sqlite"
    if not path.is_file():
        return 0
    try:
        with closing(sqlite3.connect(path, timeout=5)) as db:
            return int(db.execute("SELECT count(*) FROM batches").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not created yet
        return 0


def test_landing_killed_mid_batch_lands_every_event_once(tmp_path: Path) -> None:
    config = StreamConfig(stream_dir=tmp_path / "stream")
    out = tmp_path / "out"
    events = [cloud_event(f"kill-{i}", value=i % 7, time_text="2026-09-03T00:00:00Z")
              for i in range(3000)]
    append(config.stream_dir, [usage_record(e) for e in events])
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    kills = 0
    for more in (1, 2, 3):
        # Killed once it has committed `more` further batches (a fixed delay is not enough: a
        # fast landing finishes first), so at any point of the next one.
        start = _committed(out)
        proc = subprocess.Popen([sys.executable, "-c", LANDER, str(config.stream_dir),
                                 str(out), "150"], env=env)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if _committed(out) >= start + more:
                proc.send_signal(signal.SIGKILL)
                kills += 1
                break
            time.sleep(0.005)
        proc.wait()
    assert kills, "the landing finished before it could be killed"
    land_all(config, out, limit=150)
    parts = landing_dir(out) / "usage" / "events"
    rows = duckdb.sql(f"SELECT event_id FROM read_parquet('{parts}/*.parquet')").fetchall()
    assert len(rows) == 3000
    assert {r[0] for r in rows} == {e["id"] for e in events}
    assert totals(out)["landed"] == 3000


@pytest.mark.nats
def test_jetstream_redelivery_beyond_its_window_lands_once(tmp_path: Path) -> None:
    """A stream with a 1 s duplicate window: the same event published again 1.5 s later is
    stored twice by the server, and lands once."""
    import asyncio

    import nats
    from nats.js.api import StorageType
    from nats.js.api import StreamConfig as JsStreamConfig

    from recon_pipeline.lib.stream.jetstream import JetStreamLog

    name = f"RECON_TEST_{uuid.uuid4().hex[:10].upper()}"
    config = StreamConfig(stream_dir=tmp_path / "unused", nats_url=NATS_URL, nats_stream=name)
    events = [usage_record(cloud_event(f"js-{i}")) for i in range(50)]

    async def publish() -> list[int]:
        nc = await nats.connect(NATS_URL)
        await nc.jetstream().add_stream(JsStreamConfig(
            name=name, subjects=[f"{name.lower()}.>"], storage=StorageType.FILE,
            duplicate_window=1))
        await nc.close()
        log = JetStreamLog(NATS_URL, name)
        await log.open()
        try:
            first = await log.append(events)
            again = await log.append(events[:5])  # within the window: dropped by the server
            await asyncio.sleep(1.5)
            late = await log.append(events[:5])  # beyond it: stored again
            return [first, again, late]
        finally:
            await log.close()

    try:
        assert asyncio.run(publish()) == [50, 0, 5]
        reports = land_all(config, tmp_path / "out", limit=20)
        assert sum(r.events for r in reports) == 55
        assert sum(r.landed for r in reports) == 50
        assert sum(r.duplicates for r in reports) == 5
        assert land_all(config, tmp_path / "out") == []
        parts = landing_dir(tmp_path / "out") / "usage" / "events"
        rows = duckdb.sql(f"SELECT event_id FROM read_parquet('{parts}/*.parquet')").fetchall()
        assert sorted(r[0] for r in rows) == sorted(f"js-{i}" for i in range(50))
    finally:
        async def drop() -> None:
            nc = await nats.connect(NATS_URL)
            await nc.jetstream().delete_stream(name)
            await nc.close()

        asyncio.run(drop())


def test_bad_events_in_a_batch_are_quarantined_one_by_one(tmp_path: Path) -> None:
    """The batch's lines are read as one Arrow array; a bad event among good ones is still
    quarantined alone, with its key and reason, and the good ones land."""
    from recon_pipeline.lib.stream.events import USAGE, Record

    config = StreamConfig(stream_dir=tmp_path / "stream")
    good = [cloud_event(f"ok-{i}", value=i, time_text="2026-09-04T00:00:00Z")
            for i in range(50)]
    records = [usage_record(e) for e in good]
    records.insert(10, Record(USAGE, "latin1@/meter", b'{"id": "caf\xe9", "source": "/m"}', 0))
    records.insert(20, usage_record(cloud_event("neg@x", value=-5)))
    records.insert(30, stripe_record("evt_not_json", {}, "charge.succeeded", 0)._replace(
        body=b"not json"))
    assert append(config.stream_dir, records) == 53
    [report] = land_all(config, tmp_path / "out")
    assert (report.events, report.landed, report.quarantined) == (53, 50, 3)
    assert _quarantined(tmp_path / "out", report) == [
        ("evt_not_json", "event evt_not_json: event is not a JSON object"),
        ("latin1@/meter", "event latin1@/meter: invalid UTF-8"),
        ("neg@x@/meter/api", "event neg@x@/meter/api: negative usage value"),
    ]
    assert report.cycles == {"2026-09"}


def test_events_the_landing_cannot_write_are_quarantined_not_stuck(tmp_path: Path) -> None:
    """A log written before the receiver refused them (issue 13's fuzzer found both): a Stripe
    ``created`` past int64 milliseconds, and an object nested deeper than orjson writes, each
    stopped every landing batch (an exception, the position never moved). Now each is
    quarantined with its key and reason, and the events around it land."""
    from recon_pipeline.lib.stream.events import STRIPE, Record

    config = StreamConfig(stream_dir=tmp_path / "stream")
    charge = {"id": "ch_ok", "object": "charge", "amount": 100, "currency": "usd",
              "status": "succeeded", "created": 1788000000}
    far = json.dumps({"id": "evt_far", "object": "event", "type": "charge.succeeded",
                      "created": 2**64 - 1, "data": {"object": {**charge, "id": "ch_far"}}})
    deep = json.dumps({"id": "evt_deep", "object": "event", "type": "charge.succeeded",
                       "created": 1788000000, "data": {"object": {**charge, "id": "ch_deep",
                                                                  "metadata": "@"}}})
    deep = deep.replace('"@"', "[" * 600 + "1" + "]" * 600)
    records = [stripe_record("evt_ok", charge, "charge.succeeded", 1788000000),
               Record(STRIPE, "evt_far", far.encode(), 0),
               Record(STRIPE, "evt_deep", deep.encode(), 0)]
    assert append(config.stream_dir, records) == 3
    [report] = land_all(config, tmp_path / "out")
    assert (report.events, report.landed, report.quarantined) == (3, 1, 2)
    assert _quarantined(tmp_path / "out", report) == [
        ("evt_deep", "event evt_deep: object nested too deeply"),
        ("evt_far", f"event evt_far: created time {2**64 - 1} out of range")]
    assert land_all(config, tmp_path / "out") == []


def _quarantined(out: Path, report: BatchReport) -> list[tuple[str, str]]:
    """The (event key, reason) pairs a landing batch quarantined, sorted."""
    bad = pq.read_table(landing_dir(out) / "quarantine" / f"{report.batch}.parquet").to_pylist()
    return sorted((row["_event_key"], row["reason"]) for row in bad)
