"""Benchmark of dbt's parse in a close of several cycles in a row, as Dagster runs them.

Usage: ``.venv/bin/python benchmarks/bench_dbt_cycles.py --sources DIR
[--cycles 2026-08 2026-09 2026-10] [--out DIR] [--project-dir DIR]``.

Extracts the sources once (every cycle's raw zone is a copy of it), then builds the dbt project
once per cycle the way the warehouse asset does (recon_pipeline/defs/warehouse/assets.py): the
cycle and OUT as environment variables (Settings.dbt_env), the settings as --vars, the parsed
project of the previous build (OUT/dbt/partial_parse.msgpack) in the build's target folder.
Prints, per build, how dbt parsed (in full and why, or how many files it parsed again), the
seconds from dbt's start to the project loaded (parse and manifest) and the build's wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from recon_pipeline.defs.warehouse.assets import (
    CLOSE_EXCLUDE,
    dbt_threads,
    keep_parsed_project,
    reuse_parsed_project,
)
from recon_pipeline.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

EXTRACT = """
import sys
from pathlib import Path
from recon_pipeline.lib.extract.api import extract_sources
extract_sources(Path(sys.argv[1]), None, Path(sys.argv[2]))
"""


def parse_summary(log: Path) -> tuple[str, float]:
    """How dbt parsed (its JSON log) and the seconds from its start to the project loaded
    (FoundStats: the parse, partial or not, and the manifest written)."""
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    how = "no parse event"
    for event in events:
        name, data = event["info"]["name"], event["data"]
        if name == "UnableToPartialParse":
            how = f"full parse: {data.get('reason', '')}"
        elif name == "PartialParsingEnabled":
            how = f"partial parse, {data.get('changed', 0)} files changed"
    stamps = [datetime.fromisoformat(e["info"]["ts"].replace("Z", "+00:00")) for e in events]
    loaded = next((i for i, e in enumerate(events) if e["info"]["name"] == "FoundStats"),
                  len(events) - 1)
    return how, (stamps[loaded] - stamps[0]).total_seconds()


def build(project: Path, settings: Settings, cycle: str) -> tuple[str, float, float]:
    """One cycle's build as the warehouse asset runs it."""
    out = settings.out_dir
    artifacts = out / "dbt" / cycle
    artifacts.mkdir(parents=True, exist_ok=True)
    reuse_parsed_project(out / "dbt", artifacts)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECON_")}
    env |= {**settings.dbt_env(cycle), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = str(Path(sys.executable).parent / "dbt")
    started = time.monotonic()
    done = subprocess.run(
        [dbt, "build", "--exclude", CLOSE_EXCLUDE, "--vars", json.dumps(settings.dbt_vars()),
         "--target", "duckdb", "--threads", str(dbt_threads()),
         "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(artifacts), "--log-path", str(artifacts),
         "--log-format-file", "json"],
        env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"dbt build of {cycle} failed:\n{done.stdout[-3000:]}")
    keep_parsed_project(artifacts, out / "dbt")
    how, loading = parse_summary(artifacts / "dbt.log")
    return how, loading, seconds


def main() -> None:
    """Extract once, build every cycle in turn, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--cycles", nargs="+", default=["2026-08", "2026-09", "2026-10"])
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--project-dir", type=Path, default=ROOT / "dbt_project")
    args = parser.parse_args()
    out = (args.out or Path(tempfile.mkdtemp(prefix="recon-bench-cycles-"))).resolve()
    first = out / "raw" / args.cycles[0]
    subprocess.run([sys.executable, "-c", EXTRACT, str(args.sources.resolve()), str(first)],
                   check=True)
    for cycle in args.cycles[1:]:
        shutil.copytree(first, out / "raw" / cycle, dirs_exist_ok=True)
    settings = Settings.resolve(sources_dir=str(args.sources), out_dir=str(out), environ={})
    for cycle in args.cycles:
        how, loading, seconds = build(args.project_dir.resolve(), settings, cycle)
        print(f"{cycle}  project loaded in {loading:5.1f} s  build {seconds:6.1f} s  {how}")
    print(f"output   {out}")


if __name__ == "__main__":
    main()
