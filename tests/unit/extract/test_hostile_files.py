"""Hostile sources directories, generated: links out of the directory, FIFOs, broken links,
truncated and corrupt gzip files beside ordinary ones with odd bytes.

Whatever the mix, extraction and the inventory finish (nothing blocks on a FIFO), nothing
outside the sources directory is read, every refused file is one quarantine row (line 0) with
its reason, the readable files load, and rows read = loaded + quarantined + redelivered for
every file (issue 13 items 2 and 3).
"""

from __future__ import annotations

import gzip
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recon_pipeline.defs.sources.inventory import scan_sources
from recon_pipeline.lib.extract import extract_object
from recon_pipeline.lib.extract.api import combine_parts
from recon_pipeline.lib.source_files import files_not_read

SECRET = "SECRET-6f1d2b"
#: A line that would load as a usage event if it were read: the secret would show.
SECRET_LINE = ('{"specversion":"1.0","id":"' + SECRET + '","source":"//x","type":"usage",'
               '"time":"2026-09-10T00:00:00Z","data":{"customer":"' + SECRET + '"}}\n')
KINDS = ("plain", "gzip", "link_out", "link_proc", "fifo", "broken_link", "truncated_gzip",
         "corrupt_gzip", "link_in")
REFUSED = {"link_out", "link_proc", "fifo", "broken_link", "truncated_gzip", "corrupt_gzip"}

lines = st.lists(st.one_of(
    st.binary(max_size=60).filter(lambda b: b"\n" not in b and b"\r" not in b),
    st.text(max_size=60).filter(lambda s: "\n" not in s and "\r" not in s).map(str.encode),
    st.just(SECRET_LINE.strip().encode()).map(lambda b: b.replace(SECRET.encode(), b"inside")),
), min_size=1, max_size=30).filter(lambda ls: any(line.strip() for line in ls))
entry = st.tuples(st.sampled_from(KINDS), lines, st.integers(min_value=1, max_value=10_000))


def _plant(sources: Path, outside: Path, index: int, kind: str, body: bytes, cut: int) -> Path:
    folder = sources / "usage"
    name = f"events-{index:02d}.jsonl" + (".gz" if "gzip" in kind else "")
    path = folder / name
    if kind == "plain":
        path.write_bytes(body)
    elif kind == "gzip":
        path.write_bytes(gzip.compress(body))
    elif kind == "truncated_gzip":
        packed = gzip.compress(body)
        path.write_bytes(packed[: max(1, min(len(packed) - 1, cut % len(packed)))])
    elif kind == "corrupt_gzip":
        packed = bytearray(gzip.compress(body))
        packed[-8] ^= 0xFF  # the CRC: every byte decompresses, the check fails
        path.write_bytes(bytes(packed))
    elif kind == "link_out":
        path.symlink_to(outside / "secret.jsonl")
    elif kind == "link_proc":
        path.symlink_to("/proc/self/environ")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "broken_link":
        path.symlink_to(sources / "usage" / "nowhere.jsonl")
    elif kind == "link_in":
        target = sources / ".archive" / f"kept-{index:02d}.jsonl"  # hidden: not listed itself
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(body)
        path.symlink_to(target)
    return path


def _run_bounded(work: Any, seconds: float = 60) -> Any:
    """``work()`` in a thread; fail instead of hanging (a FIFO opened for reading blocks)."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = work()
        except BaseException as exc:  # reported to the test below
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "blocked: a FIFO or device was opened"
    if "error" in result:
        raise result["error"]
    return result["value"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entry, min_size=1, max_size=6))
def test_hostile_usage_folders(planted: list[tuple[str, list[bytes], int]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sources, outside, out = root / "sources", root / "outside", root / "out"
        (sources / "usage").mkdir(parents=True)
        outside.mkdir()
        (outside / "secret.jsonl").write_text(SECRET_LINE * 3)
        kinds = {}
        for index, (kind, body_lines, cut) in enumerate(planted):
            body = b"\n".join(body_lines) + b"\n"
            path = _plant(sources, outside, index, kind, body, cut)
            kinds[path.relative_to(sources).as_posix()] = kind

        report = _run_bounded(lambda: extract_object(sources, "usage/events", out))
        quarantine_path, counts_path = combine_parts(out)
        quarantine = pq.read_table(quarantine_path)
        events = pq.read_table(out / "usage" / "events.parquet")

        everything = str(quarantine.to_pylist()) + str(events.to_pylist())
        assert SECRET not in everything
        whole = {f["file"]: f["reason"] for f in files_not_read(quarantine)}
        assert set(whole) == {rel for rel, kind in kinds.items() if kind in REFUSED}
        assert all("not read" in reason for reason in whole.values())
        for count in pq.read_table(counts_path).to_pylist():
            assert count["rows_read"] == (count["rows_loaded"] + count["rows_quarantined"]
                                          + count["rows_redelivered"]), count
            if kinds[count["file"]] not in REFUSED:
                assert count["rows_read"] > 0, count
        assert {f.file for f in report.files} == set(kinds)

        inventory = _run_bounded(lambda: scan_sources(sources))
        problems = {f.path for f in inventory if f.problem}
        assert problems == {rel for rel, kind in kinds.items() if kind in REFUSED}
