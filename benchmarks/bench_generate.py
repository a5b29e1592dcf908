"""Benchmark of ``recon generate``: wall time, bytes written and peak memory at a given scale.

Usage: ``.venv/bin/python benchmarks/bench_generate.py --scale 2000 --cycles 2026-10:2026-10``
(scale 2000 gives a cycle of about 1,000,000 invoices). Prints one line per figure.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from recon_pipeline.generate import generate


def main() -> None:
    """Generate once and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=50.0)
    parser.add_argument("--cycles", default="2026-10:2026-10")
    parser.add_argument("--history-months", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    first, _, last = args.cycles.partition(":")
    out = args.out or Path(tempfile.mkdtemp(prefix="recon-bench-")) / "sources"
    started = time.monotonic()
    stats = generate(out, seed=7, scale=args.scale, cycles=(first, last or first),
                     history_months=args.history_months)
    wall = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    invoices_in_last = _count_invoices(out, last or first)
    print(f"scale                 {args.scale}")
    print(f"cycles                {args.cycles} (+{args.history_months} months of history)")
    print(f"invoices in {last or first}   {invoices_in_last:,}")
    for key, value in sorted(stats.counts.items()):
        print(f"{key:<22}{value:,}")
    print(f"bytes written         {stats.bytes_written:,} ({stats.bytes_written / 2**30:.2f} GiB)")
    print(f"wall seconds          {wall:.1f}")
    print(f"MB/s                  {stats.bytes_written / 2**20 / wall:.1f}")
    print(f"peak RSS              {peak / 2**20:.0f} MiB")
    print(f"output                {out}")


def _count_invoices(out: Path, cycle: str) -> int:
    """Invoices finalized in ``cycle`` (counted from the truth-independent export)."""
    import duckdb

    con = duckdb.connect()
    (count,) = con.execute(
        "SELECT count(*) FROM read_json(?, format='newline_delimited', ignore_errors=true, "
        "columns={'object': 'VARCHAR', 'status_transitions': 'STRUCT(finalized_at BIGINT)', "
        "'created': 'BIGINT'}) WHERE object = 'invoice' AND strftime(to_timestamp("
        "coalesce(status_transitions.finalized_at, created)), '%Y-%m') = ?",
        [str(out / "billing" / "invoices.jsonl"), cycle],
    ).fetchone() or (0,)
    return int(count)


if __name__ == "__main__":
    main()
