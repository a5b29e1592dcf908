"""Benchmark of the stream half: ``recon serve`` under a loopback load, then the landing.

Usage: ``.venv/bin/python benchmarks/bench_stream.py [--seconds 5] [--nats] [--client wrk|python]``.
Starts ``recon serve`` (one uvicorn process) on a free port and loads it, for each scenario:
single usage CloudEvents and signed Stripe webhooks over ``--clients`` (16) keep-alive
connections, batches of 100 CloudEvents over ``--batch-clients`` (4); each connection sends its
next request once the previous one is answered, so at most that many requests are in flight.
On the local log and, with ``--nats``, on JetStream (127.0.0.1:4222, a stream of its own,
deleted after).

Every request carries events never sent before (unique ids), so the figures are of events
stored, not of redeliveries the store drops; after each store the benchmark counts what the
store holds and prints it beside what was acknowledged. The load generator is ``wrk`` (one
thread, ``benchmarks/bench_stream.lua`` builds each body; Stripe webhooks are signed here
before the run, one body per request) when it is installed, else (or with ``--client python``)
an asyncio client in this process, which costs more CPU per request and so reads lower.

Prints per scenario: accepted events per second, requests per second, p50/p99 latency, refused
requests and the load average; then the landing rate: the local log's events through the batch
readers into the raw zone. Client and server share the machine.
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
from recon_pipeline.lib.stream.reader import backlog

RECON = Path(sys.executable).parent / "recon"
LUA = Path(__file__).with_suffix(".lua")
SECRET, TOKEN = "whsec_bench", "bench-token"
BATCH = 100
#: Signed Stripe bodies made per second of a webhook run (more than one receiver answers).
STRIPE_BODIES_PER_S = 40_000

Body = tuple[str, bytes, dict[str, str], int]  # path, body, headers, events


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cloud_event(event_id: str, value: int) -> dict[str, object]:
    return {"specversion": "1.0", "id": event_id, "source": "/bench", "type": "api_calls",
            "subject": "cus_bench", "time": "2026-10-01T00:00:00Z",
            "data": {"value": value, "subscription_item": "si_bench"}}


def usage_single(n: int) -> Body:
    event = _cloud_event(f"b-{uuid.uuid4().hex}", n % 10)
    return ("/events/usage", json.dumps(event).encode(),
            {"Content-Type": "application/cloudevents+json",
             "Authorization": f"Bearer {TOKEN}"}, 1)


def usage_batch(n: int, size: int = BATCH) -> Body:
    base = uuid.uuid4().hex
    events = [_cloud_event(f"b-{base}-{i}", i % 10) for i in range(size)]
    return ("/events/usage", json.dumps(events).encode(),
            {"Content-Type": "application/cloudevents-batch+json",
             "Authorization": f"Bearer {TOKEN}"}, size)


def stripe_body(n: int, at: int) -> tuple[str, bytes]:
    """A charge.succeeded event with a new id, and its Stripe-Signature header."""
    event = {"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": "charge.succeeded",
             "created": at, "data": {"object": {
                 "id": f"ch_{n}", "object": "charge", "amount": 1000 + n, "currency": "usd",
                 "status": "succeeded", "created": at}}}
    body = json.dumps(event).encode()
    sig = hmac.new(SECRET.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={sig}", body


def stripe_single(n: int) -> Body:
    header, body = stripe_body(n, int(time.time()))
    return ("/webhooks/stripe", body,
            {"Content-Type": "application/json", "Stripe-Signature": header}, 1)


# -- the python client ------------------------------------------------------------------------


async def _client(port: int, make: Callable[[int], Body], until: float, latencies: list[float],
                  counts: list[int], first: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    index = first
    while time.perf_counter() < until:
        path, body, headers, events = make(index)  # a new body (new event ids) per request
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


async def _python_load(port: int, make: Callable[[int], Body], clients: int,
                       seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    counts = [0, 0]
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(_client(port, make, until, latencies, counts, c * 10_000_000)
                           for c in range(clients)))
    wall = time.perf_counter() - started
    latencies.sort()
    return {"requests_per_s": len(latencies) / wall, "events_per_s": counts[0] / wall,
            "p50_ms": latencies[len(latencies) // 2] * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000, "refused": counts[1],
            "acknowledged": counts[0]}


# -- the wrk client ---------------------------------------------------------------------------


def _wrk_load(port: int, mode: str, clients: int, seconds: float, work: Path
              ) -> dict[str, float]:
    signed = work / "stripe.tsv"
    if mode == "stripe":
        at = int(time.time())
        with signed.open("wb") as fh:
            for n in range(int(STRIPE_BODIES_PER_S * seconds)):
                header, body = stripe_body(n, at)
                fh.write(header.encode() + b"\t" + body + b"\n")
    events = BATCH if mode == "batch" else 1
    command = ["wrk", "-t1", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--latency",
               "-s", str(LUA), f"http://127.0.0.1:{port}", "--", mode, uuid.uuid4().hex[:12], TOKEN,
               str(BATCH), str(signed), "1"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    out = done.stdout
    signed.unlink(missing_ok=True)
    figures = json.loads(out.strip().splitlines()[-1])
    wall = figures["duration_us"] / 1e6
    ok = figures["requests"] - figures["non2xx"]
    return {"requests_per_s": figures["requests"] / wall, "events_per_s": ok * events / wall,
            "p50_ms": figures["p50_us"] / 1000, "p99_ms": figures["p99_us"] / 1000,
            "refused": figures["non2xx"] + figures["errors"], "acknowledged": ok * events,
            "reused": figures["reused"]}


# -- runs -------------------------------------------------------------------------------------


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


def _load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    """Run every scenario and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections (16)")
    parser.add_argument("--batch-clients", type=int, default=4,
                        help="concurrent connections for batches of 100 (4)")
    parser.add_argument("--seconds", type=float, default=5.0, help="per scenario (5)")
    parser.add_argument("--nats", action="store_true", help="also on JetStream")
    parser.add_argument("--client", choices=("wrk", "python"), default=None,
                        help="load generator (wrk when installed, else python)")
    args = parser.parse_args()
    client = args.client or ("wrk" if shutil.which("wrk") else "python")
    if client == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk), or use --client python")
    root = Path(tempfile.mkdtemp(prefix="bench-stream-"))
    stores = [("local", None)]
    if args.nats:
        stores.append(("jetstream", f"RECON_BENCH_{uuid.uuid4().hex[:8].upper()}"))
    scenarios = [("usage single", "single", usage_single, args.clients),
                 ("stripe webhook", "stripe", stripe_single, args.clients),
                 (f"usage batch of {BATCH}", "batch", usage_batch, args.batch_clients)]
    print(f"client {client}, {args.seconds:g} s per scenario, {os.cpu_count()} cores, "
          f"load average {_load_average()}", flush=True)
    try:
        for store, stream in stores:
            env = {k: v for k, v in os.environ.items() if not k.startswith("RECON_")}
            env |= {"RECON_STREAM_DIR": str(root / "stream"),
                    "RECON_STRIPE_WEBHOOK_SECRET": SECRET, "RECON_USAGE_TOKEN": TOKEN}
            if stream:
                env |= {"RECON_NATS_URL": "nats://127.0.0.1:4222", "RECON_NATS_STREAM": stream}
            config = StreamConfig.from_env(env)
            held_before = backlog(config, 1 if stream else 0)[0]
            acknowledged = 0
            proc, port = _serve(env)
            try:
                for name, mode, make, clients in scenarios:
                    figures = (_wrk_load(port, mode, clients, args.seconds, root)
                               if client == "wrk"
                               else asyncio.run(_python_load(port, make, clients, args.seconds)))
                    acknowledged += int(figures["acknowledged"])
                    reused = (f"  reused {figures['reused']:.0f}" if figures.get("reused")
                              else "")
                    print(f"{store:9} {name:19} connections {clients:3}: "
                          f"{figures['events_per_s']:9,.0f} events/s "
                          f"{figures['requests_per_s']:8,.0f} req/s  "
                          f"p50 {figures['p50_ms']:6.1f} ms  p99 {figures['p99_ms']:6.1f} ms"
                          f"  refused {figures['refused']:.0f}{reused}"
                          f"  load {_load_average()}", flush=True)
                time.sleep(0.5)
                held = backlog(config, 1 if stream else 0)[0] - held_before
                print(f"{store:9} store holds {held:,} new events, {acknowledged:,} "
                      f"acknowledged as stored", flush=True)
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
        landed = sum(r.landed for r in reports)
        print(f"landing   local log -> raw zone: {events:,} events ({landed:,} landed, "
              f"{sum(r.quarantined for r in reports):,} quarantined) in {wall:.1f} s = "
              f"{events / wall:,.0f} events/s ({len(reports)} batches)  "
              f"load {_load_average()}", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
