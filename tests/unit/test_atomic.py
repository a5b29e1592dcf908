"""The one atomic-write helper: whole files or none, unique temporary names, the umask's mode."""

from __future__ import annotations

import ast
import os
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recon_pipeline.lib import atomic
from recon_pipeline.lib.extract.sink import ParquetSink
from recon_pipeline.lib.operations.fingerprint import fingerprint_sources, write_fingerprint

PACKAGE = Path(__file__).resolve().parents[2] / "recon_pipeline"
_NOW = datetime(2026, 11, 4, tzinfo=UTC)


@pytest.fixture
def umask() -> Iterator[None]:
    """Restore the process umask after a test that sets it."""
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "summary.json"
    atomic.write_text(target, "one")
    atomic.write_text(target, "two")
    assert target.read_text() == "two"
    assert _leftovers(target.parent) == []


def test_an_error_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError), atomic.atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"previous"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(("mask", "file_mode", "dir_mode"),
                         [(0o022, 0o644, 0o755), (0o002, 0o664, 0o775), (0o077, 0o600, 0o700)])
def test_files_and_folders_follow_the_umask(
    tmp_path: Path, umask: None, mask: int, file_mode: int, dir_mode: int
) -> None:
    os.umask(mask)
    assert atomic.current_umask() == mask
    target = tmp_path / "mismatches.csv"
    atomic.write_bytes(target, b"a,b\n")
    assert _mode(target) == file_mode
    atomic.write_parquet(tmp_path / "t.parquet", pa.table({"a": [1]}))
    assert _mode(tmp_path / "t.parquet") == file_mode
    with ParquetSink(tmp_path / "raw.parquet", pa.schema([("a", pa.int64())])) as sink:
        sink.write(pa.table({"a": [1, 2]}))
    assert _mode(tmp_path / "raw.parquet") == file_mode
    with atomic.atomic_dir(tmp_path / "data_docs") as staging:
        (staging / "index.html").write_text("<html></html>")
    assert _mode(tmp_path / "data_docs") == dir_mode
    assert _mode(tmp_path / "data_docs" / "index.html") == file_mode


def test_atomic_dir_replaces_a_folder_whole_or_not_at_all(tmp_path: Path) -> None:
    folder = tmp_path / "data_docs"
    with atomic.atomic_dir(folder) as staging:
        (staging / "old.html").write_text("old")
    with pytest.raises(ValueError), atomic.atomic_dir(folder) as staging:
        (staging / "new.html").write_text("new")
        raise ValueError("render failed")
    assert [p.name for p in folder.iterdir()] == ["old.html"]
    with atomic.atomic_dir(folder) as staging:
        (staging / "new.html").write_text("new")
    assert [p.name for p in folder.iterdir()] == ["new.html"]
    assert _leftovers(tmp_path) == []


def test_two_writers_of_one_target_never_share_a_temporary(tmp_path: Path) -> None:
    """Two runs into one OUT: each sink has its own temporary file, both finish whole."""
    target = tmp_path / "invoices.parquet"
    schema = pa.schema([("n", pa.int64())])
    first, second = ParquetSink(target, schema), ParquetSink(target, schema)
    assert first._tmp != second._tmp
    first.write(pa.table({"n": list(range(1000))}))
    second.write(pa.table({"n": list(range(5))}))
    second.close()
    first.close()
    assert pq.read_table(target).num_rows == 1000
    assert _leftovers(tmp_path) == []

    errors: list[BaseException] = []

    def record() -> None:
        try:
            for _ in range(20):
                write_fingerprint(tmp_path, fingerprint_sources(tmp_path), cycle="2026-10",
                                  sources_dir=tmp_path, recorded_at=_NOW)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=record) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_no_module_writes_files_atomically_on_its_own() -> None:
    """os.replace/os.rename and hand-made temporary names (``with_name(... .tmp)``) live in
    lib/atomic.py only."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "lib" / "atomic.py" or path.parts[-2] == "generate":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and node.attr in {"replace", "rename"} \
                    and isinstance(node.value, ast.Name) and node.value.id == "os":
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} os.{node.attr}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in {"with_name", "with_suffix"} \
                    and ".tmp" in ast.unparse(node):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {ast.unparse(node)}")
    assert not found, found



def test_held_alone_refuses_a_second_holder_at_once(tmp_path: Path) -> None:
    lock = tmp_path / "out" / ".recon-run.lock"
    with atomic.held_alone(lock):
        assert lock.read_text() == f"{os.getpid()}\n"
        with pytest.raises(atomic.AlreadyHeld) as caught, atomic.held_alone(lock):
            pytest.fail("a second holder got the lock")
        assert caught.value.pid == os.getpid()
        assert str(os.getpid()) in str(caught.value)
    with atomic.held_alone(lock):  # released on leaving the block
        pass
    assert lock.read_text() == ""


def test_a_refused_holder_names_a_holder_that_has_not_written_its_pid_yet(
    tmp_path: Path,
) -> None:
    """Two runs started together: the loser can find the lock taken and the file still empty
    (the winner writes its id right after taking the lock); it waits for the id a moment."""
    import fcntl

    lock = tmp_path / ".recon-run.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # taken, no id written yet
        writer = threading.Timer(0.2, lambda: os.pwrite(fd, b"4242\n", 0))
        writer.start()
        with pytest.raises(atomic.AlreadyHeld) as caught, atomic.held_alone(lock):
            pytest.fail("a second holder got the lock")
        writer.join()
        assert caught.value.pid == 4242
    finally:
        os.close(fd)


def test_held_alone_goes_with_a_killed_holder(tmp_path: Path) -> None:
    import subprocess
    import sys

    lock = tmp_path / ".recon-run.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom pathlib import Path\nfrom recon_pipeline.lib import atomic\n"
         f"with atomic.held_alone(Path({str(lock)!r})):\n"
         "    print('held', flush=True)\n    time.sleep(60)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(atomic.AlreadyHeld) as caught, atomic.held_alone(lock):
            pass
        assert caught.value.pid == holder.pid
    finally:
        holder.kill()
        holder.wait()
    with atomic.held_alone(lock):  # the kernel dropped the dead process's lock
        pass


def test_held_alone_refuses_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("keep")
    lock = tmp_path / ".recon-run.lock"
    lock.symlink_to(target)
    with pytest.raises(OSError), atomic.held_alone(lock):
        pass
    assert target.read_text() == "keep"
