"""The receiver under hostile request bodies and headers, generated (issue 13).

A real ``recon serve`` (local log under a tmp ``RECON_STREAM_DIR``) gets POSTs to
``/events/usage`` (structured and batch CloudEvents: missing and wrong-typed attributes, huge
and deep data, invalid UTF-8, duplicate keys, wrong content types, oversized bodies, bad tokens)
and ``/webhooks/stripe`` (absent, bad, stale and other-secret signatures, and validly signed but
malformed events). Whatever comes, every answer is a 2xx or a 4xx with a JSON reason (never a
5xx; the server stays up), a refused request stores nothing (the log's records are counted
before and after), and what was stored lands: loaded + quarantined (+ ignored + duplicates) =
events, each quarantined event with its key and a reason; and batches of valid envelopes
(usage and Stripe) with hostile data all land or are quarantined. Bounded: 60/60/40/40
examples, each test under 10 s.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from recon_pipeline.lib.stream.config import MAX_BODY_BYTES, StreamConfig
from recon_pipeline.lib.stream.landing import BatchReport, land_all, landing_dir
from recon_pipeline.lib.stream.reader import read_all
from tests.integration.stream.receiver import (
    OLD_SECRET,
    SECRET,
    TOKEN,
    Receiver,
    cloud_event,
    receiver_env,
    running,
    sign,
    stripe_event,
)

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Receiver, Path]]:
    root = tmp_path_factory.mktemp("fuzz")
    with running(receiver_env(root / "stream")) as rec:
        yield rec, root


class _Deep:
    """A JSON value nested ``depth`` levels, spliced into the body as text (``json`` itself
    cannot write one past ~1000 levels)."""

    def __init__(self, depth: int) -> None:
        self.depth = depth

    def text(self) -> str:
        return "[" * self.depth + "1" + "]" * self.depth


def _dumps(value: Any) -> bytes:
    """``json.dumps``, with every :class:`_Deep` written out."""
    deep: list[_Deep] = []

    def default(obj: Any) -> str:
        deep.append(obj)
        return f"@@deep{len(deep) - 1}@@"

    text = json.dumps(value, default=default)
    for index, item in enumerate(deep):
        text = text.replace(f'"@@deep{index}@@"', item.text())
    return text.encode()


#: orjson reads JSON to 1024 levels but writes it to 254 only
DEPTHS = st.sampled_from([50, 254, 255, 600, 1024, 1025, 1500])
_INT64 = st.integers(-(2**63), 2**63 - 1)
#: Hostile values a JSON body can carry to the log.
STORABLE = st.one_of(
    st.none(), st.booleans(), _INT64, st.floats(allow_nan=False),
    st.text(st.characters(codec="utf-8"), max_size=20), st.lists(_INT64, max_size=3),
    st.dictionaries(st.text(st.characters(codec="utf-8"), max_size=5), _INT64, max_size=3),
    st.sampled_from(["", "1e400", "=HYPERLINK(\"http://x\")", "+1+1", "@SUM(A1)",
                     "<script>alert(1)</script>", "\x00\x1b[31m", "\u202e", "١٢٣", "1.005",
                     "NaN", "2026-13-45T99:00:00Z", "2026-09-15T10:00:00"]),
    st.integers(60_000, 70_000).map(lambda n: "x" * n),
)
#: ... and those orjson refuses, the whole body with them: past 64 bits, a lone surrogate.
HOSTILE_VALUES = st.one_of(STORABLE, st.integers(-(2**64), 2**64), st.just("\ud800"))
ATTRIBUTES = ["specversion", "id", "source", "type", "subject", "time", "datacontenttype",
              "dataschema", "data", "data_base64", "Bad-Ext", "ext1"]


@st.composite
def cloud_events(draw: st.DrawFn) -> dict[str, Any]:
    event = cloud_event(draw(st.one_of(st.text(st.characters(exclude_categories=("Cc", "Cs")),
                                                min_size=1, max_size=12), st.text(max_size=4))),
                        value=draw(st.one_of(st.integers(-5, 10**6), st.floats(0, 1e9))),
                        subject=draw(st.sampled_from(["cus_1", "cus_2", "<b>x</b>", "=1+1"])))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))):
        name = draw(st.sampled_from(ATTRIBUTES))
        if draw(st.booleans()):
            event.pop(name, None)
        else:
            event[name] = draw(HOSTILE_VALUES)
    if draw(st.sampled_from([False] * 9 + [True])):
        event["data"] = _Deep(draw(DEPTHS))
    if draw(st.sampled_from([False] * 9 + [True])):
        event["data"] = {"value": 1, "note": "y" * draw(st.integers(10_000, 400_000))}
    return event


@st.composite
def usage_requests(draw: st.DrawFn) -> tuple[bytes, dict[str, str]]:
    batch = draw(st.booleans())
    events = draw(st.lists(cloud_events(), min_size=0 if batch else 1, max_size=6))
    body = _dumps(events if batch else events[0])
    mangle = draw(st.sampled_from(["none"] * 12 + ["utf8", "dupes", "truncate", "oversize",
                                                  "number", "binary"]))
    if mangle == "utf8":
        body = body.replace(b'"/meter/api"', b'"/meter/\xff\xfe"', 1)
    elif mangle == "dupes":
        body = (b'{"specversion":"1.0","id":"dup","id":"dup2","source":"/m","source":"/n",'
                b'"type":"t","data":{"value":1,"value":"2"}}')
        batch = False
    elif mangle == "truncate":
        body = body[:draw(st.integers(0, max(len(body) - 1, 0)))]
    elif mangle == "oversize":
        body = b"[" + b" " * MAX_BODY_BYTES + b"]"
    elif mangle == "number":
        body = body.replace(b'"value": ', b'"value": 1e400, "x": ', 1)
    elif mangle == "binary":
        body = draw(st.binary(max_size=200))
    kind = "application/cloudevents-batch+json" if batch else "application/cloudevents+json"
    headers = {"Content-Type": draw(st.sampled_from(
        [kind] * 12 + [kind.upper() + "; charset=utf-8", "application/json", "text/plain", "",
                      "application/cloudevents+json; x", "application/cloudevents-batch+json"]))}
    auth = draw(st.sampled_from([f"Bearer {TOKEN}"] * 15 + [f"bearer {TOKEN}", "", "Bearer",
                                                            "Bearer wrong", TOKEN]))
    if auth:
        headers["Authorization"] = auth
    return body, headers


@st.composite
def stripe_requests(draw: st.DrawFn) -> tuple[bytes, dict[str, str]]:
    created = draw(st.one_of(st.just(int(time.time())), st.sampled_from(
        [0, -1, 2**31, 2**53, 2**62, 2**63 - 1, 2**64 - 1, -(2**63)])))
    kind = draw(st.sampled_from(["charge.succeeded", "customer.updated", "invoice.paid",
                                 "refund.created", "payout.paid", "ping", "charge."]))
    obj_type = draw(st.sampled_from(["charge", "customer", "invoice", "refund", "payout",
                                     "subscription", "unknown"]))
    obj = {"id": draw(st.text(min_size=1, max_size=10)), "object": obj_type, "amount": 1000,
           "currency": "usd", "status": "succeeded", "created": created, "customer": "cus_1"}
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))):
        obj[draw(st.sampled_from(["id", "amount", "currency", "created", "customer", "status",
                                  "metadata", "lines"]))] = draw(HOSTILE_VALUES)
    event: Any = stripe_event(draw(st.sampled_from(["evt_", "evt_\u202e", "e"]))
                              + draw(st.text(max_size=12)), kind, created, obj)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        name = draw(st.sampled_from(["id", "type", "created", "data", "object"]))
        if draw(st.booleans()):
            event.pop(name, None)
        else:
            event[name] = draw(HOSTILE_VALUES)
    data = event.get("data")
    if draw(st.sampled_from([False] * 9 + [True])) and isinstance(data, dict) and isinstance(
            data.get("object"), dict):
        data["object"]["metadata"] = _Deep(draw(DEPTHS))
    if draw(st.sampled_from([False] * 12 + [True])):
        event = draw(st.sampled_from([[event], "evt", 42, None]))
    body = _dumps(event)
    body = draw(st.sampled_from([body] * 15 + [
        body[:len(body) // 2], body.replace(b'"usd"', b'"\xffsd"'), b"NaN", b"",
        b'{"id":"evt_d","id":"evt_e","type":"charge.succeeded","created":1,'
        b'"data":{"object":{"object":"charge","id":"ch_d","amount":1,"amount":"x"}}}']))
    signature = draw(st.sampled_from(["current"] * 6 + ["old", "stale", "absent", "garbage",
                                                        "other", "other-body", "future"]))
    headers = {"Content-Type": draw(st.sampled_from(["application/json", "text/plain"]))}
    if signature == "garbage":
        # printable: a control character in a header is refused by the HTTP parser itself
        # (a plain-text 400), before the receiver sees the request
        headers["Stripe-Signature"] = draw(st.text(st.characters(
            min_codepoint=0x20, max_codepoint=0x7e), max_size=40))
    elif signature != "absent":
        headers["Stripe-Signature"] = signature  # signed when sent (never stale by waiting)
    return body, headers


def _signed(body: bytes, headers: dict[str, str]) -> dict[str, str]:
    """``headers`` with the Stripe-Signature its placeholder names, computed now."""
    now = int(time.time())
    make = {"current": lambda: sign(body, SECRET), "old": lambda: sign(body, OLD_SECRET),
            "stale": lambda: sign(body, SECRET, now - 1000),
            "future": lambda: sign(body, SECRET, now + 1000),
            "other": lambda: sign(body, "whsec_someone_else"),
            "other-body": lambda: sign(body + b" ", SECRET)}
    kind = headers.get("Stripe-Signature")
    return {**headers, "Stripe-Signature": make[kind]()} if kind in make else headers


def _check(served: tuple[Receiver, Path], path: str, body: bytes,
           headers: dict[str, str]) -> None:
    receiver, root = served
    config = StreamConfig(stream_dir=root / "stream")
    before = len(read_all(config))
    try:
        status, answer = receiver.post(path, body, headers)
    except (ConnectionError, OSError):
        # the server may close the connection of a body it refused before reading it all
        assert len(body) > MAX_BODY_BYTES, "connection dropped on a body within the limit"
        status, answer = 413, {"error": "closed"}
    assert receiver.proc.poll() is None, "the receiver died"
    assert receiver.get("/healthz")[0] == 200
    after = len(read_all(config))
    assert status < 500, (status, answer)
    event(f"{status} {str(answer.get('error', 'stored'))[:30]}" if isinstance(answer, dict)
          else str(status))
    assert isinstance(answer, dict)
    if status >= 400:
        assert isinstance(answer.get("error"), str) and answer["error"], answer
        assert "Traceback" not in answer["error"]
        assert after == before, "a refused request stored something"
        return
    assert 200 <= status < 300, status
    assert after - before == answer["stored"], answer
    reports = land_all(config, root / "out")
    assert sum(r.events for r in reports) == answer["stored"]
    event(f"landed {sum(r.landed for r in reports)} quarantined "
          f"{sum(r.quarantined for r in reports)}")
    _landed_ok(root, reports)


def _landed_ok(root: Path, reports: list[BatchReport]) -> None:
    """Every event of each batch is loaded, quarantined (with its key and a reason), ignored
    or a duplicate."""
    for report in reports:
        assert report.events == (report.duplicates + report.ignored + report.landed
                                 + report.quarantined), report
        if report.quarantined:
            bad = pq.read_table(landing_dir(root / "out") / "quarantine"
                                / f"{report.batch}.parquet").to_pylist()
            assert len(bad) == report.quarantined
            for row in bad:
                assert row["_event_key"] and row["reason"].startswith(
                    f"event {row['_event_key']}: "), row
                assert len(row["reason"]) > len(f"event {row['_event_key']}: ")


_CE = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/cloudevents+json"}
_HOOK = {"Content-Type": "application/json", "Stripe-Signature": "current"}


@FUZZ
@example((_dumps({**cloud_event("deep"), "data": _Deep(600)}), _CE))  # read, not rewritable
@example((json.dumps(cloud_event("k" * 70_000)).encode(), _CE))  # a key past the log's u16
@example((json.dumps(cloud_event("ok", source="/" + "s" * 65_535)).encode(), _CE))
@given(usage_requests())
def test_hostile_usage_requests(served: tuple[Receiver, Path],
                                req: tuple[bytes, dict[str, str]]) -> None:
    _check(served, "/events/usage", *req)


@FUZZ
@example((_dumps(stripe_event("evt_deep", obj={"id": "ch_deep", "object": "charge",
                                               "metadata": _Deep(600)})), _HOOK))
@example((json.dumps(stripe_event("evt_" + "k" * 70_000)).encode(), _HOOK))
@example((json.dumps(stripe_event("evt_huge_created", created=2**64 - 1)).encode(), _HOOK))
@example((json.dumps(stripe_event("evt_neg_created", created=-(2**63))).encode(), _HOOK))
@example((json.dumps(stripe_event("evt_big_amount", obj={
    "id": "ch_big", "object": "charge", "amount": 2**64 - 1, "currency": "usd",
    "created": 1}), ).encode(), _HOOK))
@given(stripe_requests())
def test_hostile_stripe_webhooks(served: tuple[Receiver, Path],
                                 req: tuple[bytes, dict[str, str]]) -> None:
    body, headers = req
    _check(served, "/webhooks/stripe", body, _signed(body, headers))


_SEQ = iter(range(10**9))


@st.composite
def accepted_batches(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Valid CloudEvents envelopes (new ids) whose data is hostile: the receiver takes them,
    the landing must load or quarantine each one."""
    events = []
    for _ in range(draw(st.integers(1, 8))):
        event = cloud_event(f"acc-{next(_SEQ)}", subject=draw(st.sampled_from(
            ["cus_1", "=1+1", "<b>x</b>", "\u202e", "x" * 5000])),
            time_text=draw(st.sampled_from(["2026-09-15T10:00:00Z", "2026-09-15T10:00:00+14:00",
                                            "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
                                            "2026-09-15t10:00:00.123456789z"])))
        for _ in range(draw(st.sampled_from([0, 1, 1, 2]))):
            event["data"][draw(st.sampled_from(["value", "subscription_item", "extra"]))] = \
                draw(STORABLE)
        if draw(st.sampled_from([False] * 6 + [True])):
            event["data"] = draw(STORABLE)
        events.append(event)
    return events


@settings(FUZZ, max_examples=40)
@given(accepted_batches())
def test_accepted_usage_lands_or_is_quarantined(served: tuple[Receiver, Path],
                                                events: list[dict[str, Any]]) -> None:
    receiver, root = served
    status, answer = receiver.post("/events/usage", _dumps(events), {
        "Authorization": f"Bearer {TOKEN}",
        "Content-Type": "application/cloudevents-batch+json"})
    assert (status, answer) == (200, {"stored": len(events), "duplicates": 0})
    reports = land_all(StreamConfig(stream_dir=root / "stream"), root / "out")
    assert sum(r.events for r in reports) == len(events)
    assert sum(r.landed + r.quarantined for r in reports) == len(events)
    _landed_ok(root, reports)
    event(f"quarantined {sum(r.quarantined for r in reports)} of {len(events)}")


STRIPE_FIELDS = ["id", "amount", "amount_refunded", "currency", "created", "customer", "status",
                 "metadata", "balance_transaction", "invoice", "total", "lines", "email",
                 "subscription", "period_start", "arrival_date"]


@st.composite
def accepted_stripe(draw: st.DrawFn) -> dict[str, Any]:
    """A validly enveloped Stripe event (new id, created now) whose object is hostile."""
    kind, obj_type = draw(st.sampled_from([
        ("charge.succeeded", "charge"), ("charge.refunded", "refund"), ("payout.paid", "payout"),
        ("invoice.paid", "invoice"), ("customer.updated", "customer"),
        ("customer.subscription.updated", "subscription"),
        ("credit_note.created", "credit_note"),
        ("invoice_payment.paid", "invoice_payment"),
        ("balance_transaction.created", "balance_transaction")]))
    obj: dict[str, Any] = {"id": f"obj_{next(_SEQ)}", "object": obj_type, "amount": 1000,
                           "currency": "usd", "created": int(time.time()),
                           "customer": "cus_1", "status": "succeeded"}
    for _ in range(draw(st.sampled_from([0, 1, 1, 2, 3]))):
        obj[draw(st.sampled_from(STRIPE_FIELDS))] = draw(STORABLE)
    return stripe_event(f"evt_acc_{next(_SEQ)}", kind, obj=obj)


@settings(FUZZ, max_examples=40)
@given(st.lists(accepted_stripe(), min_size=1, max_size=4))
def test_accepted_stripe_lands_or_is_quarantined(served: tuple[Receiver, Path],
                                                 events: list[dict[str, Any]]) -> None:
    receiver, root = served
    for stripe in events:
        body = _dumps(stripe)
        status, answer = receiver.post("/webhooks/stripe", body, _signed(body, _HOOK))
        assert (status, answer) == (200, {"stored": 1, "duplicates": 0})
    reports = land_all(StreamConfig(stream_dir=root / "stream"), root / "out")
    assert sum(r.events for r in reports) == len(events)
    assert sum(r.landed + r.quarantined for r in reports) == len(events)
    _landed_ok(root, reports)
    event(f"quarantined {sum(r.quarantined for r in reports)} of {len(events)}")
