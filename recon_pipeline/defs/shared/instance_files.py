"""Keep a SQLite instance's files open while a run executes (``recon run``, the ``settings``
resource of every close-cycle step).

Dagster's SQLite storages (the default instance: no ``storage:`` in dagster.yaml) open and close a
connection for every write: a run of the demo cycle stores about 1,200 events, each through one
to three connections (the run's own file, ``index.db`` for asset and check events). A WAL
database whose last connection closes is checkpointed and its WAL file deleted, each time, so
every event paid two more fsyncs and a file deletion on top of its commit: commits and closes
were 43 s of a 100 s cycle at load 4-6 (py-spy), against 1.3-1.5 s for 200 such writes when
another connection stays open, 3.2-4.6 s when none does. A warm demo cycle (``recon run``),
back to back at load 3-7: 105/92/112 s without, 66/70/87 s with.

:func:`held_open` holds one idle connection to each of those files for the block: no
Dagster connection is then the last one, so none checkpoints on close; SQLite checkpoints as
usual when the WAL reaches its size limit (1,000 pages). The connections write nothing, read
once to join the WAL and lock nothing after that, so Dagster's writers and readers (another
process, the UI) see the files as before, and what is stored is the same. An instance on
other storage (PostgreSQL, a custom class) is left alone.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

#: The classes of the default SQLite storages, and the file each keeps in its ``base_dir``
#: (the run's own event file is ``<run_id>.db`` beside ``index.db``).
RUN_STORAGE = "SqliteRunStorage"
EVENT_STORAGE = "SqliteEventLogStorage"


def instance_files(instance: dg.DagsterInstance, run_id: str) -> list[Path]:
    """The SQLite files the run ``run_id`` writes on ``instance``: its run storage, the event
    index and the run's event file; none for an instance on other storage."""
    if not instance.is_persistent:  # in memory: no file
        return []
    ref = instance.get_ref()
    files = []
    runs = ref.run_storage_data
    if runs is not None and runs.class_name == RUN_STORAGE:
        files.append(Path(runs.config_dict["base_dir"]) / "runs.db")
    events = ref.event_storage_data
    if events is not None and events.class_name == EVENT_STORAGE:
        base = Path(events.config_dict["base_dir"])
        files += [base / "index.db", base / f"{run_id}.db"]
    return files


@contextlib.contextmanager
def held_open(instance: dg.DagsterInstance, run_id: str) -> Iterator[list[Path]]:
    """Hold a connection that writes nothing to each SQLite file of the run for the block;
    yields the files held. The run's event file, when not there yet, is created first as
    Dagster creates it, by reading the run's (empty) event log."""
    files = instance_files(instance, run_id)
    created = [p for p in files if p.name == f"{run_id}.db" and not p.exists()]
    if created:  # Dagster creates the run's event file (WAL) on its first use, a read as well
        instance.get_records_for_run(run_id, limit=1)
    with contextlib.ExitStack() as stack:
        stack.callback(_remove_unused, instance, run_id, created)
        held = []
        for path in files:
            if not path.is_file():
                continue
            # read-write (never writing): closed last, it checkpoints and removes the WAL as
            # Dagster's own last connection would have, leaving the files as they would be
            conn = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True)
            stack.callback(conn.close)
            try:  # a read joins the WAL (its shared memory); the transaction ends with it
                conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
            except sqlite3.Error:
                continue  # not a database this can read: left to Dagster as it was
            held.append(path)
        yield held


def _remove_unused(instance: dg.DagsterInstance, run_id: str, created: list[Path]) -> None:
    """Remove the event file made for a run that was never created (it failed before)."""
    if created and not instance.has_run(run_id):
        for path in created:
            for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
                path.with_name(name).unlink(missing_ok=True)
