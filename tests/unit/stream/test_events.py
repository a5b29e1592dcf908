"""The receiver's CloudEvents parser agrees with the CloudEvents SDK; Stripe checks by the
``stripe`` library; log records round-trip."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from cloudevents.core.formats.json import JSONFormat

from recon_pipeline.lib.stream.events import (
    CE_BATCH,
    CE_JSON,
    Record,
    Refused,
    check_token,
    cloudevent_problem,
    stripe_records,
    usage_records,
)
from tests.integration.stream.receiver import sign

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "stream"


def _sdk_accepts(event: Any) -> bool:
    """The SDK's verdict on ``event`` with its null attributes removed (JSON format 2.4)."""
    if isinstance(event, dict):
        event = {k: v for k, v in event.items() if v is not None}
    try:
        JSONFormat().read(None, json.dumps(event))
    except Exception:
        return False
    return True


def _spec_examples() -> list[Any]:
    examples = json.loads((SAMPLES / "json-format-examples.json").read_text())
    flat: list[Any] = []
    for item in examples:
        flat.extend(item if isinstance(item, list) else [item])
    return flat


BROKEN = [
    {"specversion": "1.0", "id": "", "source": "/s", "type": "t"},
    {"specversion": "1.0", "id": "a", "source": "/s"},
    {"specversion": "1.0", "id": "a", "source": "/s", "type": "t", "subject": ""},
    {"specversion": "1.0", "id": "a", "source": "/s", "type": "t", "Bad_Name": 1},
    {"specversion": "1.0", "id": "a", "source": "/s", "type": "t", "time": 5},
    {"specversion": "1.0", "id": 7, "source": "/s", "type": "t"},
    {"specversion": "1.0", "id": "a", "source": "/s", "type": "t", "time": "2018-04-05T17:31:00"},
]


@pytest.mark.parametrize("event", [*_spec_examples(), *BROKEN])
def test_parser_agrees_with_the_sdk(event: Any) -> None:
    if isinstance(event, dict):
        event = {k: v for k, v in event.items() if v is not None}
    assert (cloudevent_problem(event) is None) == _sdk_accepts(event), event


def test_batch_with_one_bad_event_is_refused_whole() -> None:
    good = _spec_examples()[2]
    body = json.dumps([good, BROKEN[0]]).encode()
    with pytest.raises(Refused) as refused:
        usage_records(body, CE_BATCH)
    assert refused.value.status == 400
    assert refused.value.reason.startswith("event 1: ")
    assert [r.key for r in usage_records(json.dumps(good).encode(), CE_JSON)] == [
        "C234-1234-1234@/mycontext"]


def test_genuine_stripe_event_verified_with_each_secret() -> None:
    body = (SAMPLES / "event.json").read_bytes()
    now = int(time.time())
    [record] = stripe_records(body, sign(body, "whsec_b", now), ["whsec_a", "whsec_b"], 300)
    assert record.key == "evt_1Pgc76B7WZ01zgkWwyRHS12y" and record.body == body
    with pytest.raises(Refused, match="timestamp older"):
        stripe_records(body, sign(body, "whsec_a", now - 400), ["whsec_a"], 300)
    with pytest.raises(Refused, match="bad signature"):
        stripe_records(body, sign(body, "whsec_c", now), ["whsec_a", "whsec_b"], 300)


def test_token_is_checked() -> None:
    check_token("Bearer tok", "tok")
    for header in (None, "", "tok", "Bearer tok2", "Basic tok"):
        with pytest.raises(Refused):
            check_token(header, "tok")


def test_record_round_trip() -> None:
    record = Record("usage", "id-é@/src", b'{"a": 1}', 1_700_000_000_123)
    assert Record.decode(record.encode()) == record


def _hook(event: dict[str, Any]) -> list[Record]:
    body = json.dumps(event).encode()
    return stripe_records(body, sign(body, "whsec_a"), ["whsec_a"], 300)


def _charge(event_id: str, created: int, obj: Any = None) -> dict[str, Any]:
    return {"id": event_id, "object": "event", "type": "charge.succeeded", "created": created,
            "data": {"object": obj or {"id": "ch_1", "object": "charge"}}}


def test_events_the_log_or_landing_cannot_hold_are_refused() -> None:
    """Found by tests/integration/stream/test_body_fuzz.py (issue 13). Each was accepted and
    then: a key past 65,535 bytes failed the log's record header (a 503 forever, and the keys
    before it in the batch stayed "being written"); a ``created`` past int64 milliseconds
    stopped every landing batch after it; data nested past 254 levels (orjson reads 1,024,
    writes 254) was a 500 on /events/usage and, signed by Stripe, stopped the landing."""
    ce = {"specversion": "1.0", "id": "e1", "source": "/s", "type": "t"}
    assert usage_records(json.dumps(ce).encode(), CE_JSON)
    deep = "[" * 600 + "1" + "]" * 600
    for body, reason in [
        (json.dumps({**ce, "id": "k" * 70_000}), "longer than 1024 bytes"),
        (json.dumps({**ce, "source": "/" + "s" * 1023}), "longer than 1024 bytes"),
        (json.dumps(ce)[:-1] + ', "data": ' + deep + "}", "nested too deeply"),
    ]:
        with pytest.raises(Refused, match=reason) as refused:
            usage_records(body.encode(), CE_JSON)
        assert refused.value.status == 400
    assert _hook(_charge("evt_ok", int(time.time())))
    for event, reason in [
        (_charge("evt_" + "k" * 70_000, 1), "id longer than 1024 bytes"),
        (_charge("evt_far", 2**64 - 1), "out of range"),
        (_charge("evt_neg", -1), "out of range"),
    ]:
        with pytest.raises(Refused, match=reason):
            _hook(event)
    body = json.dumps(_charge("evt_deep", 1, {"id": "ch", "object": "charge",
                                              "metadata": "@"})).replace('"@"', deep).encode()
    with pytest.raises(Refused, match="nested too deeply"):
        stripe_records(body, sign(body, "whsec_a"), ["whsec_a"], 300)
