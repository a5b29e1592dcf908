"""How long the code location takes to import (what `dagster dev` and every run pay first).

    python benchmarks/bench_import.py [--repeat 5]

Also times `recon --help` as a whole process (tests/integration/test_cli.py asserts that it
imports none of Dagster, dbt, GX, Polars or DuckDB).

Each import runs in a fresh interpreter with a private DAGSTER_HOME, after one warm-up import;
prints every figure and the best. tests/integration/test_definitions.py asserts what keeps it
light (no dbt parse, no heavy library) rather than a time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

PROBE = ("import time; t = time.perf_counter(); import recon_pipeline.definitions; "
         "print(time.perf_counter() - t)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RECON_", "DAGSTER_"))}
        env["DAGSTER_HOME"] = home
        subprocess.run([sys.executable, "-c", PROBE], env=env, check=True, capture_output=True)
        times = []
        for _ in range(args.repeat):
            done = subprocess.run([sys.executable, "-c", PROBE], env=env, check=True,
                                  capture_output=True, text=True)
            times.append(float(done.stdout.strip().splitlines()[-1]))
        helps = []
        recon = os.path.join(os.path.dirname(sys.executable), "recon")
        for _ in range(args.repeat):
            started = time.perf_counter()
            subprocess.run([recon, "--help"], env=env, check=True, capture_output=True)
            helps.append(time.perf_counter() - started)
    print("import recon_pipeline.definitions: " + ", ".join(f"{t:.2f} s" for t in times)
          + f"; best {min(times):.2f} s")
    print("recon --help (whole process): " + ", ".join(f"{t:.2f} s" for t in helps)
          + f"; best {min(helps):.2f} s")


if __name__ == "__main__":
    main()
