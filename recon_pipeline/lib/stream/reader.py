"""Reading the log back, whichever store holds it (the landing's and the tests' one way in)."""

from __future__ import annotations

import asyncio

from recon_pipeline.lib.stream import jetstream, log
from recon_pipeline.lib.stream.config import StreamConfig
from recon_pipeline.lib.stream.log import Entry


def start_position(config: StreamConfig) -> int:
    """The position of the first entry (0 on the local log, sequence 1 on JetStream)."""
    return 1 if config.nats_url else 0


def read(config: StreamConfig, position: int, limit: int) -> tuple[list[Entry], int]:
    """Up to ``limit`` entries from ``position``, and the position after them."""
    if config.nats_url:
        return asyncio.run(jetstream.read(config.nats_url, config.nats_stream, position, limit))
    return log.read(config.stream_dir, position, limit)


def read_all(config: StreamConfig, position: int | None = None) -> list[Entry]:
    """Every entry from ``position`` (the start) on."""
    at = start_position(config) if position is None else position
    found: list[Entry] = []
    while True:
        entries, at = read(config, at, 100_000)
        if not entries:
            return found
        found += entries


def backlog(config: StreamConfig, position: int) -> tuple[int, int | None]:
    """(entries waiting from ``position`` on, receive time in ms of the oldest of them)."""
    if config.nats_url:
        return asyncio.run(jetstream.backlog(config.nats_url, config.nats_stream, position))
    return log.count_from(config.stream_dir, position)
