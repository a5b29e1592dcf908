"""A real ``recon serve`` in a subprocess on a free loopback port, and requests to it."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RECON = Path(sys.executable).parent / "recon"
SECRET = "whsec_test_current"
OLD_SECRET = "whsec_test_previous"
TOKEN = "usage-token-for-tests"
NATS_URL = "nats://127.0.0.1:4222"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Receiver:
    port: int
    env: dict[str, str]
    proc: subprocess.Popen[bytes]

    def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("POST", path, body=body, headers=dict(headers))
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"null")
        finally:
            conn.close()

    def get(self, path: str) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"null")
        finally:
            conn.close()

    def webhook(self, event: dict[str, Any], secret: str = SECRET,
                at: int | None = None) -> tuple[int, Any]:
        body = json.dumps(event).encode()
        return self.post("/webhooks/stripe", body, {
            "Stripe-Signature": sign(body, secret, at), "Content-Type": "application/json"})

    def usage(self, events: list[dict[str, Any]] | dict[str, Any], token: str = TOKEN
              ) -> tuple[int, Any]:
        batch = isinstance(events, list)
        kind = "cloudevents-batch+json" if batch else "cloudevents+json"
        return self.post("/events/usage", json.dumps(events).encode(), {
            "Authorization": f"Bearer {token}", "Content-Type": f"application/{kind}"})


def sign(body: bytes, secret: str, at: int | None = None) -> str:
    """A Stripe-Signature header as Stripe computes it (the test's own, independent signer)."""
    stamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def receiver_env(stream_dir: Path, nats_stream: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECON_")}
    env |= {"RECON_STREAM_DIR": str(stream_dir),
            "RECON_STRIPE_WEBHOOK_SECRET": f"{SECRET},{OLD_SECRET}",
            "RECON_USAGE_TOKEN": TOKEN}
    if nats_stream:
        env |= {"RECON_NATS_URL": NATS_URL, "RECON_NATS_STREAM": nats_stream}
    return env


@contextmanager
def running(env: dict[str, str]) -> Iterator[Receiver]:
    """``recon serve`` until the block ends (or the test kills it)."""
    port = free_port()
    proc = subprocess.Popen([str(RECON), "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    receiver = Receiver(port, env, proc)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read().decode() if proc.stdout else ""
                raise RuntimeError(f"recon serve exited {proc.returncode}: {out}")
            try:
                if receiver.get("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("recon serve did not answer /healthz in 30 s")
            time.sleep(0.1)
        yield receiver
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout:
            proc.stdout.close()


def stripe_event(event_id: str, kind: str = "charge.succeeded", created: int | None = None,
                 obj: dict[str, Any] | None = None) -> dict[str, Any]:
    at = int(time.time()) if created is None else created
    return {"id": event_id, "object": "event", "type": kind, "created": at,
            "data": {"object": obj or {"id": f"ch_{event_id}", "object": "charge",
                                       "amount": 1000, "currency": "usd", "status": "succeeded",
                                       "created": at}}}


def cloud_event(event_id: str, value: float = 1, subject: str = "cus_1",
                time_text: str = "2026-09-15T10:00:00Z", source: str = "/meter/api",
                item: str = "si_1") -> dict[str, Any]:
    return {"specversion": "1.0", "id": event_id, "source": source,
            "type": "com.example.usage.recorded", "subject": subject, "time": time_text,
            "datacontenttype": "application/json",
            "data": {"value": value, "subscription_item": item}}


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"
