"""``recon serve`` over real sockets, on the local log and on the real NATS JetStream server.

Every refused request is checked against the store itself: nothing of it was written.
"""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from recon_pipeline.lib.stream.app import read_stats
from recon_pipeline.lib.stream.config import StreamConfig
from recon_pipeline.lib.stream.reader import read_all
from tests.integration.stream.receiver import (
    OLD_SECRET,
    Receiver,
    cloud_event,
    receiver_env,
    running,
    sign,
    stripe_event,
    unique,
)

STORES = [pytest.param("local", id="local"),
          pytest.param("jetstream", id="jetstream", marks=pytest.mark.nats)]


def _drop_stream(name: str) -> None:
    import asyncio

    import nats

    async def drop() -> None:
        nc = await nats.connect("nats://127.0.0.1:4222")
        try:
            await nc.jetstream().delete_stream(name)
        except Exception:
            pass
        finally:
            await nc.close()

    asyncio.run(drop())


@pytest.fixture(params=STORES)
def receiver(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Receiver]:
    stream = unique("RECON_TEST").upper() if request.param == "jetstream" else None
    try:
        with running(receiver_env(tmp_path / "stream", stream)) as rec:
            yield rec
    finally:
        if stream:
            _drop_stream(stream)


def stored_keys(rec: Receiver) -> list[str]:
    config = StreamConfig.from_env(rec.env)
    return [entry.record.key for entry in read_all(config)]


def test_signed_webhook_is_stored_once_and_redelivery_is_absorbed(receiver: Receiver) -> None:
    event = stripe_event(unique("evt"))
    assert receiver.webhook(event) == (200, {"stored": 1, "duplicates": 0})
    # Stripe retries the same event (same id, new signature timestamp): stored once.
    assert receiver.webhook(event, at=int(time.time()) - 5) == (200, {"stored": 0,
                                                                      "duplicates": 1})
    assert stored_keys(receiver) == [event["id"]]
    entry = read_all(StreamConfig.from_env(receiver.env))[0]
    assert json.loads(entry.record.body) == event


def test_secret_rotation_accepts_the_previous_secret(receiver: Receiver) -> None:
    event = stripe_event(unique("evt"))
    assert receiver.webhook(event, secret=OLD_SECRET)[0] == 200
    assert stored_keys(receiver) == [event["id"]]


def test_refused_requests_are_stored_nowhere(receiver: Receiver) -> None:
    wrong = stripe_event(unique("evt"))
    status, body = receiver.webhook(wrong, secret="whsec_not_ours")
    assert (status, body["error"]) == (400, "bad signature")

    stale = stripe_event(unique("evt"))
    status, body = receiver.webhook(stale, at=int(time.time()) - 301)
    assert (status, body["error"]) == (400, "timestamp older than 300 s")

    missing = stripe_event(unique("evt"))
    status, body = receiver.post("/webhooks/stripe", json.dumps(missing).encode(), {})
    assert (status, body["error"]) == (400, "missing Stripe-Signature header")

    # Signed, then the body changed on the way: the signature no longer matches.
    tampered = stripe_event(unique("evt"))
    raw = json.dumps(tampered).encode()
    header = sign(raw, "whsec_test_current")
    status, _ = receiver.post("/webhooks/stripe", raw.replace(b"1000", b"9000"),
                              {"Stripe-Signature": header})
    assert status == 400

    usage = cloud_event(unique("ce"))
    status, body = receiver.usage(usage, token="not-the-token")
    assert (status, body["error"]) == (401, "missing or wrong bearer token")
    status, _ = receiver.post("/events/usage", json.dumps(usage).encode(),
                              {"Content-Type": "application/cloudevents+json"})
    assert status == 401

    assert stored_keys(receiver) == []
    assert receiver.get("/healthz")[1]["refused"] == 6
    # On the way out the receiver leaves its counts for the sensor's metadata.
    receiver.proc.send_signal(signal.SIGTERM)
    receiver.proc.wait(10)
    stats = read_stats(Path(receiver.env["RECON_STREAM_DIR"]))
    assert stats["refused"] == 6
    assert stats["refused_by_reason"]["usage: 401 missing or wrong bearer token"] == 2
    assert stats["refused_by_reason"]["stripe: 400 bad signature"] == 2


def test_cloudevents_single_and_batch(receiver: Receiver) -> None:
    one = cloud_event(unique("ce"))
    assert receiver.usage(one) == (200, {"stored": 1, "duplicates": 0})
    batch = [cloud_event(unique("ce")) for _ in range(100)]
    assert receiver.usage([*batch, one]) == (200, {"stored": 100, "duplicates": 1})
    keys = stored_keys(receiver)
    assert len(keys) == 101 and len(set(keys)) == 101
    assert keys[0] == f"{one['id']}@{one['source']}"


@pytest.mark.parametrize(("body", "content_type", "status", "reason"), [
    (b'{"specversion": "1.0"', "application/cloudevents+json", 400, "malformed JSON"),
    (b'{"specversion": "0.3", "id": "a", "source": "/s", "type": "t"}',
     "application/cloudevents+json", 400, "specversion must be 1.0"),
    (b'{"specversion": "1.0", "source": "/s", "type": "t"}',
     "application/cloudevents+json", 400, "missing or empty required attribute id"),
    (b'[{"specversion": "1.0", "id": "a", "source": "/s", "type": "t", "time": "yesterday"}]',
     "application/cloudevents-batch+json", 400, "event 0: attribute time"),
    (b'{"specversion": "1.0", "id": "a", "source": "/s", "type": "t"}',
     "application/json", 415, "content type must be"),
    (b"[" + b'"x",' * 400_000 + b'"x"]', "application/cloudevents-batch+json", 413,
     "body larger than"),
], ids=["truncated", "old-specversion", "no-id", "bad-time", "wrong-content-type",
        "too-large"])  # short ids: pytest passes the test's id on in PYTEST_CURRENT_TEST
def test_malformed_usage_bodies_get_a_reason(receiver: Receiver, body: bytes,
                                             content_type: str, status: int,
                                             reason: str) -> None:
    got, answer = receiver.post("/events/usage", body, {
        "Authorization": "Bearer usage-token-for-tests", "Content-Type": content_type})
    assert got == status
    assert reason in answer["error"]
    assert stored_keys(receiver) == []


def test_killed_receiver_loses_no_acknowledged_event(receiver: Receiver) -> None:
    """SIGKILL while requests are in flight: every event that got a 2xx is in the store,
    and a receiver started again on the same store goes on (a torn entry is skipped)."""
    events = [cloud_event(unique("ce")) for _ in range(400)]
    acknowledged: list[str] = []

    def send(event: dict[str, object]) -> None:
        try:
            if receiver.usage(event)[0] == 200:
                acknowledged.append(f"{event['id']}@{event['source']}")
        except OSError:
            pass  # the receiver died first: not acknowledged, the sender retries

    with ThreadPoolExecutor(8) as pool:
        for event in events:
            pool.submit(send, event)
        # Kill once some events are acknowledged and most are still queued or in flight: a
        # fixed sleep acknowledged nothing on a loaded machine (load 9 on two cores).
        deadline = time.monotonic() + 60
        while len(acknowledged) < 20 and time.monotonic() < deadline:
            time.sleep(0.005)
        receiver.proc.send_signal(signal.SIGKILL)
    receiver.proc.wait(10)
    assert acknowledged, "nothing was acknowledged before the kill"
    keys = set(stored_keys(receiver))
    assert set(acknowledged) <= keys
    with running(receiver.env) as again:
        late = cloud_event(unique("ce"))
        assert again.usage(late)[0] == 200
        first = f"{events[0]['id']}@{events[0]['source']}"
        assert again.usage(events[0])[1]["stored"] == (0 if first in keys else 1)
    after = stored_keys(receiver)
    assert f"{late['id']}@{late['source']}" in after
    assert len(after) == len(set(after))


def test_unknown_paths_and_methods_get_404_and_405(receiver: Receiver) -> None:
    status, body = receiver.post("/webhooks/other", b"{}", {})
    assert (status, body) == (404, {"error": "no such path: /webhooks/other"})
    status, body = receiver.get("/events/usage")
    assert (status, body) == (405, {"error": "/events/usage accepts POST only"})
    status, body = receiver.post("/healthz", b"", {})
    assert (status, body) == (405, {"error": "/healthz accepts GET only"})
    assert receiver.get("/healthz")[0] == 200
    assert stored_keys(receiver) == []
