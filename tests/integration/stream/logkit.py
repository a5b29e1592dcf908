"""Writing events straight into a local log (the receiver's own writer, no HTTP)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from recon_pipeline.lib.stream.events import STRIPE, USAGE, Record
from recon_pipeline.lib.stream.log import LocalLog


def stripe_record(event_id: str, obj: dict[str, Any], kind: str, created: int) -> Record:
    body = {"id": event_id, "object": "event", "type": kind, "created": created,
            "data": {"object": obj}}
    return Record(STRIPE, event_id, json.dumps(body).encode(), created * 1000)


def usage_record(event: dict[str, Any]) -> Record:
    return Record(USAGE, f"{event['id']}@{event['source']}", json.dumps(event).encode(), 0)


def append(stream_dir: Path, records: list[Record], window: int = 1_000_000) -> int:
    """Append with a fresh writer (a receiver restart); ``window``: keys it remembers."""

    async def run() -> int:
        log = LocalLog(stream_dir, window=window)
        await log.open()
        try:
            return await log.append(records)
        finally:
            await log.close()

    return asyncio.run(run())
