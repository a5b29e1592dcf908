"""An object whose files did not change since an earlier cycle's run is not parsed again: that
run's tables, quarantine and file counts are linked into the new raw zone; a changed file is
parsed again."""

from __future__ import annotations

import os
from pathlib import Path

from recon_pipeline.lib.extract import extract_object
from tests.unit.extract.helpers import extract, write_lines


def _event(n: int, value: str, time: str | None = "2026-09-15T10:00:00Z") -> str:
    """A CloudEvent line with a JSON number value (written as is, so it stays exact)."""
    head = (f'{{"specversion":"1.0","id":"e{n}","source":"//meter","type":"api_requests",'
            f'"subject":"cus_1",')
    when = f'"time":"{time}",' if time is not None else ""
    return head + when + f'"data":{{"value":{value},"subscription_item":"si_1"}}}}'


def test_unchanged_files_are_linked_not_parsed(tmp_path: Path) -> None:
    sources, raw = tmp_path / "s", tmp_path / "out" / "raw"
    path = write_lines(sources, "usage/a.jsonl", [_event(1, "5"), _event(2, "-5"), _event(1, "5")])
    first = extract(sources, "usage/events", raw / "2026-08")
    assert [(q["line"], q["reason"]) for q in first.quarantine] == [(2, "negative usage value")]

    # Same bytes count and modification time, other content: a stamp cannot tell, and what comes
    # back is the earlier extraction, which shows nothing was parsed.
    stat = path.stat()
    path.write_bytes(path.read_bytes().replace(b'"value":5', b'"value":7'))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    report = extract_object(sources, "usage/events", raw / "2026-09")
    assert report.reused_from == "2026-08"
    second = extract(sources, "usage/events", raw / "2026-09")
    assert (second.tables, second.quarantine, second.counts) == (
        first.tables, first.quarantine, first.counts)
    assert (report.rows_read, report.rows_quarantined, report.tables) == (3, 1, {"events": 1})

    # A file that grew is read again: the new line, and the values as they are now.
    write_lines(sources, "usage/a.jsonl", [_event(1, "5"), _event(2, "-5"), _event(1, "5"),
                                           _event(3, "2", time=None)])
    report = extract_object(sources, "usage/events", raw / "2026-10")
    assert report.reused_from is None
    third = extract(sources, "usage/events", raw / "2026-10")
    assert [(q["line"], q["reason"]) for q in third.quarantine] == [
        (2, "negative usage value"), (4, "usage event without a time")]
    assert third.counts == [{"source": "usage", "file": "usage/a.jsonl", "table": "events",
                             "rows_read": 4, "rows_loaded": 1, "rows_quarantined": 2,
                             "rows_redelivered": 1}]
    # The earlier zones keep what they had.
    assert extract(sources, "usage/events", raw / "2026-08").tables == first.tables


def test_a_new_file_is_read(tmp_path: Path) -> None:
    sources, raw = tmp_path / "s", tmp_path / "out" / "raw"
    write_lines(sources, "usage/a.jsonl", [_event(1, "5")])
    extract(sources, "usage/events", raw / "2026-08")
    write_lines(sources, "usage/late/b.jsonl", [_event(2, "3")])
    report = extract_object(sources, "usage/events", raw / "2026-09")
    assert report.reused_from is None
    assert report.tables == {"events": 2}


def test_a_landed_stream_event_changes_the_stamp(tmp_path: Path) -> None:
    """Stream events landed beside the raw zones are merged into the Stripe and usage tables:
    one more landed file means the object is read (and merged) again."""
    from recon_pipeline.lib.extract import reuse
    from recon_pipeline.lib.stream.merge import stream_folder

    sources, zone = tmp_path / "s", tmp_path / "out" / "raw" / "2026-09"
    write_lines(sources, "usage/a.jsonl", [_event(1, "5")])
    before = reuse.stamp(sources, "usage/events", None, zone)
    landing = stream_folder(zone) / "usage" / "events"
    landing.mkdir(parents=True)
    (landing / "part-1.parquet").write_bytes(b"x")
    assert reuse.stamp(sources, "usage/events", None, zone) != before
    # The ERP's ledger merges no stream: its stamp is its file's alone.
    write_lines(sources, "erp/ledger.sqlite", [b""])
    erp = reuse.stamp(sources, "erp/gl_accounts", None, zone)
    assert erp is not None and "landed" not in erp
    assert reuse.stamp(sources, "erp/gl_accounts", "postgresql://h/db", zone) is None
