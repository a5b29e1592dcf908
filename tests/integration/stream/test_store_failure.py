"""A store that fails or stalls is answered 503 and acknowledges nothing (the app in process,
with the real JetStream writer on the real server)."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from recon_pipeline.lib.stream import jetstream
from recon_pipeline.lib.stream.app import create_app
from recon_pipeline.lib.stream.config import StreamConfig
from tests.integration.stream.receiver import NATS_URL, TOKEN, cloud_event, unique


async def _call(app: Any, method: str, path: str, body: bytes,
                headers: list[tuple[bytes, bytes]]) -> tuple[int, Any]:
    """One request through the ASGI app, as a server would make it."""
    sent: list[dict[str, Any]] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "http", "method": method, "path": path, "headers": headers},
              receive, send)
    status = sent[0]["status"]
    return status, json.loads(b"".join(m.get("body", b"") for m in sent[1:]))


@pytest.mark.nats
def test_jetstream_failure_and_stall_answer_503(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    import nats

    name = f"RECON_TEST_{uuid.uuid4().hex[:10].upper()}"
    config = StreamConfig(stream_dir=tmp_path / "stream", nats_url=NATS_URL, nats_stream=name,
                          usage_token=TOKEN)
    log = jetstream.JetStreamLog(NATS_URL, name)
    app = create_app(config, log)
    headers = [(b"authorization", f"Bearer {TOKEN}".encode()),
               (b"content-type", b"application/cloudevents-batch+json")]

    async def scenario() -> list[tuple[int, Any]]:
        await log.open()
        try:
            answers = [await _call(app, "POST", "/events/usage", json.dumps(
                [cloud_event(unique("ce")) for _ in range(3)]).encode(), headers)]
            # Every PubAck slot taken and never freed: the next request stalls, then a 503.
            monkeypatch.setattr(jetstream, "STALL_S", 0.2)
            log._pending = jetstream.MAX_PENDING_ACKS
            answers.append(await _call(app, "POST", "/events/usage", json.dumps(
                [cloud_event(unique("ce"))]).encode(), headers))
            log._pending = 0
            # The stream is gone: the server answers no PubAck, the request a 503.
            nc = await nats.connect(NATS_URL)
            await nc.jetstream().delete_stream(name)
            await nc.close()
            answers.append(await _call(app, "POST", "/events/usage", json.dumps(
                [cloud_event(unique("ce"))]).encode(), headers))
            return answers
        finally:
            await log.close()

    answers = asyncio.run(scenario())
    assert answers[0] == (200, {"stored": 3, "duplicates": 0})
    assert answers[1] == (503, {"error": "events could not be stored; retry"})
    assert answers[2] == (503, {"error": "events could not be stored; retry"})
