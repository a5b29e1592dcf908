"""The export as of each cycle's close, cut from one cumulative export, for bench_close.py.

The generator writes its export as of one day (three days after the last cycle): a run with
fewer cycles is another simulation (customers' start dates spread over another span, other
planted cases), not an earlier copy of the same one, so no generated export is a prefix of a
later one. This cuts the cumulative export at an earlier instant (``cut``: three days after a
cycle, as the generator exports), a file at a time:

- Stripe objects (``billing/``, ``payments/``, plain and gzip): the lines of objects created
  before the cut, in the file's order (a list page keeps the objects created before it, the
  page written again when some are dropped); a line that is not a JSON object (a malformed
  row) is kept. An object shows the state the cumulative export gives it (an invoice paid
  after the cut is paid already): a cut by creation, not a replay of the history.
- Usage files (``usage/<source>-<month>``): the months begun before the cut, the events before
  it. Every month's lines are ordered by the first of the ``cuts`` they come before (stably,
  a malformed line with the line before it), so each cut's file is a byte prefix of the next
  one's (what extraction tails, lib/extract/tail.py); a month the first cut already closes is
  the generator's file as it is.
- The ERP ledger: the journal lines posted by the cut's day; FX rates: the days before it;
  CRM accounts, legal entities and the ERP customer master whole.

A file the cut leaves whole is copied byte for byte. The last cycle's export (cut at the
generator's own export date) is the cumulative export as generated (the generator writes a
few objects created after that date), except for the order of a usage month an earlier cut
splits.
"""

from __future__ import annotations

import bisect
import filecmp
import gzip
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from recon_pipeline.lib.cycles import cycle_end, cycle_of, day_of, days, iso

#: Days after a cycle's end its export is taken (recon_pipeline/generate/api.py: export_at).
EXPORT_LAG_DAYS = 3


def export_cut(cycle: str) -> int:
    """The instant the export closed for ``cycle`` is taken at, Unix seconds."""
    return cycle_end(cycle) + days(EXPORT_LAG_DAYS)


def _open(path: Path, mode: str) -> IO[bytes]:
    if path.name.endswith(".gz"):
        raw = open(path, mode + "b")  # noqa: SIM115 - the GzipFile closes it
        return gzip.GzipFile(filename="", mode=mode + "b", fileobj=raw, mtime=0,
                             compresslevel=3)  # as the generator writes it
    return open(path, mode + "b")


def _lines(path: Path) -> Iterator[bytes]:
    with _open(path, "r") as f:
        yield from f


def _stripe_line(line: bytes, cut: int) -> bytes | None:
    """``line`` as the export at ``cut`` has it, None when it was not yet created."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return line
    if not isinstance(obj, dict):
        return line
    if obj.get("object") == "list" and isinstance(obj.get("data"), list):
        data = obj["data"]
        kept = [o for o in data if not isinstance(o, dict)
                or not isinstance(o.get("created"), int) or o["created"] < cut]
        if len(kept) == len(data):
            return line
        return orjson.dumps({**obj, "data": kept}) + b"\n" if kept else None
    created = obj.get("created")
    return line if not isinstance(created, int) or created < cut else None


def _cut_stripe(source: Path, target: Path, cut: int) -> None:
    dropped = False
    with _open(target, "w") as out:
        for line in _lines(source):
            kept = _stripe_line(line, cut)
            if kept is None:
                dropped = True
            else:
                out.write(kept)
    if not dropped:  # byte for byte (a page written again never happens then)
        shutil.copyfile(source, target)


def _event_time(line: bytes) -> str | None:
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    time = obj.get("time") if isinstance(obj, dict) else None
    return time if isinstance(time, str) else None


def _cut_usage(source: Path, target: Path, cut: int | None, cuts: Sequence[int]) -> None:
    """The events before ``cut`` (every one with None), ordered by the first of ``cuts`` they
    come before."""
    bounds = [iso(c) for c in sorted(cuts)]
    limit = iso(cut) if cut is not None else "~"  # "~" sorts after any RFC 3339 text
    buckets: dict[int, list[bytes]] = {}
    bucket = 0
    dropped = False
    for line in _lines(source):
        time = _event_time(line)
        if time is not None:
            bucket = bisect.bisect_right(bounds, time)
            if time >= limit:
                dropped = True
                continue
        elif (bounds[bucket] if bucket < len(bounds) else "~") > limit:
            dropped = True
            continue  # a malformed line goes with the line before it
        buckets.setdefault(bucket, []).append(line)
    if not dropped and len(buckets) <= 1:  # whole and in order: byte for byte
        shutil.copyfile(source, target)
        return
    with _open(target, "w") as out:
        for key in sorted(buckets):
            out.writelines(buckets[key])


def _cut_ledger(source: Path, target: Path, cut: int) -> None:
    shutil.copyfile(source, target)
    day = day_of(cut).isoformat()  # posted on the export's day is in it (as generated)
    with sqlite3.connect(target) as db:
        if db.execute("select count(*) from gl_journal_lines where posting_date > ?",
                      [day]).fetchone()[0] == 0:
            return
        db.execute("delete from gl_journal_lines where posting_date > ?", [day])
    db.close()
    with sqlite3.connect(target, isolation_level=None) as db:
        db.execute("vacuum")
    db.close()


def _cut_fx(source: Path, target: Path, cut: int) -> None:
    day = day_of(cut).isoformat().encode()
    with open(source, "rb") as f, open(target, "wb") as out:
        out.write(f.readline())  # the header
        for line in f:
            if line.lstrip(b'"')[:10] < day:
                out.write(line)


def write_export(full: Path, target: Path, cut: int, cuts: Sequence[int]) -> None:
    """Write under ``target`` the export ``full`` was at ``cut`` (see the module docstring)."""
    staging = target.with_name(target.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    month = cycle_of(cut)
    manifest = json.loads((full / "_truth" / "manifest.json").read_text())
    # at (or after) the generator's own export: its files as they are (a few objects it writes
    # are created after that day), the usage months ordered as the earlier cuts split them
    whole = day_of(cut) >= date.fromisoformat(manifest["export_at"])
    for source in sorted(p for p in full.rglob("*") if p.is_file()):
        rel = source.relative_to(full)
        dest = staging / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        top = rel.parts[0]
        if top == "usage" and whole:
            _cut_usage(source, dest, None, cuts)
        elif whole:
            shutil.copyfile(source, dest)
        elif top in ("billing", "payments"):
            _cut_stripe(source, dest, cut)
        elif top == "usage":
            if source.name.split(".")[0][-7:] <= month:  # <source>-<YYYY-MM>.jsonl[.gz]
                _cut_usage(source, dest, cut, cuts)
        elif rel.as_posix() == "erp/ledger.sqlite":
            _cut_ledger(source, dest, cut)
        elif rel.as_posix() == "reference/fx_rates.csv":
            _cut_fx(source, dest, cut)
        else:
            shutil.copyfile(source, dest)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)


def sync(export: Path, live: Path) -> dict[str, int]:
    """Make ``live`` hold ``export``'s files as a source system updates its folder in place:
    a file whose bytes are unchanged is left alone (its mtime too), a changed or new one
    replaced whole, one gone removed. Returns how many files were kept, changed, added,
    removed."""
    counts = {"unchanged": 0, "changed": 0, "new": 0, "removed": 0}
    wanted = {p.relative_to(export) for p in export.rglob("*") if p.is_file()}
    for rel in sorted(wanted):
        source, dest = export / rel, live / rel
        if dest.is_file() and filecmp.cmp(source, dest, shallow=False):
            counts["unchanged"] += 1
            continue
        counts["changed" if dest.exists() else "new"] += 1
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.tmp")
        shutil.copyfile(source, tmp)
        os.replace(tmp, dest)
    if live.is_dir():
        for path in sorted(p for p in live.rglob("*") if p.is_file()):
            if path.relative_to(live) not in wanted:
                path.unlink()
                counts["removed"] += 1
    return counts


def describe(cut: int) -> str:
    """The cut as text."""
    return datetime.fromtimestamp(cut, UTC).strftime("%Y-%m-%d %H:%M UTC")


__all__: list[Any] = ["describe", "export_cut", "sync", "write_export"]
