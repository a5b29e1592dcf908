"""Benchmark of extraction: rows per second and peak memory (RSS) per source object.

Usage: ``.venv/bin/python benchmarks/bench_extract.py --sources DIR [--out DIR]``. Each source
object is extracted in its own process, so its peak RSS is its own; one line per object, then
the combined quarantine and file counts are written and totals printed.

``--records`` reads JSON lines record by record only (no fast columnar pass: the reader as it
was before it), to compare. ``--grown PCT`` then measures the warm case of a cumulative usage
export that grew: the usage files are copied to a scratch sources directory, extracted into
``raw/A``, every file gets PCT % more events (copies of its last lines under new ids) and the
usage object is extracted into ``raw/B``, which reads only the tails (lib/extract/tail.py);
then the same grown files are extracted from scratch, for the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from recon_pipeline.lib.extract import OBJECTS, combine_parts, extract_object


def run_one(sources: Path, name: str, out: Path, erp_url: str | None, workers: int,
            chunk_mb: int, fast: bool = True) -> dict[str, object]:
    """Extract one object in this process and return its figures."""
    started = time.monotonic()
    report = extract_object(sources, name, out, erp_url=erp_url, workers=workers,
                            chunk_bytes=chunk_mb << 20, fast=fast)
    wall = time.monotonic() - started
    files = [sources / f.file for f in report.files if (sources / f.file).is_file()]
    return {
        "object": name, "seconds": wall, "tables": report.tables,
        "rows_read": report.rows_read, "quarantined": report.rows_quarantined,
        "bytes": sum(p.stat().st_size for p in files),
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def main() -> None:
    """Extract every object, each in a child process, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--erp-url", default=None)
    parser.add_argument("--objects", default=",".join(OBJECTS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-mb", type=int, default=64)
    parser.add_argument("--records", action="store_true",
                        help="JSON lines record by record only (the reader before the fast pass)")
    parser.add_argument("--grown", type=float, default=None, metavar="PCT",
                        help="then time usage files grown by PCT %% (warm: only tails read)")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="recon-extract-"))
    if args.one:
        figures = run_one(args.sources, args.one, out, args.erp_url, args.workers,
                          args.chunk_mb, fast=not args.records)
        print(json.dumps(figures))
        return
    print(f"mode: {'record by record' if args.records else 'fast pass'}; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'object':<30}{'rows read':>13}{'rows out':>13}{'seconds':>9}{'rows/s':>12}"
          f"{'MB/s':>8}{'peak RSS MB':>13}")
    total_rows, total_seconds, peak = 0, 0.0, 0
    for name in args.objects.split(","):
        fig = _child(args, args.sources, name, out)
        if fig is None:
            continue
        seconds = float(fig["seconds"])
        rows_out = sum(fig["tables"].values())
        rate = int(fig["rows_read"]) / seconds if seconds else 0.0
        mb = int(fig["bytes"]) / 2**20 / seconds if seconds else 0.0
        total_rows += int(fig["rows_read"])
        total_seconds += seconds
        peak = max(peak, int(fig["peak_rss"]))
        print(f"{name:<30}{fig['rows_read']:>13,}{rows_out:>13,}{seconds:>9.1f}{rate:>12,.0f}"
              f"{mb:>8.0f}{int(fig['peak_rss']) / 2**20:>13,.0f}", flush=True)
    combine_parts(out)
    print(f"{'total':<30}{total_rows:>13,}{'':>13}{total_seconds:>9.1f}"
          f"{total_rows / max(total_seconds, 1e-9):>12,.0f}{'':>8}{peak / 2**20:>13,.0f}")
    print(f"output: {out}")
    if args.grown:
        grown(args, out.parent / f"{out.name}-grown")


def _child(args: argparse.Namespace, sources: Path, name: str, out: Path
           ) -> dict[str, Any] | None:
    """Extract ``name`` in a child process; its figures, or None (printed) when it failed."""
    command = [sys.executable, __file__, "--sources", str(sources), "--out", str(out),
               "--one", name, "--workers", str(args.workers), "--chunk-mb", str(args.chunk_mb)]
    if args.erp_url:
        command += ["--erp-url", args.erp_url]
    if args.records:
        command.append("--records")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"{name:<30} failed: {done.stderr.strip().splitlines()[-1:]}")
        return None
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def grown(args: argparse.Namespace, work: Path) -> None:
    """The warm case: usage files that grew by ``args.grown`` % since the last extraction."""
    scratch = work / "sources"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(args.sources, scratch, ignore=shutil.ignore_patterns("ledger.sqlite*"))
    files = sorted(p for p in (scratch / "usage").rglob("*.jsonl"))
    first = _child(args, scratch, "usage/events", work / "raw" / "A")
    added = 0
    for path in files:
        lines = path.read_bytes().splitlines(keepends=True)
        count = int(len(lines) * args.grown / 100)
        tail = b"".join(line.replace(b'"id":"', b'"id":"grown-', 1) for line in lines[-count:]
                        if line.endswith(b"\n")) if count else b""
        with open(path, "ab") as handle:
            handle.write(tail)
        added += tail.count(b"\n")
    warm = _child(args, scratch, "usage/events", work / "raw" / "B")
    cold = _child(args, scratch, "usage/events", work / "cold" / "raw" / "B")
    if first is None or warm is None or cold is None:
        return
    print(f"\ngrown usage files (+{args.grown:g} %, {added:,} lines appended to "
          f"{len(files)} plain files; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}):")
    for label, fig in (("first extraction", first), ("warm, tails only", warm),
                       ("cold, grown files", cold)):
        seconds = float(fig["seconds"])
        print(f"  {label:<22}{fig['rows_read']:>13,} rows {seconds:>8.2f} s "
              f"{int(fig['rows_read']) / seconds:>12,.0f} rows/s")
    print(f"  warm / cold: {float(warm['seconds']) / float(cold['seconds']):.2f}")


if __name__ == "__main__":
    main()
