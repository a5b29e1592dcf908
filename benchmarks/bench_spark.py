"""One generated cycle on local Spark beside DuckDB: wall time and peak memory per stage.

Usage: ``.venv/bin/python benchmarks/bench_spark.py --scale 1 [--cycle 2026-10] [--out DIR]``
(the issue's figure is the 100,000-invoice cycle, about ``--scale 200``; on a shared machine run
it small). Needs the `spark` extra. The sources are generated and extracted once; then, for each
warehouse, the stages a run has on it: ``dbt build`` of the cycle (models and data tests, as the
dbt asset runs it, ``--target duckdb|spark``) and the reports (read_cycle_inputs through
lib/warehouse/marts.py, then write_reports), each in an OUT of its own over the same raw zone.
Each stage is a child process; its peak memory is the largest sum of the resident memory of
its process tree (Spark's JVM included), sampled every 0.2 s. The quality stage is not timed.
The machine's load (``uptime``) is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from recon_pipeline.settings import WAREHOUSES

ROOT = Path(__file__).resolve().parents[1]

GENERATE_AND_EXTRACT = """
import sys
from pathlib import Path
from recon_pipeline.generate import generate
from recon_pipeline.lib.extract.api import extract_sources
sources, raw, scale, cycle = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
generate(sources, seed=7, scale=scale, cycles=(cycle, cycle))
report = extract_sources(sources, None, raw)
print(f"rows {sum(report.rows.values()):,}")
"""
REPORTS = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from recon_pipeline.lib.reports import write_reports
from recon_pipeline.lib.reports.inputs import read_cycle_inputs
out, cycle, warehouse = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
inputs = read_cycle_inputs(out, out / "raw" / cycle, cycle, warehouse=warehouse)
result = write_reports(out, inputs, now=datetime.now(UTC))
print(f"findings {result.mismatches.num_rows:,}")
"""


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            statm = (entry / "statm").read_text().split()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
        rss[int(entry.name)] = int(statm[1]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo.extend(children.get(current, []))
    return total


def stage(name: str, argv: list[str]) -> tuple[float, int]:
    """Run one stage in a child process; return (seconds, peak RSS of its tree in bytes)."""
    started = time.monotonic()
    proc = subprocess.Popen(argv, cwd=ROOT)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.2)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"stage {name} failed")
    return seconds, peak


def main() -> None:
    """Generate and extract once, then time the warehouse stages on each engine."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--cycle", default="2026-10")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--raw", type=Path, default=None,
                        help="the cycle's raw zone of an earlier run of this benchmark "
                             "(OUT/raw/<cycle>): no generation and extraction")
    args = parser.parse_args()
    base = (args.out or Path(tempfile.mkdtemp(prefix="recon-bench-spark-"))).resolve()
    python, cycle = sys.executable, args.cycle
    if args.raw is not None:
        raw = args.raw.resolve()
        print(f"raw zone {raw} (generated and extracted by an earlier run)")
    else:
        raw = base / "raw" / cycle
        seconds, peak = stage("generate+extract", [python, "-c", GENERATE_AND_EXTRACT,
                                                   str(base / "sources"), str(raw),
                                                   str(args.scale), cycle])
        print(f"{'generate+extract':<24} {seconds:9.1f} s  peak RSS {peak / 2**20:8.0f} MiB")
    dbt = str(Path(python).parent / "dbt")
    for warehouse in WAREHOUSES:
        out = base / warehouse
        (out / "raw").mkdir(parents=True, exist_ok=True)
        (out / "raw" / cycle).symlink_to(raw, target_is_directory=True)
        dbt_vars = json.dumps({"cycle": cycle, "min_cycle": cycle, "max_cycle": cycle,
                               "out_dir": out.as_posix()})
        logs = str(out / "dbt" / cycle)
        for name, argv in (
            ("dbt build", [dbt, "build", "--exclude", "resource_type:unit_test", "--vars",
                           dbt_vars, "--target", warehouse, "--project-dir",
                           str(ROOT / "dbt_project"), "--profiles-dir", str(ROOT / "dbt_project"),
                           "--target-path", logs, "--log-path", logs]),
            ("reports", [python, "-c", REPORTS, str(out), cycle, warehouse]),
        ):
            seconds, peak = stage(f"{warehouse} {name}", argv)
            print(f"{warehouse + ' ' + name:<24} {seconds:9.1f} s  peak RSS "
                  f"{peak / 2**20:8.0f} MiB", flush=True)
    csv = [base / w / "reports" / cycle / "mismatches.csv" for w in WAREHOUSES]
    same = all(path.read_bytes() == csv[0].read_bytes() for path in csv[1:])
    print(f"mismatches.csv {'the same' if same else 'DIFFERENT'} on {', '.join(WAREHOUSES)}")
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    print(f"load     {load.strip()}")
    print(f"output   {base}")


if __name__ == "__main__":
    main()
