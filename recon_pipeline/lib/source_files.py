"""What a reader may open: regular files inside the sources directory, whole.

An export is untrusted input. Before any reader opens a file of the sources directory,
:func:`refusal` says why it must not: a link that leads outside the directory (``/etc/passwd``,
``/proc/self/environ``), a broken or looping link, a FIFO, a device, a socket, or a gzip file
that does not decompress to its end (truncated or corrupt). Such a file is not read at all: it
is quarantined as a whole file (``lib.extract.jsonl.file_quarantine``, ``line`` 0) with its
reason, the rest of the sources load, and the reports list it (``files_not_read``).

Dagster-free and light (no pyarrow): the sources inventory of the code location uses it too.

The gzip check decompresses the file once before it is read, so a file cut short never loads
half of its rows as if they were all of it.
"""

from __future__ import annotations

import stat
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

#: ``line`` of a quarantine row that stands for a whole file not read.
WHOLE_FILE = 0
_CHUNK = 1 << 16  # compressed bytes per step: bounds memory on a decompression bomb
_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


def refusal(sources: Path, path: Path, *, check_gzip: bool = True) -> str | None:
    """Why ``path`` (under ``sources``) must not be read, or None when it may be.

    ``check_gzip=False`` leaves out the decompression of a ``.gz`` file (for a caller that
    decompresses it anyway and handles the error itself)."""
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "is a broken or looping link: not read"
    if not resolved.is_relative_to(sources.resolve()):
        return "is a link that leads outside the sources directory: not read"
    try:
        mode = resolved.stat().st_mode
    except OSError as exc:
        return f"cannot be read ({exc.strerror}): not read"
    for test, kind in _KINDS:
        if test(mode):
            return f"is {kind}, not a regular file: not read"
    if not stat.S_ISREG(mode):
        return "is not a regular file: not read"
    if check_gzip and path.name.endswith(".gz"):
        problem = gzip_problem(resolved)
        if problem:
            return f"is not a complete gzip file ({problem}): not read; re-export it"
    return None


def gzip_problem(path: Path) -> str | None:
    """Why ``path`` does not decompress to its end as gzip (every member), or None."""
    try:
        with open(path, "rb") as handle:
            inflater: Any = None  # the member being read; None between members
            while chunk := handle.read(_CHUNK):
                while chunk:
                    if inflater is None:
                        inflater = zlib.decompressobj(wbits=31)
                    inflater.decompress(chunk)
                    chunk = inflater.unused_data if inflater.eof else b""
                    if inflater.eof:
                        inflater = None
    except zlib.error as exc:
        return f"corrupt: {exc}"
    except OSError as exc:
        return f"unreadable: {exc.strerror}"
    if inflater is not None:
        return "truncated: the compressed stream ends early"
    return None


def entries(folder: Path) -> list[Path]:
    """Everything under ``folder`` a reader could be pointed at: files, links (broken ones
    too), FIFOs, devices and sockets; not directories. Sorted."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.rglob("*"):
        try:
            mode = path.lstat().st_mode
        except OSError:
            continue
        if not stat.S_ISDIR(mode):
            found.append(path)
    return sorted(found)


def files_not_read(quarantine: pa.Table) -> list[dict[str, str]]:
    """The whole files a cycle's quarantine holds (not read), for the summary."""
    return [{"source": r["source"], "file": r["file"], "reason": r["reason"]}
            for r in quarantine.to_pylist() if r["line"] == WHOLE_FILE]
