"""Benchmark of the stream half: ``recon serve`` under a loopback load, then the landing.

Usage: ``.venv/bin/python benchmarks/bench_stream.py [--clients 16] [--seconds 5] [--nats]``.
Starts ``recon serve`` (one uvicorn process) on a free port, then a bounded load generator in
this process (asyncio, keep-alive HTTP/1.1 connections, ``--clients`` of them, each sending its
next request once the previous one is answered) for each scenario: single usage CloudEvents,
signed Stripe webhooks, batches of 100 CloudEvents; on the local log and, with ``--nats``, on
JetStream (127.0.0.1:4222, a stream of its own, deleted after). Prints accepted events per
second, requests per second and p50/p99 latency per scenario, then the landing rate: the local
log's events through the batch readers into the raw zone. Client and server share the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from recon_pipeline.lib.stream.config import StreamConfig
from recon_pipeline.lib.stream.landing import land_all

RECON = Path(sys.executable).parent / "recon"
SECRET, TOKEN = "whsec_bench", "bench-token"

Body = tuple[str, bytes, dict[str, str], int]  # path, body, headers, events


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def usage_single(n: int) -> Body:
    event = {"specversion": "1.0", "id": f"b-{uuid.uuid4().hex}", "source": "/bench",
             "type": "api_calls", "subject": "cus_bench", "time": "2026-10-01T00:00:00Z",
             "data": {"value": n % 10, "subscription_item": "si_bench"}}
    return ("/events/usage", json.dumps(event).encode(),
            {"Content-Type": "application/cloudevents+json",
             "Authorization": f"Bearer {TOKEN}"}, 1)


def usage_batch(n: int, size: int = 100) -> Body:
    base = uuid.uuid4().hex
    events = [{"specversion": "1.0", "id": f"b-{base}-{i}", "source": "/bench",
               "type": "api_calls", "subject": "cus_bench", "time": "2026-10-01T00:00:00Z",
               "data": {"value": i % 10, "subscription_item": "si_bench"}} for i in range(size)]
    return ("/events/usage", json.dumps(events).encode(),
            {"Content-Type": "application/cloudevents-batch+json",
             "Authorization": f"Bearer {TOKEN}"}, size)


def stripe_single(n: int) -> Body:
    at = int(time.time())
    event = {"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": "charge.succeeded",
             "created": at, "data": {"object": {
                 "id": f"ch_{n}", "object": "charge", "amount": 1000 + n, "currency": "usd",
                 "status": "succeeded", "created": at}}}
    body = json.dumps(event).encode()
    sig = hmac.new(SECRET.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return ("/webhooks/stripe", body,
            {"Content-Type": "application/json", "Stripe-Signature": f"t={at},v1={sig}"}, 1)


async def _client(port: int, make: Callable[[int], Body], until: float, latencies: list[float],
                  counts: list[int], bodies: list[Body]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    index = 0
    while time.perf_counter() < until:
        path, body, headers, events = bodies[index % len(bodies)]
        index += 1
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        request = (f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Length: {len(body)}\r\n"
                   f"{head}\r\n").encode() + body
        started = time.perf_counter()
        writer.write(request)
        status_line = await reader.readline()
        length = 0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - started)
        if status_line.split()[1] == b"200":
            counts[0] += events
        else:
            counts[1] += 1
    writer.close()


async def _load(port: int, make: Callable[[int], Body], clients: int, seconds: float
                ) -> dict[str, float]:
    bodies = [make(i) for i in range(max(2000, clients * 200) if make is not usage_batch
                                     else clients * 40)]
    latencies: list[float] = []
    counts = [0, 0]
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(_client(port, make, until, latencies, counts, bodies)
                           for _ in range(clients)))
    wall = time.perf_counter() - started
    latencies.sort()
    return {"requests_per_s": len(latencies) / wall, "events_per_s": counts[0] / wall,
            "p50_ms": latencies[len(latencies) // 2] * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000, "refused": counts[1]}


def _serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = _port()
    proc = subprocess.Popen([str(RECON), "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("recon serve did not start")


def _drop_stream(name: str) -> None:
    import nats

    async def drop() -> None:
        nc = await nats.connect("nats://127.0.0.1:4222")
        try:
            await nc.jetstream().delete_stream(name)
        finally:
            await nc.close()

    asyncio.run(drop())


def main() -> None:
    """Run every scenario and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections (16)")
    parser.add_argument("--batch-clients", type=int, default=4,
                        help="concurrent connections for batches of 100 (4)")
    parser.add_argument("--seconds", type=float, default=5.0, help="per scenario (5)")
    parser.add_argument("--nats", action="store_true", help="also on JetStream")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-stream-"))
    stores = [("local", None)]
    if args.nats:
        stores.append(("jetstream", f"RECON_BENCH_{uuid.uuid4().hex[:8].upper()}"))
    scenarios = [("usage single", usage_single, args.clients),
                 ("stripe webhook", stripe_single, args.clients),
                 ("usage batch of 100", usage_batch, args.batch_clients)]
    try:
        for store, stream in stores:
            env = {k: v for k, v in os.environ.items() if not k.startswith("RECON_")}
            env |= {"RECON_STREAM_DIR": str(root / "stream"),
                    "RECON_STRIPE_WEBHOOK_SECRET": SECRET, "RECON_USAGE_TOKEN": TOKEN}
            if stream:
                env |= {"RECON_NATS_URL": "nats://127.0.0.1:4222", "RECON_NATS_STREAM": stream}
            proc, port = _serve(env)
            try:
                for name, make, clients in scenarios:
                    figures = asyncio.run(_load(port, make, clients, args.seconds))
                    print(f"{store:9} {name:19} clients {clients:3}: "
                          f"{figures['events_per_s']:10,.0f} events/s "
                          f"{figures['requests_per_s']:8,.0f} req/s  "
                          f"p50 {figures['p50_ms']:6.1f} ms  p99 {figures['p99_ms']:6.1f} ms"
                          f"  refused {figures['refused']:.0f}", flush=True)
            finally:
                proc.terminate()
                proc.wait(10)
                if stream:
                    _drop_stream(stream)
        config = StreamConfig(stream_dir=root / "stream")
        started = time.perf_counter()
        reports = land_all(config, root / "out")
        wall = time.perf_counter() - started
        events = sum(r.events for r in reports)
        print(f"landing   local log -> raw zone: {events:,} events in {wall:.1f} s = "
              f"{events / wall:,.0f} events/s ({len(reports)} batches)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
