"""``recon serve``: the ASGI receiver (Starlette on uvicorn).

``POST /webhooks/stripe`` (Stripe-Signature verified by the ``stripe`` library),
``POST /events/usage`` (CloudEvents, structured or batch, bearer token), ``GET /healthz``.
A 2xx is sent only after the store said the events are durable (:mod:`.log`: fsync'd;
:mod:`.jetstream`: PubAck). Anything refused gets a 4xx with a JSON ``{"error": reason}`` and is
stored nowhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from recon_pipeline.lib.stream.config import StreamConfig
from recon_pipeline.lib.stream.events import (
    Record,
    Refused,
    check_token,
    stripe_records,
    usage_records,
)

log = logging.getLogger("recon.serve")
STATS_FILE = "receiver_stats.json"
STATS_EVERY_S = 5.0


def write_stats(stream_dir: Path, stats: dict[str, Any]) -> None:
    """Replace ``<stream_dir>/receiver_stats.json`` (per receiver process, by pid)."""
    stream_dir.mkdir(parents=True, exist_ok=True)
    path = stream_dir / f"{STATS_FILE}.{os.getpid()}"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(stats, sort_keys=True))
    os.replace(tmp, path)


def read_stats(stream_dir: Path) -> dict[str, Any]:
    """The counts of every receiver that wrote some, added up."""
    total: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for path in stream_dir.glob(f"{STATS_FILE}.*"):
        if path.name.endswith(".tmp"):
            continue
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


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise Refused(413, f"body larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Refused(413, f"body larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _refused(exc: Refused) -> JSONResponse:
    return JSONResponse({"error": exc.reason}, status_code=exc.status)


def create_app(config: StreamConfig | None = None, store: Store | None = None) -> Starlette:
    """The receiver; ``config`` from the environment unless given."""
    cfg = config or StreamConfig.from_env()
    sink = store or make_store(cfg)
    counts = {"accepted": 0, "duplicates": 0, "refused": 0}
    refused: Counter[str] = Counter()

    async def stored(records: list[Record]) -> JSONResponse:
        try:
            new = await sink.append(records)
        except Exception as exc:  # the store failed: nothing was acknowledged
            log.error("store failed: %s", exc)
            return JSONResponse({"error": "events could not be stored; retry"},
                                status_code=503)
        counts["accepted"] += new
        counts["duplicates"] += len(records) - new
        return JSONResponse({"stored": new, "duplicates": len(records) - new})

    async def stripe_webhook(request: Request) -> Response:
        try:
            body = await _body(request, cfg.max_body_bytes)
            records = stripe_records(body, request.headers.get("stripe-signature"),
                                     cfg.stripe_secrets, cfg.tolerance_s)
        except Refused as exc:
            return _refuse(exc, "stripe")
        return await stored(records)

    def _refuse(exc: Refused, route: str) -> JSONResponse:
        counts["refused"] += 1
        refused[f"{route}: {exc.status} {exc.reason.split(':', 1)[0][:60]}"] += 1
        return _refused(exc)

    async def usage_events(request: Request) -> Response:
        try:
            check_token(request.headers.get("authorization"), cfg.usage_token)
            body = await _body(request, cfg.max_body_bytes)
            records = usage_records(body, request.headers.get("content-type"))
        except Refused as exc:
            return _refuse(exc, "usage")
        if not records:
            return JSONResponse({"stored": 0, "duplicates": 0})
        return await stored(records)

    async def healthz(request: Request) -> Response:
        del request
        ok = sink.healthy()
        return JSONResponse({"store": sink.store, "ok": ok, **counts},
                            status_code=200 if ok else 503)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        del app
        await sink.open()
        stats = asyncio.get_running_loop().create_task(_write_stats())
        try:
            yield
        finally:
            stats.cancel()
            await sink.close()
            _save_stats()

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

    return Starlette(routes=[
        Route("/webhooks/stripe", stripe_webhook, methods=["POST"]),
        Route("/events/usage", usage_events, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ], lifespan=lifespan)


def serve(host: str, port: int, config: StreamConfig | None = None) -> None:
    """Run the receiver with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(create_app(config), host=host, port=port, log_level="warning",
                access_log=False, lifespan="on")
