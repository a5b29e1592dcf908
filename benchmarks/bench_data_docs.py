"""How long GX Data Docs take to render for a close with many suites.

    PYTHONPATH=. python benchmarks/bench_data_docs.py [--suites 25] [--repeat 3]

Validates the three suites of tests/unit/test_data_docs.py with GX on small frames, copies them
to N suite results, renders once to compile GX's templates, then renders N suites `--repeat`
times and prints the CPU and wall time of each rendering (tests/unit/test_data_docs.py checks
what is rendered, not how fast).
"""

from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recon_pipeline.lib.quality.docs import write_data_docs
from tests.unit.test_data_docs import TITLE, cycle_results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suites", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = cycle_results()
    many = []
    for i in range(args.suites):
        result = copy.copy(results[i % len(results)])
        result.suite_name = f"cycle.suite_{i:02d}"
        many.append(result)
    with tempfile.TemporaryDirectory() as tmp:
        write_data_docs(many[:1], Path(tmp) / "warm", title=TITLE)
        for n in range(args.repeat):
            cpu, wall = time.process_time(), time.perf_counter()
            write_data_docs(many, Path(tmp) / f"docs{n}", title=TITLE)
            print(f"{args.suites} suites: {time.process_time() - cpu:.2f} s CPU, "
                  f"{time.perf_counter() - wall:.2f} s wall")


if __name__ == "__main__":
    main()
