"""The close's memory budget and DuckDB's share of it in each stage, decided in one place.

A close must stay under 8 GiB for its whole process tree on a machine shared with other work
(a 2-core, 24 GiB machine, say), and a smaller machine gets a third of its memory. The stages
of a close run one after another, each with one DuckDB database whose limit is set here; DuckDB
spills to a temporary folder beyond it instead of growing (its own default is 80 % of the
machine). What the stage holds besides DuckDB (Dagster, dbt, Great Expectations and one frame
at a time, Arrow batches of the extraction) is what the budget leaves:

- ``dbt``: three quarters of the budget (6 GiB on 24 GiB); the dbt process holds little else.
- ``extract``: a quarter (2 GiB): each source object's readers also hold Arrow batches.
- ``quality``: a quarter (2 GiB): GX validates one frame at a time beside it.

Each stage's limit can be set instead by its environment variable (DuckDB's units: ``2GB``,
``1500MB``, ``50%``). Dagster-free.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

Stage = Literal["dbt", "extract", "quality"]

GIB = 2**30
#: The most a close may hold, its whole process tree (issue: "never more than 8 GiB peak").
CLOSE_BUDGET = 8 * GIB
#: DuckDB's share of the budget in each stage.
SHARE: dict[Stage, float] = {"dbt": 0.75, "extract": 0.25, "quality": 0.25}
#: No stage's DuckDB gets less, whatever the machine: below it DuckDB spills all the time.
FLOOR = 512 * 2**20
#: The environment variable that sets a stage's limit instead.
ENV: dict[Stage, str] = {
    "dbt": "RECON_DUCKDB_MEMORY_LIMIT",
    "extract": "RECON_EXTRACT_MEMORY_LIMIT",
    "quality": "RECON_QUALITY_MEMORY_LIMIT",
}


def machine_memory() -> int:
    """The machine's physical memory, in bytes."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def close_budget(machine: int | None = None) -> int:
    """What a close may hold: a third of the machine, at most ``CLOSE_BUDGET``."""
    return min((machine_memory() if machine is None else machine) // 3, CLOSE_BUDGET)


def duckdb_memory_limit(stage: Stage, environ: Mapping[str, str] | None = None,
                        machine: int | None = None) -> str:
    """DuckDB's memory limit in ``stage``: its environment variable (``ENV``), else its share
    of :func:`close_budget`, at least ``FLOOR``, in DuckDB's units (``6144MB``)."""
    env = os.environ if environ is None else environ
    if env.get(ENV[stage], "").strip():
        return env[ENV[stage]].strip()
    share = max(int(close_budget(machine) * SHARE[stage]), FLOOR)
    return f"{share // 2**20}MB"
