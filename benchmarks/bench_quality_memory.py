"""Peak memory of a cycle's quality stage on a landed OUT: the whole stage, then suite by suite.

Usage: ``.venv/bin/python benchmarks/bench_quality_memory.py --out OUT --cycle 2026-10
[--per-suite] [--outcomes FILE]``. Runs ``validate_cycle`` (every suite, what the Dagster asset
runs) in a child process and prints its wall time and peak RSS (the child's ``ru_maxrss``: the
whole process, DuckDB's buffers, Arrow, pandas and Great Expectations together);
``--per-suite`` then validates each suite alone in a child of its own, to show which frame holds
the memory. ``--outcomes`` writes every suite's outcomes (without timings) and GX's results as
JSON, to compare two versions of the code result by result. An OUT comes from
``benchmarks/bench_close.py --out DIR``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench_run import run_child

CHILD = """
import json, sys
from datetime import UTC, datetime
from pathlib import Path
from recon_pipeline.lib.quality.frames import FrameSources
from recon_pipeline.lib.quality.suites import load_suites
from recon_pipeline.lib.quality.validate import validate_cycle
out, cycle, only, outcomes = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
suites = [s for s in load_suites() if only in ("", s.name)]
v = validate_cycle(suites, FrameSources(out / "raw" / cycle, out / "warehouse.duckdb", cycle),
                   now=datetime(2030, 1, 1, tzinfo=UTC))
for s in v.suites:
    print(f"ROWS\t{s.suite}\t{s.rows}")
if outcomes:
    document = v.to_json()
    document.pop("seconds")
    for suite in document["suites"]:
        suite.pop("seconds")
    gx = [r.to_json_dict() for r in v.gx_results]
    for r in gx:
        r["meta"]["batch_markers"].pop("ge_load_time", None)
    document["gx_results"] = gx
    Path(outcomes).write_text(json.dumps(document, indent=1, sort_keys=True, default=str)
                              + "\\n")
"""


def run(out: Path, cycle: str, only: str = "", outcomes: str = "") -> tuple[float, int, str]:
    """Validate in a child process: (seconds, peak RSS bytes, its output)."""
    return run_child("validation", [sys.executable, "-c", CHILD, str(out), cycle, only, outcomes],
                     capture=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cycle", required=True)
    parser.add_argument("--per-suite", action="store_true")
    parser.add_argument("--outcomes", default="")
    args = parser.parse_args()
    out = args.out.resolve()
    seconds, rss, output = run(out, args.cycle, outcomes=args.outcomes)
    rows = dict(line.split("\t")[1:] for line in output.splitlines()
                if line.startswith("ROWS\t"))
    print(f"quality stage {out} {args.cycle}: {seconds:.1f} s, peak RSS {rss / 2**20:,.0f} MiB")
    if args.per_suite:
        for suite in rows:
            seconds, rss, _ = run(out, args.cycle, suite)
            print(f"  {suite:<36} {int(rows[suite]):>12,} rows {seconds:7.1f} s  "
                  f"peak RSS {rss / 2**20:7,.0f} MiB")


if __name__ == "__main__":
    main()
