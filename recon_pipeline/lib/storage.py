"""Where OUT lives: a local folder, or any filesystem fsspec or pyarrow knows, named by a URL.

:func:`resolve` turns ``RECON_OUT_DIR`` / ``--out`` into a :class:`Storage`: a
``pyarrow.fs.FileSystem`` and a base path in it. A plain path and a ``file://`` URL are the local
filesystem (``pyarrow.fs.LocalFileSystem``); any other URL (``s3://bucket/recon``,
``gs://...``, ``abfs://...``, ``memory://...``) goes through fsspec (``fsspec.core.url_to_fs``)
wrapped for pyarrow (``pyarrow.fs.PyFileSystem(FSSpecHandler(...))``), so fsspec's own
settings (credentials in the environment, ``~/.config/fsspec``) apply. The fsspec implementation
of a protocol is a separate package (s3fs for ``s3://``, gcsfs for ``gs://``, adlfs for
``abfs://``); a missing one, an unknown protocol or a malformed URL is a :class:`StorageError`
with one line that says what to install or fix.

Atomic writes, the one place for them on any filesystem (:meth:`Storage.open_atomic`):

- local: :mod:`recon_pipeline.lib.atomic` (temporary file beside the target, fsync, rename);
- a filesystem with a real rename (sftp, hdfs, the in-memory one): the bytes are written to a
  temporary name beside the target, then moved over it;
- an object store (:data:`OBJECT_STORES`: S3, GCS, Azure...): there is no rename (a "move" is a
  copy then a delete), but a single upload is all-or-nothing: an object appears whole when its
  upload (PUT or completed multipart upload) ends, and a reader sees the previous object until
  then. So the bytes are staged in a local temporary file and uploaded in one go once written;
  a write that fails uploads nothing. What an object store does not give is a folder replaced
  in one step: a raw zone is published file by file, and a reader that lists it mid-publish may
  see some new files beside old ones.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import pyarrow.fs as pafs

from recon_pipeline.lib import atomic

if TYPE_CHECKING:
    import pyarrow as pa

#: fsspec protocols whose "move" is a copy (no rename): writes are staged locally, then uploaded.
OBJECT_STORES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oss",
                           "r2", "b2", "cos", "obs", "tos", "oci"})

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


class StorageError(ValueError):
    """OUT names no filesystem this process can write; the message says, in one line, why."""


def is_url(text: str) -> bool:
    """Whether ``text`` is a URL (``scheme://...``) rather than a plain path."""
    return _SCHEME.match(text) is not None


@dataclass(frozen=True)
class Storage:
    """A folder on a filesystem: every path given to a method is relative to it (``a/b.json``)."""

    #: The folder as given by the user (a URL, or a local path as an absolute path).
    url: str
    fs: pafs.FileSystem
    #: The folder's path inside ``fs`` (no trailing slash).
    base: str
    #: The fsspec protocol (``s3``, ``memory``), or ``file`` for the local filesystem.
    protocol: str
    #: Whether ``fs`` renames (writes go to a temporary name, then move over the target) or is
    #: an object store (writes are staged locally and uploaded in one go).
    renames: bool = True

    @property
    def local(self) -> Path | None:
        """The folder as a local path, when it is on the local filesystem."""
        return Path(self.base) if self.protocol == "file" else None

    def path(self, rel: str = "") -> str:
        """``rel``'s path inside :attr:`fs`."""
        rel = rel.strip("/")
        return f"{self.base}/{rel}" if rel else self.base

    def child(self, rel: str) -> Storage:
        """The subfolder ``rel`` as a storage of its own."""
        url = f"{self.url.rstrip('/')}/{rel.strip('/')}"
        return Storage(url, self.fs, self.path(rel), self.protocol, self.renames)

    def exists(self, rel: str) -> bool:
        """Whether ``rel`` is a file."""
        return self.fs.get_file_info(self.path(rel)).type == pafs.FileType.File

    def files(self, rel: str = "") -> list[str]:
        """Every file under ``rel``, recursively, as sorted paths relative to the storage."""
        selector = pafs.FileSelector(self.path(rel), allow_not_found=True, recursive=True)
        prefix = self.base + "/"
        return sorted(info.path.removeprefix(prefix) for info in self.fs.get_file_info(selector)
                      if info.type == pafs.FileType.File)

    def read_bytes(self, rel: str) -> bytes:
        """The content of the file ``rel``."""
        with self.fs.open_input_stream(self.path(rel)) as stream:
            return bytes(stream.read())

    @contextlib.contextmanager
    def open_atomic(self, rel: str) -> Iterator[pa.NativeFile]:
        """A stream that replaces the file ``rel`` when the block ends without an error, whole
        (see the module's docstring for what "atomic" means on each kind of filesystem); on an
        error ``rel`` keeps what it had."""
        local = self.local
        if local is not None:
            with atomic.atomic_path(local / rel) as tmp, \
                    self.fs.open_output_stream(str(tmp), compression=None) as stream:
                yield stream
            return
        with tempfile.TemporaryDirectory(prefix="recon-upload.") as staging:
            staged = Path(staging) / "data"
            with pafs.LocalFileSystem().open_output_stream(str(staged),
                                                           compression=None) as stream:
                yield stream
            self.upload(staged, rel)

    def upload(self, source: Path, rel: str) -> None:
        """Copy the local file ``source`` to ``rel``, whole or not at all."""
        local = self.local
        if local is not None:
            with atomic.atomic_path(local / rel) as tmp:
                pafs.copy_files(str(source), str(tmp), source_filesystem=pafs.LocalFileSystem(),
                                destination_filesystem=self.fs)
            return
        target = self.path(rel)
        parent = str(PurePosixPath(target).parent)
        self.fs.create_dir(parent, recursive=True)
        if not self.renames:  # an object store: one upload is all-or-nothing
            pafs.copy_files(str(source), target, source_filesystem=pafs.LocalFileSystem(),
                            destination_filesystem=self.fs)
            return
        staging = f"{parent}/.{PurePosixPath(target).name}.{uuid.uuid4().hex}.tmp"
        try:
            pafs.copy_files(str(source), staging, source_filesystem=pafs.LocalFileSystem(),
                            destination_filesystem=self.fs)
            self.fs.move(staging, target)
        except BaseException:
            with contextlib.suppress(OSError):
                self.fs.delete_file(staging)
            raise

    def write_bytes(self, rel: str, data: bytes) -> None:
        """Replace the file ``rel`` with ``data``, whole or not at all."""
        with self.open_atomic(rel) as stream:
            stream.write(data)

    def write_parquet(self, rel: str, table: pa.Table) -> None:
        """Replace the file ``rel`` with ``table`` as Parquet (zstd), whole or not at all."""
        import pyarrow.parquet as pq

        with self.open_atomic(rel) as stream:
            pq.write_table(table, stream, compression="zstd")

    def publish(self, folder: Path, rel: str, *, exclude: tuple[str, ...] = ()) -> int:
        """Copy every file under the local ``folder`` to ``rel`` (the same relative paths), each
        whole (:meth:`upload`); files under ``rel`` that ``folder`` no longer has are removed.
        Temporaries (``.*.tmp``) and the top-level folders ``exclude`` names are not copied.
        Returns the number of files copied."""
        names = _publishable(folder, exclude)
        for name in names:
            self.upload(folder / name, f"{rel}/{name}")
        stale = set(self.child(rel).files()) - set(names)
        for name in sorted(stale):
            self.fs.delete_file(self.path(f"{rel}/{name}"))
        return len(names)

    def unpublished(self, folder: Path, rel: str, *, exclude: tuple[str, ...] = ()
                    ) -> list[str]:
        """The files of the local ``folder`` that :meth:`publish` would copy to ``rel`` but that
        are not there with the same size: one line each, naming the URL."""
        problems = []
        for name in _publishable(folder, exclude):
            target = f"{rel}/{name}"
            info = self.fs.get_file_info(self.path(target))
            if info.type != pafs.FileType.File:
                problems.append(f"{self.child(target).url} is missing (not published)")
            elif info.size != (folder / name).stat().st_size:
                problems.append(f"{self.child(target).url} differs from {folder / name}")
        return problems


def _publishable(folder: Path, exclude: tuple[str, ...]) -> list[str]:
    """The files under ``folder`` a publish copies, as sorted relative paths: not temporaries
    (``.*.tmp``), not what the top-level folders ``exclude`` names hold."""
    return sorted(
        name for name in (p.relative_to(folder).as_posix() for p in folder.rglob("*")
                          if p.is_file() and not (p.name.startswith(".")
                                                  and p.name.endswith(".tmp")))
        if name.split("/", 1)[0] not in exclude)


def resolve(text: str | os.PathLike[str]) -> Storage:
    """The storage that ``text`` (a local path, a ``file://`` URL, or any fsspec URL) names.

    Raises:
        StorageError: a malformed URL, an unknown protocol, or a protocol whose fsspec
            implementation is not installed (the message names the package).
    """
    given = os.fspath(text)
    match = _SCHEME.match(given)
    if match is None:
        local = Path(given).absolute()
        return Storage(str(local), pafs.LocalFileSystem(), local.as_posix(), "file")
    protocol = match.group(1).lower()
    if protocol in ("file", "local"):
        path = given[match.end():]
        if path.startswith("localhost/"):
            path = path[len("localhost"):]
        if not path.startswith("/"):
            raise StorageError(
                f"{given!r} is not a file URL of an absolute path: write file:///abs/path")
        local = Path(path)
        return Storage(given, pafs.LocalFileSystem(), local.as_posix(), "file")
    import fsspec.core

    try:
        fs, path = fsspec.core.url_to_fs(given)
    except ImportError as exc:  # fsspec's message names the package: "Install s3fs to access S3"
        raise StorageError(f"cannot write to {given}: {_first_line(exc)} "
                           f"(e.g. pip install s3fs for s3://, gcsfs for gs://)") from None
    except ValueError as exc:  # "Protocol not known: foo"
        raise StorageError(f"cannot write to {given}: {_first_line(exc)}; OUT is a local "
                           "folder or a URL of a filesystem fsspec knows (s3://, gs://, ...)"
                           ) from None
    except Exception as exc:  # an implementation's own checks (a bad bucket name)
        raise StorageError(f"cannot write to {given}: {_first_line(exc)}") from None
    base = str(path).rstrip("/")
    if not base.strip("/"):
        raise StorageError(f"{given!r} names no folder: write e.g. {protocol}://bucket/recon")
    handler = pafs.PyFileSystem(pafs.FSSpecHandler(fs))
    return Storage(given.rstrip("/"), handler, base, protocol,
                   renames=protocol not in OBJECT_STORES)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
