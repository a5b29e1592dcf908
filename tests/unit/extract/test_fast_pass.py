"""The fast columnar pass of JSON lines (lib/extract/fastjson.py) against the per-record path.

Whatever the lines, the raw zone (tables, quarantine, file counts) is the same with the fast
pass as without it: the fast pass only takes lines it can tell the per-record reader would
load, with the same values. Planted hostile lines, a hypothesis mix, and the generator's
usage files.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recon_pipeline.lib.extract import extract_object
from recon_pipeline.lib.extract.fastjson import FastPass, supports
from recon_pipeline.lib.extract.lines import line_chunk
from recon_pipeline.lib.extract.sqlkit import connect
from recon_pipeline.lib.extract.usage import EVENTS
from tests.unit.extract.helpers import write_lines


def _event(i: int, **over: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "specversion": "1.0", "id": f"evt_{i}", "source": "//meter/api",
        "type": "api_requests", "subject": f"cus_{i % 7}",
        "time": f"2026-09-{1 + i % 28:02d}T12:{i % 60:02d}:00Z",
        "data": {"value": i % 500, "subscription_item": f"si_{i % 5}"}}
    event.update(over)
    return event


#: Lines the per-record reader quarantines, or loads in a way a careless fast pass would not.
HOSTILE: list[Any] = [
    b'{"id":"evt_x","source":"s"',                      # truncated JSON
    b'{"id":"a","id":"b","source":"s","type":"t","subject":"c","time":"2026-09-01T00:00:00Z",'
    b'"data":{"value":1}}',                             # duplicate key
    _event(1001, id=7),                                 # wrong type
    _event(1002, source=None),                          # missing key field (null)
    {k: v for k, v in _event(1003).items() if k != "subject"},  # missing key field
    _event(1004, data={"value": "12.5"}),               # money string
    _event(1005, data={"value": -1}),                   # negative
    _event(1006, time="yesterday"),                     # unparsable time
    _event(1007, time=1788000000),                      # wrong type time
    _event(1008, data={"value": 1.5, "subscription_item": 42}),
    _event(1009, data=[1]),
    _event(1010, data=None),
    b'{"id":"evt_1011","source":"s","type":"t","subject":"c","time":"2026-09-01T00:00:00Z",'
    b'"data":{"value":1e400}}',                         # huge number
    b'{"id":"evt_1012","source":"s","type":"t","subject":"c","time":"2026-09-01T00:00:00Z",'
    b'"data":{"value":123456789012345678901234567}}',   # 27 integer digits
    b'{"id":"evt_1013","source":"s","type":"t","subject":"c","time":"2026-09-01T00:00:00Z",'
    b'"data":{"value":0.1234567890123}}',               # 13 places
    b'{"id":"evt_1014","source":"s","type":"t","subject":"c","time":"2026-09-01T00:00:00Z",'
    b'"data":{"value":99999999999999999999999999.999999999999}}',  # the largest that fits
    b'{"id":"evt_1015","source":"s","type":"t","subject":"c","time":"2026-09-01T00:00:00Z",'
    b'"data":{"value":1.5e-3}}',                        # exponent
    b'{"id":"evt_1033","source":"s","type":"t","subject":"c","time":"2026-09-01T00:00:00Z",'
    b'"data":{"value":10020000000e000000000}}',        # an exponent of 9 digits (found by fuzz)
    b'{"id":"evt_1034","source":"s","type":"t","subject":"c","time":"2026-09-01T00:00:00Z",'
    b'"data":{"value":25E+2}}',
    b'{"id":"evt_1016","source":"s","type":"t","subject":"c","time":"2026-09-01T00:00:00Z",'
    b'"data":{"value":NaN}}',
    b'{"id":"evt_1017","source":"s","type":"t","subject":"c","time":"2026-09-01T00:00:00Z",'
    b'"data":{"value":1},"x":NaN}',                     # invalid JSON in an ignored key
    b'{"id":"evt_\\u00e9","source":"s","type":"t","subject":"c\\n","time":'
    b'"2026-09-01T00:00:00Z","data":{"value":2}}',      # escapes
    b'{"id":"evt_1019","source":"s","type":"t","subject":"c","time":"2026-09-01T00:00:00Z",'
    b'"data":{"value":3}}{"id":"evt_1020"}',            # two objects on a line
    b"\xff\xfe not utf-8",
    b"",
    b"   ",
    b"[1, 2]",
    b"42",
    b'  {"id":"evt_1021","source":"s","type":"t","subject":"c","time":"2026-09-01T00:00:00Z",'
    b'"data":{"value":4}}',                             # leading blanks
    {"object": "list", "data": [_event(1022), _event(1023, data={"value": -2})]},
    {"object": "list", "data": "nope"},
    _event(1024, object="event"),
    _event(1025, object=5),
    _event(2, id="evt_2"),                              # a redelivery of line 3's event
    _event(1026, time="2026-09-01T00:00:00+02:00"),
    _event(1027, time="2026-09-01 00:00:00Z"),
    _event(1028, time="2026-13-01T00:00:00Z"),
    _event(1029, data={"value": 0.25, "subscription_item": None}),
    _event(1030, data={"value": 7}, extra={"value": "x"}),
    _event(1031, subject=""),
    b'{"id":"evt_1032","source":"s","type":"t","subject":"c","time":"2026-09-01T00:00:00Z",'
    b'"data":{"value" : -0.0}}',
]


def _read(out: Path) -> dict[str, list[dict[str, Any]]]:
    return {
        "events": pq.read_table(out / "usage" / "events.parquet").to_pylist(),
        "quarantine": pq.read_table(
            out / "_parts" / "usage__events.quarantine.parquet").to_pylist(),
        "counts": pq.read_table(
            out / "_parts" / "usage__events.file_counts.parquet").to_pylist(),
    }


def both(root: Path, work: Path, **options: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The usage raw zone of ``root`` extracted with and without the fast pass (in raw zones
    that cannot reuse each other)."""
    results = []
    for fast in (True, False):
        out = work / ("fast" if fast else "records") / "raw"
        extract_object(root, "usage/events", out, fast=fast, **options)
        results.append(_read(out))
    return results[0], results[1]


def test_the_fast_pass_takes_clean_lines_and_leaves_the_rest() -> None:
    assert supports(EVENTS)
    clean = [json.dumps(_event(i)).encode() for i in range(200)]
    hostile = [x if isinstance(x, bytes) else json.dumps(x).encode() for x in HOSTILE]
    chunk = line_chunk(pa.array([*clean, *hostile], pa.large_binary()))
    con = connect()
    try:
        result = FastPass(EVENTS).run(con, chunk, "usage/x.jsonl")
    finally:
        con.close()
    left = result.rest.line_no.to_pylist()
    assert result.rows >= 200 and all(n > 200 for n in left)
    assert len(left) >= 30  # the hostile lines, but a few that are valid as they stand


def test_planted_bad_lines_read_the_same(tmp_path: Path) -> None:
    lines = [_event(i) for i in range(40)]
    for k, bad in enumerate(HOSTILE):
        lines.insert(3 + 2 * k, bad)
    write_lines(tmp_path / "src", "usage/a.jsonl", lines)
    write_lines(tmp_path / "src", "usage/b.jsonl.gz", list(reversed(lines)))
    fast, records = both(tmp_path / "src", tmp_path)
    assert fast == records
    assert len(fast["quarantine"]) > 20 and len(fast["events"]) > 40


def test_small_chunks_and_blocks(tmp_path: Path) -> None:
    rng = random.Random(7)
    lines: list[Any] = [_event(i) for i in range(3000)]
    for _ in range(60):
        lines.insert(rng.randrange(len(lines)), rng.choice(HOSTILE))
    write_lines(tmp_path / "src", "usage/x.jsonl", lines)
    fast, records = both(tmp_path / "src", tmp_path, chunk_bytes=20_000, workers=2)
    assert fast == records


hostile_line = st.one_of(
    st.sampled_from(HOSTILE),
    st.builds(lambda i, v: _event(i, data={"value": v}), st.integers(0, 99),
              st.one_of(st.integers(-5, 10**30), st.decimals(allow_nan=False,
                                                              allow_infinity=False,
                                                              places=14).map(
                  lambda d: json.loads(str(d), parse_float=str)
                  if "E" not in str(d) else 1), st.text(max_size=5), st.none())),
    st.builds(lambda i, s: _event(i, subject=s), st.integers(0, 99), st.text(max_size=6)),
    st.binary(max_size=40).filter(lambda b: b"\n" not in b and b"\r" not in b),
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.builds(_event, st.integers(0, 50)), hostile_line), max_size=30))
def test_any_mix_reads_the_same(tmp_path_factory: pytest.TempPathFactory,
                                lines: list[Any]) -> None:
    work = tmp_path_factory.mktemp("mix")
    write_lines(work / "src", "usage/m.jsonl", [*lines, _event(999)])
    fast, records = both(work / "src", work)
    assert fast == records


def test_generated_usage_reads_the_same(generated: Any, tmp_path: Path) -> None:
    """The generator's usage files (with their planted malformed rows), both ways."""
    fast, records = both(generated.out, tmp_path)
    assert fast == records
    assert fast["events"] and fast["quarantine"]


_MUTANTS = b'{}[]":,\\ -+.0123456789eEnulltruefalsNaI\x00\x01\t\xc3\xa9\xff\xed\xa0\x80u'


def _mutate(rng: random.Random, line: bytes) -> bytes:
    out = bytearray(line)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(out))
        op = rng.random()
        if op < 0.4:
            out[at] = rng.choice(_MUTANTS)
        elif op < 0.7:
            out[at:at] = bytes([rng.choice(_MUTANTS)])
        else:
            del out[at]
    return bytes(out).replace(b"\n", b" ").replace(b"\r", b" ")


def test_mutated_lines_read_the_same(tmp_path: Path) -> None:
    """Valid lines with a few bytes changed, inserted or dropped: where the two readers'
    JSON parsers or number rules could differ (an exponent of 9 digits was found so)."""
    rng = random.Random(20261206)
    lines: list[Any] = []
    for i in range(4000):
        event = _event(i, data={"value": rng.choice([1, 0.5, 123.456, 10**20, 7e-5])})
        raw = json.dumps(event, separators=(",", ":") if i % 2 else None).encode()
        lines.append(_mutate(rng, raw) if rng.random() < 0.6 else raw)
    write_lines(tmp_path / "src", "usage/m.jsonl", lines)
    fast, records = both(tmp_path / "src", tmp_path, chunk_bytes=200_000)
    assert fast == records
