"""Atomic file output, the one way the project replaces a file or a folder.

A file is written to a temporary file with a unique name beside the target (so two runs never
share one), flushed to disk (``fsync``), given the mode a plain ``open`` would give it (0666, or
0777 for a folder, minus the process umask: the finance group reads what the umask lets it), and
renamed over the target in one step; the folder's entry is then flushed too. Readers see the old
file or the new one, never half of one; on an error the temporary file is removed and the target
is left as it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

_FILE_MODE = 0o666
_DIR_MODE = 0o777


def current_umask() -> int:
    """The process umask, read without changing it where Linux shows it (/proc), else set back."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def new_temp(target: Path) -> Path:
    """A new empty file with a unique name beside ``target`` (its folder created if missing)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    return Path(name)


def remove_stale_temps(folder: Path) -> int:
    """Delete the temporaries :func:`new_temp` left under ``folder`` (a writer killed mid-write)."""
    removed = 0
    for path in folder.rglob(".*.tmp"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def commit(tmp: Path, target: Path) -> None:
    """Flush ``tmp`` to disk, give it the umask's mode and rename it over ``target``."""
    _seal(tmp)
    os.replace(tmp, target)
    fsync_dir(target.parent)


def _seal(tmp: Path) -> None:
    """Flush ``tmp`` to disk and give it the umask's mode: ready to be renamed into place."""
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.chmod(tmp, _FILE_MODE & ~current_umask())


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one step."""
    tmp = new_temp(target)
    try:
        yield tmp
        commit(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_paths(targets: Sequence[Path]) -> Iterator[list[Path]]:
    """Yield a temporary path beside each of ``targets``; on success each replaces its target,
    once every one is written and flushed. An error while writing any of them (a full disk)
    removes them all and leaves every target as it was: a set of files is replaced whole or not
    at all, but for the instant of the renames themselves, which need no space.
    """
    temps: list[Path] = []
    try:
        for target in targets:
            temps.append(new_temp(target))
        yield list(temps)
        for tmp in temps:
            _seal(tmp)
        for tmp, target in zip(temps, targets, strict=True):
            os.replace(tmp, target)
    except BaseException:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
        raise
    for folder in dict.fromkeys(target.parent for target in targets):
        fsync_dir(folder)


def fsync_dir(folder: Path) -> None:
    """Flush ``folder``'s entries (a rename in it) to disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text(target: Path, text: str) -> None:
    """Replace ``target`` with ``text`` (UTF-8) atomically."""
    write_bytes(target, text.encode("utf-8"))


def write_parquet(target: Path, table: pa.Table) -> None:
    """Replace ``target`` with ``table`` as Parquet (zstd) atomically."""
    with atomic_path(target) as tmp:
        dump_parquet(tmp, table)


def dump_parquet(path: Path, table: pa.Table) -> None:
    """Write ``table`` as Parquet (zstd) to ``path`` as is: a temporary of :func:`atomic_paths`."""
    import pyarrow.parquet as pq  # here: the code location imports this module, not pyarrow

    pq.write_table(table, path, compression="zstd")


@contextlib.contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a new empty folder beside ``target``; on success it takes ``target``'s place.

    The previous folder is removed once replaced; on an error ``target`` is left as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".new", dir=target.parent))
    try:
        yield staging
        os.chmod(staging, _DIR_MODE & ~current_umask())  # mkdtemp makes it 0700
        _swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    fsync_dir(target.parent)


def _swap_in(staging: Path, folder: Path) -> None:
    """Put ``staging`` in ``folder``'s place; the old folder is removed once replaced."""
    if not folder.exists():
        os.replace(staging, folder)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=folder.parent))
    os.rmdir(old)
    os.replace(folder, old)
    try:
        os.replace(staging, folder)
    except BaseException:
        os.replace(old, folder)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def locked(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` (created if missing) for the ``with`` block.

    Serialises ledger updates of runs that share one OUT directory.
    """
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a+b") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


class AlreadyHeld(Exception):
    """Another process holds the lock :func:`held_alone` asked for."""

    def __init__(self, lock_file: Path, pid: int | None) -> None:
        self.lock_file = lock_file
        self.pid = pid
        by = f" by process {pid}" if pid else ""
        super().__init__(f"{lock_file} is held{by}")


@contextlib.contextmanager
def held_alone(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` for the ``with`` block, or raise at once.

    Not waiting: a second ``recon run`` of the same OUT stops instead of queueing behind the
    first. The lock is the kernel's (``flock``), so it goes with the process that held it, even
    one killed; the file keeps the holder's process id for the message. A symlink is refused.

    Raises:
        AlreadyHeld: another process holds the lock.
        OSError: the lock file cannot be opened (a symlink, no permission).
    """
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                 _FILE_MODE)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyHeld(lock_file, _holder(fd)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


#: How long a refused caller waits for the holder to write its process id: a holder writes it
#: right after taking the lock, so two runs started together could find the lock taken and
#: the file still empty (the message then named no process).
_PID_WAIT_S = 1.0


def _holder(fd: int) -> int | None:
    """The process id the lock file names, if it names one within ``_PID_WAIT_S``."""
    deadline = time.monotonic() + _PID_WAIT_S
    while True:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if text.isdigit():
            return int(text)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.01)
