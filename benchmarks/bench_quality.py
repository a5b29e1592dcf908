"""Benchmark of a cycle's quality stage on a landed OUT: what the Dagster asset does, part by part.

Usage: ``.venv/bin/python benchmarks/bench_quality.py --out data/demo/out --cycle 2026-10
[--repeat 2]``. Runs in this process what ``validate_expectations`` runs (every suite validated,
``validation.json`` written, the Data Docs rendered) into a scratch folder, and prints the
seconds of each part: the first round pays the import of Great Expectations (a fresh ``recon
run``, or a Dagster run worker), later rounds are the stage's fixed cost in a warm process. On
demo data the frames are tiny: what is left is Great Expectations' own work (planning each
expectation's metrics, formatting results, rendering pages) and DuckDB's queries.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path


def main() -> None:
    """Time the quality stage ``--repeat`` times; print one line per round."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="a run's OUT (raw zone, warehouse)")
    parser.add_argument("--cycle", required=True)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    started = time.monotonic()
    from recon_pipeline.lib.quality.docs import write_data_docs
    from recon_pipeline.lib.quality.frames import FrameSources
    from recon_pipeline.lib.quality.suites import load_suites
    from recon_pipeline.lib.quality.validate import validate_cycle, write_validation

    print(f"recon's modules (pandas, DuckDB, Arrow) imported in {time.monotonic() - started:.2f} s")
    out = args.out.resolve()
    src = FrameSources(out / "raw" / args.cycle, out / "warehouse.duckdb", args.cycle)
    if not src.raw_dir.is_dir():
        sys.exit(f"{src.raw_dir} not found: run the cycle first (make demo)")
    with tempfile.TemporaryDirectory(prefix="recon-bench-quality-") as scratch:
        for round_ in range(1, args.repeat + 1):
            fresh = "great_expectations" not in sys.modules
            began = time.monotonic()
            if fresh:
                import great_expectations  # noqa: F401  (timed apart: validate_cycle imports it)
            imported = time.monotonic()
            validation = validate_cycle(load_suites(), src, now=datetime.now(UTC))
            validated = time.monotonic()
            write_validation(Path(scratch), validation)
            write_data_docs(validation.gx_results, Path(scratch) / "data_docs",
                            title=f"Close cycle {args.cycle}: expectation suites")
            ended = time.monotonic()
            checks = sum(len(s.expectations) for s in validation.suites)
            print(f"round {round_}: import GX {imported - began:5.2f} s  validate "
                  f"{validated - imported:5.2f} s ({len(validation.suites)} suites, {checks} "
                  f"checks)  json + Data Docs {ended - validated:5.2f} s  total "
                  f"{ended - began:5.2f} s" + ("  (fresh process)" if fresh else "  (warm)"))


if __name__ == "__main__":
    main()
