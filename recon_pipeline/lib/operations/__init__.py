"""Close-cycle operations without Dagster: which cycles to run, and whether sources changed.

- ``fingerprint``: the stat-only fingerprint of a sources directory that every run of a cycle
  records (``OUT/raw/<cycle>/sources_fingerprint.json``) and the late-data sensor compares.
- ``cycles``: the month just ended, the open month, reconciled cycles, cycles that still have
  open exceptions in the ledger, and reconciled cycles whose sources changed.
"""

from recon_pipeline.lib.operations.cycles import (
    StaleCycle,
    cycle_just_ended,
    cycles_to_recheck,
    cycles_with_open_exceptions,
    open_cycle,
    reconciled_cycles,
    stale_cycles,
)
from recon_pipeline.lib.operations.fingerprint import (
    FINGERPRINT_FILE,
    FileStat,
    FingerprintDiff,
    SourcesFingerprint,
    diff_fingerprints,
    fingerprint_path,
    fingerprint_sources,
    read_fingerprint,
    record_sources_fingerprint,
    write_fingerprint,
)

__all__ = [
    "FINGERPRINT_FILE",
    "FileStat",
    "FingerprintDiff",
    "SourcesFingerprint",
    "StaleCycle",
    "cycle_just_ended",
    "cycles_to_recheck",
    "cycles_with_open_exceptions",
    "diff_fingerprints",
    "fingerprint_path",
    "fingerprint_sources",
    "open_cycle",
    "read_fingerprint",
    "reconciled_cycles",
    "record_sources_fingerprint",
    "stale_cycles",
    "write_fingerprint",
]
