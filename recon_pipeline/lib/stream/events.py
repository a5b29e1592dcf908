"""What the receiver accepts: verified Stripe events and valid CloudEvents, as log records.

Nothing here stores anything: :func:`stripe_records` and :func:`usage_records` either return
the records to store or raise :class:`Refused` with the HTTP status and a one-line reason.

The Stripe signature is checked by the official ``stripe`` library
(``stripe.WebhookSignature.verify_header``: HMAC-SHA256 of ``"<t>.<raw body>"``, compared in
constant time, timestamp within the tolerance), with every configured secret in turn so that a
secret rotation loses nothing. CloudEvents are checked against the CloudEvents 1.0 JSON format
with the same rules as the ``cloudevents`` SDK's ``CloudEvent`` (required attributes, types of
the optional ones, extension names), here without building SDK objects per event, so a batch of
a thousand costs little; tests/unit/stream check that both agree on the specification's examples.
As the JSON format says (section 2.4), an attribute whose value is null is taken as absent.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import struct
import time
from collections.abc import Sequence
from datetime import datetime
from types import ModuleType
from typing import Any, NamedTuple

import orjson

from recon_pipeline.lib.stream.config import MAX_CREATED_S, MAX_KEY_BYTES

STRIPE = "stripe"
USAGE = "usage"
_KIND_BYTE = {STRIPE: b"s", USAGE: b"u"}
_BYTE_KIND = {b"s"[0]: STRIPE, b"u"[0]: USAGE}
_HEAD = struct.Struct(">cqH")  # kind, received (ms since epoch), key length

CE_JSON = "application/cloudevents+json"
CE_BATCH = "application/cloudevents-batch+json"
_REQUIRED = ("id", "source", "specversion", "type")
_OPTIONAL = ("datacontenttype", "dataschema", "subject", "time")
_EXTENSION = re.compile(r"^[a-z0-9]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# RFC 3339 date-time with a zone (Z or ±hh:mm), as the CloudEvents spec requires for `time`.
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


class Refused(Exception):
    """A request that is not stored: HTTP ``status`` and a ``reason`` for the sender."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Record(NamedTuple):
    """One event as the log keeps it (a named tuple: a receiver makes one per event).

    ``key`` is what makes a redelivery the same event: the Stripe event id, or
    ``<id>@<source>`` for a CloudEvent (CloudEvents ids are unique per source).
    ``body`` is the event's JSON; ``received_ms`` when the receiver took it.
    """

    kind: str
    key: str
    body: bytes
    received_ms: int

    def encode(self) -> bytes:
        """The record's bytes (the payload of a log entry or of a JetStream message)."""
        key = self.key.encode()
        return _HEAD.pack(_KIND_BYTE[self.kind], self.received_ms, len(key)) + key + self.body

    @classmethod
    def decode(cls, data: bytes) -> Record:
        """The record of :meth:`encode`'s bytes."""
        kind, received, size = _HEAD.unpack_from(data)
        start = _HEAD.size
        return cls(_BYTE_KIND[kind[0]], data[start:start + size].decode(), data[start + size:],
                   received)


def now_ms() -> int:
    """Milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


# -- Stripe -----------------------------------------------------------------------------------


_stripe: ModuleType | None = None


def load_stripe() -> ModuleType:
    """The ``stripe`` library, imported on first use (the receiver calls this at startup; the
    landing and the Dagster definitions never import it)."""
    global _stripe
    if _stripe is None:
        import stripe

        _stripe = stripe
    return _stripe


def verify_stripe(body: bytes, header: str | None, secrets: Sequence[str],
                  tolerance_s: int) -> None:
    """Raise :class:`Refused` (400) unless one of ``secrets`` signed ``body`` recently."""
    stripe = _stripe or load_stripe()
    if not header:
        raise Refused(400, "missing Stripe-Signature header")
    if not secrets:
        raise Refused(503, "no webhook secret configured (RECON_STRIPE_WEBHOOK_SECRET)")
    reason = "bad signature"
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(body, header, secret, tolerance=tolerance_s)
            return
        except stripe.SignatureVerificationError as exc:
            if "tolerance" in str(exc):
                reason = f"timestamp older than {tolerance_s} s"
        except UnicodeDecodeError:
            raise Refused(400, "body is not UTF-8") from None
    raise Refused(400, reason)


def stripe_records(body: bytes, header: str | None, secrets: Sequence[str],
                   tolerance_s: int, received_ms: int | None = None) -> list[Record]:
    """The record of one verified Stripe event (signature first, then its shape)."""
    verify_stripe(body, header, secrets, tolerance_s)
    event = _json(body)
    if not isinstance(event, dict):
        raise Refused(400, "a Stripe event is a JSON object")
    event_id, kind = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not event_id or _CONTROL.search(event_id):
        raise Refused(400, "Stripe event without an id")
    if len(event_id.encode()) > MAX_KEY_BYTES:
        raise Refused(400, f"Stripe event id longer than {MAX_KEY_BYTES} bytes")
    if not isinstance(kind, str) or not kind:
        raise Refused(400, f"Stripe event {event_id} without a type")
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise Refused(400, f"Stripe event {event_id} without data.object")
    try:
        orjson.dumps(data)  # the landing writes data.object again (to 254 levels only)
    except orjson.JSONEncodeError:
        raise Refused(400, f"Stripe event {event_id} nested too deeply") from None
    created = event.get("created")
    if not isinstance(created, int) or isinstance(created, bool):
        raise Refused(400, f"Stripe event {event_id} without an integer created time")
    if not 0 <= created <= MAX_CREATED_S:
        raise Refused(400, f"Stripe event {event_id}: created time {created} out of range")
    return [Record(STRIPE, event_id, body, received_ms or now_ms())]


# -- CloudEvents ------------------------------------------------------------------------------


def check_token(header: str | None, token: str | None) -> None:
    """Raise :class:`Refused` (401) unless ``header`` is ``Bearer <token>`` (constant time)."""
    if not token:
        raise Refused(503, "no usage token configured (RECON_USAGE_TOKEN)")
    given = header[7:] if header and header[:7].lower() == "bearer " else ""
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise Refused(401, "missing or wrong bearer token")


def usage_records(body: bytes, content_type: str | None,
                  received_ms: int | None = None) -> list[Record]:
    """The records of one structured CloudEvent or a batch of them."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media not in (CE_JSON, CE_BATCH):
        raise Refused(415, f"content type must be {CE_JSON} or {CE_BATCH}, not "
                           f"{media or 'missing'}")
    parsed = _json(body)
    if media == CE_JSON:
        if not isinstance(parsed, dict):
            raise Refused(400, f"{CE_JSON} is one JSON object")
        events = [parsed]
    else:
        if not isinstance(parsed, list):
            raise Refused(400, f"{CE_BATCH} is a JSON array of events")
        events = parsed
    from recon_pipeline.lib.stream.config import MAX_BATCH_EVENTS

    if len(events) > MAX_BATCH_EVENTS:
        raise Refused(413, f"a batch holds at most {MAX_BATCH_EVENTS} events, not {len(events)}")
    at = received_ms or now_ms()
    records = []
    for index, raw in enumerate(events):
        # JSON format 1.0, section 2.4: an attribute whose value is null is absent.
        event = ({k: v for k, v in raw.items() if v is not None}
                 if isinstance(raw, dict) and None in raw.values() else raw)
        problem = cloudevent_problem(event)
        if problem is None:
            try:
                line = orjson.dumps(event)
            except orjson.JSONEncodeError:  # parsed to 1024 levels, written to 254 only
                problem = "event nested too deeply"
        if problem:
            where = f"event {index}: " if media == CE_BATCH else ""
            raise Refused(400, where + problem)
        records.append(Record(USAGE, f"{event['id']}@{event['source']}", line, at))
    return records


def cloudevent_problem(event: Any) -> str | None:
    """Why ``event`` is not a valid CloudEvents 1.0 JSON event, or None."""
    if not isinstance(event, dict):
        return "a CloudEvent is a JSON object"
    for name in _REQUIRED:
        value = event.get(name)
        if not isinstance(value, str) or not value:
            return f"missing or empty required attribute {name}"
    if event["specversion"] != "1.0":
        return f"specversion must be 1.0, not {event['specversion']!r}"
    if _CONTROL.search(event["id"]) or _CONTROL.search(event["source"]):
        return "control characters in id or source"
    if len(event["id"].encode()) + len(event["source"].encode()) + 1 > MAX_KEY_BYTES:
        return f"id and source longer than {MAX_KEY_BYTES} bytes together"
    for name in _OPTIONAL:
        if name in event and (not isinstance(event[name], str) or not event[name]):
            return f"attribute {name} must be a non-empty string"
    if "time" in event and not _valid_time(event["time"]):
        return "attribute time is not an RFC 3339 timestamp with a zone"
    if "data" in event and "data_base64" in event:
        return "data and data_base64 are exclusive"
    if "data_base64" in event:
        encoded = event["data_base64"]
        try:
            if not isinstance(encoded, str):
                raise ValueError
            base64.b64decode(encoded, validate=True)
        except (ValueError, binascii.Error):
            return "data_base64 is not base64"
    for name, value in event.items():
        if name in _REQUIRED or name in _OPTIONAL or name in ("data", "data_base64"):
            continue
        if not _EXTENSION.match(name):
            return f"extension attribute {name!r}: lowercase letters and digits only"
        if value is not None and not isinstance(value, str | int | bool):
            return f"extension attribute {name} must be a string, integer or boolean"
    return None


def _valid_time(text: str) -> bool:
    if not _RFC3339.match(text):
        return False
    try:
        datetime.fromisoformat(text.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return False
    return True


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Refused(400, f"malformed JSON: {exc}") from None
