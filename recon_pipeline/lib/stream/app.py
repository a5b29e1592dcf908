"""``recon serve``: the ASGI receiver (a plain ASGI app on uvicorn, uvloop and httptools).

``POST /webhooks/stripe`` (Stripe-Signature verified by the ``stripe`` library),
``POST /events/usage`` (CloudEvents, structured or batch, bearer token), ``GET /healthz``.
A 2xx is sent only after the store said the events are durable (:mod:`.log`: fsync'd;
:mod:`.jetstream`: PubAck). Anything refused gets a 4xx with a JSON ``{"error": reason}`` and is
stored nowhere.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

import orjson

from recon_pipeline.lib import atomic
from recon_pipeline.lib.stream.config import StreamConfig
from recon_pipeline.lib.stream.events import (
    Record,
    Refused,
    check_token,
    load_stripe,
    stripe_records,
    usage_records,
)

log = logging.getLogger("recon.serve")
STATS_FILE = "receiver_stats.json"
STATS_EVERY_S = 5.0


def write_stats(stream_dir: Path, stats: dict[str, Any]) -> None:
    """Replace ``<stream_dir>/receiver_stats.json`` (per receiver process, by pid)."""
    stream_dir.mkdir(parents=True, exist_ok=True)
    atomic.write_text(stream_dir / f"{STATS_FILE}.{os.getpid()}", json.dumps(stats, sort_keys=True))


def read_stats(stream_dir: Path) -> dict[str, Any]:
    """The counts of every receiver that wrote some, added up."""
    total: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for path in stream_dir.glob(f"{STATS_FILE}.*"):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        for key in ("accepted", "duplicates", "refused"):
            total[key] += int(data.get(key, 0))
        reasons.update({str(k): int(v) for k, v in data.get("refused_by_reason", {}).items()})
    return {**total, "refused_by_reason": dict(reasons)}


class Store(Protocol):
    """Where accepted events go: the local log or JetStream."""

    store: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    def healthy(self) -> bool: ...

    async def append(self, records: list[Record]) -> int: ...


def make_store(config: StreamConfig) -> Store:
    """JetStream when ``RECON_NATS_URL`` is set, else the local log."""
    if config.nats_url:
        from recon_pipeline.lib.stream.jetstream import JetStreamLog

        return JetStreamLog(config.nats_url, config.nats_stream)
    from recon_pipeline.lib.stream.log import LocalLog

    return LocalLog(config.stream_dir)


Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

#: (path, method) -> handler name; any other method on a known path is a 405.
ROUTES = {"/webhooks/stripe": "POST", "/events/usage": "POST", "/healthz": "GET"}
_JSON = (b"content-type", b"application/json")


def _header(scope: Scope, name: bytes) -> str | None:
    """A request header (ASGI servers give names in lower case), or None."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


async def _body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The request body; :class:`Refused` (413) past ``limit`` bytes, declared or sent."""
    declared = _header(scope, b"content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise Refused(413, f"body larger than {limit} bytes")
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Refused(400, "client disconnected before the body was sent")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise Refused(413, f"body larger than {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _answer(send: Send, status: int, payload: dict[str, Any],
                  extra: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    body = orjson.dumps(payload)
    await send({"type": "http.response.start", "status": status,
                "headers": [_JSON, (b"content-length", str(len(body)).encode()), *extra]})
    await send({"type": "http.response.body", "body": body})


def create_app(config: StreamConfig | None = None, store: Store | None = None) -> App:
    """The receiver, a plain ASGI app; ``config`` from the environment unless given.

    No framework in the request path: the three routes are looked up in a dict, an unknown
    path is a 404 and a known path with another method a 405 (with ``Allow``), both JSON.
    """
    cfg = config or StreamConfig.from_env()
    sink = store or make_store(cfg)
    if cfg.stripe_secrets:
        load_stripe()  # the stripe library is imported once, at startup
    counts = {"accepted": 0, "duplicates": 0, "refused": 0}
    refused: Counter[str] = Counter()
    tasks: list[asyncio.Task[None]] = []

    async def stored(send: Send, records: list[Record]) -> None:
        try:
            new = await sink.append(records)
        except Exception as exc:  # the store failed or stalled: nothing was acknowledged
            log.error("store failed: %s", exc or type(exc).__name__)
            await _answer(send, 503, {"error": "events could not be stored; retry"})
            return
        counts["accepted"] += new
        counts["duplicates"] += len(records) - new
        await _answer(send, 200, {"stored": new, "duplicates": len(records) - new})

    async def refuse(send: Send, exc: Refused, route: str) -> None:
        counts["refused"] += 1
        refused[f"{route}: {exc.status} {exc.reason.split(':', 1)[0][:60]}"] += 1
        await _answer(send, exc.status, {"error": exc.reason})

    async def stripe_webhook(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            body = await _body(scope, receive, cfg.max_body_bytes)
            records = stripe_records(body, _header(scope, b"stripe-signature"),
                                     cfg.stripe_secrets, cfg.tolerance_s)
        except Refused as exc:
            await refuse(send, exc, "stripe")
            return
        await stored(send, records)

    async def usage_events(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            check_token(_header(scope, b"authorization"), cfg.usage_token)
            body = await _body(scope, receive, cfg.max_body_bytes)
            records = usage_records(body, _header(scope, b"content-type"))
        except Refused as exc:
            await refuse(send, exc, "usage")
            return
        if not records:
            await _answer(send, 200, {"stored": 0, "duplicates": 0})
            return
        await stored(send, records)

    async def healthz(scope: Scope, receive: Receive, send: Send) -> None:
        del scope, receive
        ok = sink.healthy()
        await _answer(send, 200 if ok else 503, {"store": sink.store, "ok": ok, **counts})

    handlers = {"/webhooks/stripe": stripe_webhook, "/events/usage": usage_events,
                "/healthz": healthz}

    def _save_stats() -> None:
        """Counts of this receiver (refused requests by reason) for the sensor's metadata."""
        try:
            write_stats(cfg.stream_dir, {**counts, "refused_by_reason": dict(refused)})
        except OSError as exc:
            log.warning("cannot write receiver stats: %s", exc)

    async def _write_stats() -> None:
        while True:
            await asyncio.sleep(STATS_EVERY_S)
            await asyncio.to_thread(_save_stats)

    async def lifespan(receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await sink.open()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                tasks.append(asyncio.get_running_loop().create_task(_write_stats()))
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for task in tasks:
                    task.cancel()
                await sink.close()
                _save_stats()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            method = ROUTES.get(path)
            if method is None:
                await _answer(send, 404, {"error": f"no such path: {path}"})
            elif scope["method"] != method:
                await _answer(send, 405, {"error": f"{path} accepts {method} only"},
                              ((b"allow", method.encode()),))
            else:
                await handlers[path](scope, receive, send)
        elif scope["type"] == "lifespan":
            await lifespan(receive, send)

    return app


def serve(host: str, port: int, config: StreamConfig | None = None) -> None:
    """Run the receiver with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(create_app(config), host=host, port=port, log_level="warning",
                access_log=False, lifespan="on", loop="uvloop", http="httptools")
