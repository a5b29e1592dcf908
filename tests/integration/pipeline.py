"""The session's one pipeline run on generated sources, shared by the end-to-end, the close
workflow and its browser tests, and the fan-out test's in-process side (``pipeline`` in
conftest.py): every demo cycle, once."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CYCLES = ("2026-08", "2026-09", "2026-10")
RECON = Path(sys.executable).parent / "recon"


@dataclass(frozen=True)
class Run:
    """A generated sources directory and the outputs of running every cycle on it, with what
    each cycle's `recon run` printed."""

    sources: Path
    out: Path
    home: Path
    printed: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)


def recon_run(run: Run, cycle: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DAGSTER_HOME": str(run.home)}
    return subprocess.run(
        [str(RECON), "run", "--sources", str(run.sources), "--cycle", cycle, "--out",
         str(run.out)], capture_output=True, text=True, env=env, timeout=900, check=False)


#: What a run's summary.json holds that names the run, its time or its own paths, not the
#: data: left out when two runs of the same sources are compared.
VOLATILE = frozenset({"generated_at", "run_id", "out_dir", "sources_dir", "path", "seconds"})


def stable(value: Any) -> Any:
    """``value`` (parsed JSON) without its :data:`VOLATILE` keys, at any depth."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value
