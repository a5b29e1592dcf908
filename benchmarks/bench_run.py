"""Benchmark of a cycle's run, stage by stage: extract, dbt, validate (expectation suites), reports.

Usage: ``.venv/bin/python benchmarks/bench_run.py --sources DIR --cycle 2026-10 [--out DIR]``.
Each stage runs in a child process of its own (the same functions the Dagster assets call), so
its wall time and peak memory (max RSS) are its own. Prints one line per stage, a total, and the
share of the pipeline's wall time the expectation suites take (target: at most a quarter).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

EXTRACT = """
import sys
from pathlib import Path
from recon_pipeline.lib.extract.api import extract_sources
report = extract_sources(Path(sys.argv[1]), None, Path(sys.argv[2]))
print(f"rows {sum(report.rows.values()):,}, quarantined {report.rows_quarantined:,}")
"""
VALIDATE = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from recon_pipeline.lib.quality.frames import FrameSources
from recon_pipeline.lib.quality.suites import load_suites
from recon_pipeline.lib.quality.validate import validate_cycle, write_validation
out, cycle = Path(sys.argv[1]), sys.argv[2]
v = validate_cycle(load_suites(), FrameSources(out / "raw" / cycle, out / "warehouse.duckdb",
                   cycle), now=datetime.now(UTC))
write_validation(out, v)
for s in v.suites:
    failed = ",".join(e.check for e in s.expectations if not e.success)
    print(f"  {s.suite:<36} {s.rows:>12,} rows {s.seconds:7.1f} s  {failed or 'pass'}")
print(f"suites {len(v.suites)}, passing {v.passing}")
"""
REPORTS = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from recon_pipeline.lib.reports import write_reports
from recon_pipeline.lib.reports.inputs import read_cycle_inputs
out, cycle = Path(sys.argv[1]), sys.argv[2]
inputs = read_cycle_inputs(out, out / "raw" / cycle, cycle)
result = write_reports(out, inputs, now=datetime.now(UTC))
print(f"findings {result.mismatches.num_rows:,}")
"""


def run_child(name: str, argv: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None,
              capture: bool = False) -> tuple[float, int, str]:
    """Run ``argv`` in a child process of its own: (seconds, its peak RSS in bytes, its standard
    output when ``capture``, else ""). Exits naming ``name`` (and its output) if it fails. The
    benchmarks measure each stage this way (bench_close, bench_quality_memory)."""
    started = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE if capture else None)
    output = proc.stdout.read() if proc.stdout is not None else ""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"stage {name} failed" + (f":\n{output}" if output else ""))
    return seconds, usage.ru_maxrss * 1024, output


def stage(name: str, argv: list[str], cwd: Path, env: dict[str, str] | None = None
          ) -> tuple[float, int]:
    """Run one stage in a child process; return (seconds, peak RSS bytes)."""
    seconds, rss, _ = run_child(name, argv, cwd=cwd, env=env)
    return seconds, rss


def main() -> None:
    """Run the three stages and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--cycle", required=True)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = (args.out or Path(tempfile.mkdtemp(prefix="recon-bench-run-"))).resolve()
    raw = out / "raw" / args.cycle
    python = sys.executable
    dbt = str(Path(python).parent / "dbt")
    # the build the warehouse asset runs, with the environment it gives dbt
    from recon_pipeline.defs.warehouse.assets import close_build_args
    from recon_pipeline.settings import Settings

    settings = Settings.resolve(sources_dir=str(args.sources.resolve()), out_dir=str(out),
                                environ={})
    project, artifacts = str(ROOT / "dbt_project"), str(out / "dbt" / args.cycle)
    figures = [
        ("extract", stage("extract", [python, "-c", EXTRACT, str(args.sources.resolve()),
                                      str(raw)], ROOT)),
        ("dbt", stage("dbt", [dbt, *close_build_args(settings), "--project-dir", project,
                              "--profiles-dir", project, "--target-path", artifacts,
                              "--log-path", artifacts],
                      ROOT, {**os.environ, **settings.dbt_env(args.cycle)})),
        ("validate", stage("validate", [python, "-c", VALIDATE, str(out), args.cycle], ROOT)),
        ("reports", stage("reports", [python, "-c", REPORTS, str(out), args.cycle], ROOT)),
    ]
    total = sum(seconds for _, (seconds, _) in figures)
    for name, (seconds, rss) in figures:
        print(f"{name:<8} {seconds:9.1f} s  peak RSS {rss / 2**20:8.0f} MiB")
    print(f"{'total':<8} {total:9.1f} s")
    validate = dict(figures)["validate"][0]
    print(f"validation takes {validate / total:.1%} of the pipeline's wall time "
          "(target: at most 25 %)")
    print(f"output   {out}")


if __name__ == "__main__":
    main()
