"""NATS JetStream as the log: publish with ``Nats-Msg-Id`` = the event's key, 2xx on PubAck.

The stream (``RECON_EVENTS`` unless ``RECON_NATS_STREAM`` says otherwise) keeps file storage;
its subjects are ``<stream in lower case>.stripe`` and ``.usage``. A position is a stream
sequence number: the landing reads from its cursor with an ephemeral consumer that starts at
that sequence, so the cursor alone says where it is, as with the local log.

What a PubAck means: the server accepted the message into the stream (on a quorum of its
replicas when the stream has several; on this single server, one copy). The file store is
fsync'd by a timer (2 min), so a PubAck survives the receiver dying, not the machine losing
power before the sync; nats-server 2.10+ can fsync every write (``jetstream { sync_interval:
always }``), 2.9 has no such setting (docs/stream.md). Redeliveries within the stream's
duplicate window (2 min by default) are dropped by the server (``PubAck.duplicate``); older
ones land once because the landing removes them.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from recon_pipeline.lib.stream.events import Record

if TYPE_CHECKING:
    from nats.aio.client import Client
    from nats.js.api import PubAck
    from nats.js.client import JetStreamContext

    from recon_pipeline.lib.stream.log import Entry


#: PubAcks outstanding at most on the receiver's connection (over all requests in flight);
#: also the client's own limit (``publish_async_max_pending``), which is then never reached.
MAX_PENDING_ACKS = 4000
#: How long a request waits for room before it is answered 503.
STALL_S = 2.0
#: How long a request waits for its PubAcks before it is answered 503.
ACK_TIMEOUT_S = 5.0


class StoreStalled(Exception):
    """No room for more PubAcks in time: the server is not keeping up (or not answering)."""


def subjects(stream: str) -> tuple[str, str]:
    """(stripe subject, usage subject) of the stream."""
    prefix = stream.lower()
    return f"{prefix}.stripe", f"{prefix}.usage"


async def connect(url: str, stream: str) -> tuple[Client, JetStreamContext]:
    """A connection and JetStream context, the stream created when missing."""
    import nats
    from nats.js.api import StorageType, StreamConfig
    from nats.js.errors import NotFoundError

    nc = await nats.connect(url, connect_timeout=5, max_reconnect_attempts=3)
    js = nc.jetstream(timeout=10, publish_async_max_pending=MAX_PENDING_ACKS)
    try:
        await js.stream_info(stream)
    except NotFoundError:
        await js.add_stream(StreamConfig(name=stream, subjects=[f"{stream.lower()}.>"],
                                         storage=StorageType.FILE, duplicate_window=120))
    return nc, js


class JetStreamLog:
    """The receiver's writer when ``RECON_NATS_URL`` is set."""

    store = "jetstream"

    def __init__(self, url: str, stream: str) -> None:
        self.url = url
        self.stream = stream
        self._subjects = dict(zip(("stripe", "usage"), subjects(stream), strict=True))
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._pending = 0  # PubAcks outstanding, over every request
        self._freed = asyncio.Event()

    async def open(self) -> None:
        """Connect (and create the stream if it is missing)."""
        self._nc, self._js = await connect(self.url, self.stream)

    async def close(self) -> None:
        """Drain and close the connection."""
        if self._nc is not None:
            await self._nc.drain()

    def healthy(self) -> bool:
        """True while connected."""
        return self._nc is not None and self._nc.is_connected

    async def append(self, records: list[Record]) -> int:
        """Publish every record and wait for every PubAck; return how many were new.

        Messages go out with ``publish_async`` (no round trip each); at most
        :data:`MAX_PENDING_ACKS` PubAcks are outstanding over every request in flight (counted
        here, per request, so a message costs no timer of its own). A request that finds no
        room within :data:`STALL_S`, or whose acks do not all come back within
        :data:`ACK_TIMEOUT_S`, raises (the receiver answers 503: nothing acknowledged).
        """
        assert self._js is not None
        js, stream, subject = self._js, self.stream, self._subjects
        need = len(records)
        if self._pending and self._pending + need > MAX_PENDING_ACKS:
            await self._room(need)
        self._pending += need
        futures: list[asyncio.Future[PubAck]] = []
        try:
            for r in records:
                futures.append(await js.publish_async(subject[r.kind], r.encode(), stream=stream,
                                                      headers={"Nats-Msg-Id": r.key}))
            if need == 1:
                acks = [await asyncio.wait_for(futures[0], timeout=ACK_TIMEOUT_S)]
            else:
                acks = await asyncio.wait_for(asyncio.gather(*futures), timeout=ACK_TIMEOUT_S)
        except BaseException:
            for future in futures:  # frees the client's slots; a late PubAck is dropped
                future.cancel()
            raise
        finally:
            self._pending -= need
            self._freed.set()
        return sum(1 for ack in acks if not ack.duplicate)

    async def _room(self, need: int) -> None:
        """Wait until ``need`` more PubAcks fit; :class:`StoreStalled` after :data:`STALL_S`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STALL_S
        while self._pending and self._pending + need > MAX_PENDING_ACKS:
            self._freed.clear()
            left = deadline - loop.time()
            try:
                if left <= 0:
                    raise TimeoutError
                await asyncio.wait_for(self._freed.wait(), timeout=left)
            except TimeoutError:
                raise StoreStalled(f"{self._pending} PubAcks outstanding for {STALL_S} s"
                                   ) from None


async def read(url: str, stream: str, position: int, limit: int,
               timeout: float = 1.0) -> tuple[list[Entry], int]:
    """Up to ``limit`` entries from stream sequence ``position`` (1 is the first)."""
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    from recon_pipeline.lib.stream.log import Entry

    position = max(position, 1)
    nc, js = await connect(url, stream)
    entries: list[Entry] = []
    try:
        info = await js.stream_info(stream)
        last = info.state.last_seq
        if last < position:
            return [], position
        position = max(position, info.state.first_seq)
        sub = await js.pull_subscribe(
            f"{stream.lower()}.>", stream=stream,
            config=ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                                  opt_start_seq=position, ack_policy=AckPolicy.NONE,
                                  inactive_threshold=30))
        want = min(limit, last - position + 1)
        while len(entries) < want:
            try:
                msgs = await sub.fetch(min(want - len(entries), 4096), timeout=timeout)
            except TimeoutError:
                break
            for msg in msgs:
                seq = msg.metadata.sequence.stream
                entries.append(Entry(seq, seq + 1, Record.decode(msg.data)))
        await sub.unsubscribe()
    finally:
        await nc.close()
    return entries, (entries[-1].next_position if entries else position)


async def backlog(url: str, stream: str, position: int) -> tuple[int, int | None]:
    """(messages from ``position`` on, receive time in ms of the first of them)."""
    from nats.js.errors import NotFoundError

    nc, js = await connect(url, stream)
    try:
        info = await js.stream_info(stream)
        first = max(position, info.state.first_seq, 1)
        waiting = max(0, info.state.last_seq - first + 1)
        oldest = None
        if waiting:
            try:
                msg = await js.get_msg(stream, first)
                oldest = Record.decode(msg.data or b"").received_ms
            except NotFoundError:
                oldest = None
        return waiting, oldest
    finally:
        await nc.close()
