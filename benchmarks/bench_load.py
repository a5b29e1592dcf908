"""Benchmark of the code location's load time: what the webserver, the daemon and every run pay.

Usage: ``.venv/bin/python benchmarks/bench_load.py [--repeat 3] [--budget 5]``.

Two figures, each the median wall time of ``--repeat`` fresh child processes (so nothing is
cached in memory between them; the OS file cache is warm after the first):
  import     ``python -c "import recon_pipeline.definitions"``: building the Definitions
  validate   ``dagster definitions validate -m recon_pipeline.definitions``: what a code
             server does on start (import, then resolve and check every definition)
Exits 1 when a median is above the budget (seconds), so it can gate a change.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MODULE = "recon_pipeline.definitions"


def timed(argv: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one child process; exit with its output if it fails."""
    started = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds


def main() -> int:
    """Time both commands and print one line each; non-zero exit over budget."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--budget", type=float, default=5.0, help="seconds (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recon-bench-load-") as home:
        # A throwaway instance and no RECON_* settings: loading must need neither.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RECON_", "DAGSTER_"))}
        env["DAGSTER_HOME"] = home
        commands = {
            "import": [sys.executable, "-c", f"import {MODULE}"],
            "validate": [str(BIN / "dagster"), "definitions", "validate", "-m", MODULE],
        }
        over = False
        for name, argv in commands.items():
            times = [timed(argv, env) for _ in range(args.repeat)]
            median = statistics.median(times)
            over |= median > args.budget
            runs = ", ".join(f"{t:.2f}" for t in times)
            verdict = "ok" if median <= args.budget else "OVER BUDGET"
            print(f"{name:9s} median {median:5.2f} s  (runs: {runs}; budget {args.budget:.1f} s: "
                  f"{verdict})")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
