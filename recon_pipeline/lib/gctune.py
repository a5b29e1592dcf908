"""The garbage collector of a process that imports a lot and then runs one job (``recon run``,
``recon demo``, the dbt process of a build: ``recon-dbt``).

Dagster, dagster-dbt, dbt and Great Expectations make a heap of millions of long-lived objects
(modules, classes, functions). Python's cyclic collector walks all of them at every full
collection, and once more when the process exits. :func:`settle` moves what the process holds
now to the collector's permanent generation (``gc.freeze``): later collections, and the one at
exit, skip it. It also collects the youngest generation after 50,000 allocations instead of 700,
so the many small objects of a run (events, Jinja contexts, SQL statements) are collected in
fewer, larger passes. Reference counting frees objects as before; only a reference cycle among
the frozen objects (made at import) would stay until the process ends.
"""

from __future__ import annotations

import gc

#: gen0 allocations between collections (Python's default: 700), then gen1 and gen2 counts.
THRESHOLDS = (50_000, 20, 20)


def settle() -> None:
    """Freeze what the process holds now; collect the young generation less often."""
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
