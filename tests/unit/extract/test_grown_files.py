"""Cumulative usage files that grew are read from where the last run stopped (lib/extract/
tail.py), and give the raw zone a full parse gives; a file changed otherwise is read in full."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from recon_pipeline.lib.extract import extract_object
from recon_pipeline.lib.extract.tail import prefix_path, staged_path
from tests.unit.extract.helpers import write_lines
from tests.unit.extract.test_fast_pass import HOSTILE, _event

NAME = "usage/events"


def _zone(out: Path) -> dict[str, Any]:
    return {
        "events": pq.read_table(out / "usage" / "events.parquet").to_pylist(),
        "quarantine": pq.read_table(
            out / "_parts" / "usage__events.quarantine.parquet").to_pylist(),
        "counts": pq.read_table(
            out / "_parts" / "usage__events.file_counts.parquet").to_pylist(),
    }


def _append(path: Path, lines: list[Any]) -> None:
    with open(path, "ab") as handle:
        for item in lines:
            raw = item if isinstance(item, bytes) else json.dumps(item).encode()
            handle.write(raw + b"\n")


def _resumed(out: Path) -> dict[str, int]:
    data: dict[str, int] = json.loads(prefix_path(out, NAME).read_text())["resumed"]
    return data


def _first(src: Path, work: Path) -> None:
    write_lines(src, "usage/a.jsonl", [*(_event(i) for i in range(30)), *HOSTILE[:12]])
    write_lines(src, "usage/b.jsonl", [_event(i) for i in range(100, 130)])
    write_lines(src, "usage/c.jsonl.gz", [_event(i) for i in range(200, 210)])
    extract_object(src, NAME, work / "out" / "raw" / "2026-08", chunk_bytes=900)


def _full(src: Path, work: Path) -> dict[str, Any]:
    out = work / "fresh" / "raw" / "2026-09"
    extract_object(src, NAME, out, chunk_bytes=900)
    return _zone(out)


def test_grown_file_reads_only_its_tail(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _first(src, tmp_path)
    size = (src / "usage" / "a.jsonl").stat().st_size
    # New events, hostile lines, a page, and redeliveries: of an event of b.jsonl (whose
    # first delivery is now in a.jsonl, earlier in path order) and of one in a's own prefix.
    _append(src / "usage" / "a.jsonl", [_event(105), _event(3), *(_event(i) for i in
            range(300, 340)), *HOSTILE[12:], b""])
    _append(src / "usage" / "b.jsonl", [_event(400)])
    out = tmp_path / "out" / "raw" / "2026-09"
    extract_object(src, NAME, out, chunk_bytes=900)
    gz_size = (src / "usage" / "c.jsonl.gz").stat().st_size
    assert _resumed(out) == {"usage/a.jsonl": size,
                             "usage/b.jsonl": (src / "usage" / "b.jsonl").stat().st_size
                             - len(json.dumps(_event(400))) - 1,
                             "usage/c.jsonl.gz": gz_size}  # unchanged whole: not read
    assert _zone(out) == _full(src, tmp_path)
    # and again, from the grown state
    grown = (src / "usage" / "a.jsonl").stat().st_size
    _append(src / "usage" / "a.jsonl", [_event(500)])
    again = tmp_path / "out" / "raw" / "2026-10"
    extract_object(src, NAME, again, chunk_bytes=900)
    b_size = (src / "usage" / "b.jsonl").stat().st_size
    assert _resumed(again) == {"usage/a.jsonl": grown, "usage/b.jsonl": b_size,  # b: no tail
                               "usage/c.jsonl.gz": gz_size}
    assert _zone(again) == _full(src, tmp_path / "second")


def test_changed_prefix_is_read_in_full(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _first(src, tmp_path)
    path = src / "usage" / "a.jsonl"
    data = path.read_bytes()
    path.write_bytes(data.replace(b'"evt_1"', b'"evt_X"', 1) + json.dumps(_event(600)).encode()
                     + b"\n")
    out = tmp_path / "out" / "raw" / "2026-09"
    extract_object(src, NAME, out, chunk_bytes=900)
    assert "usage/a.jsonl" not in _resumed(out)
    assert _zone(out) == _full(src, tmp_path)


def test_changed_gz_file_is_read_in_full(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _first(src, tmp_path)
    write_lines(src, "usage/c.jsonl.gz", [*(_event(i) for i in range(200, 210)), _event(800),
                                          HOSTILE[0]])
    out = tmp_path / "out" / "raw" / "2026-09"
    extract_object(src, NAME, out, chunk_bytes=900)
    assert "usage/c.jsonl.gz" not in _resumed(out)
    result = _zone(out)
    assert result == _full(src, tmp_path)
    assert any(e["event_id"] == "evt_800" for e in result["events"])


def test_kept_rows_replaced_since_their_fingerprints_are_not_used(tmp_path: Path) -> None:
    """Another run replacing the prior zone's kept rows after its fingerprints were written:
    the kept files are not the ones fingerprinted, so every file is read in full."""
    src = tmp_path / "src"
    _first(src, tmp_path)
    prior = tmp_path / "out" / "raw" / "2026-08"
    staged = staged_path(prior, NAME)
    staged.write_bytes(staged.read_bytes())  # same rows, another file
    _append(src / "usage" / "a.jsonl", [_event(900)])
    out = tmp_path / "out" / "raw" / "2026-09"
    extract_object(src, NAME, out, chunk_bytes=900)
    assert _resumed(out) == {}
    assert _zone(out) == _full(src, tmp_path)


def test_unterminated_last_line_is_read_again(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _first(src, tmp_path)
    path = src / "usage" / "a.jsonl"
    path.write_bytes(path.read_bytes() + b'{"id":"evt_half","source":"s"')
    extract_object(src, NAME, tmp_path / "out" / "raw" / "2026-09", chunk_bytes=900)
    _append(path, [b',"type":"t","subject":"c","time":"2026-09-01T00:00:00Z","data":{"value":1}}',
                   _event(700)])
    out = tmp_path / "out" / "raw" / "2026-10"
    extract_object(src, NAME, out, chunk_bytes=900)
    assert "usage/a.jsonl" not in _resumed(out)  # the fingerprint is of whole lines only
    result = _zone(out)
    assert result == _full(src, tmp_path)
    assert any(e["event_id"] == "evt_half" for e in result["events"])
