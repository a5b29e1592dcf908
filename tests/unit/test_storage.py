"""lib/storage.py on the local filesystem and on fsspec's in-memory one (in this process)."""

from __future__ import annotations

import dataclasses
import importlib.util
import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recon_pipeline.lib import storage
from recon_pipeline.settings import Settings, SettingsError


@pytest.fixture
def memory() -> Iterator[storage.Storage]:
    """A fresh folder of fsspec's in-memory filesystem (shared by the process: own bucket)."""
    bucket = f"bucket-{uuid.uuid4().hex}"
    yield storage.resolve(f"memory://{bucket}/out")
    fs = fsspec.filesystem("memory")
    if fs.exists(f"/{bucket}"):
        fs.rm(f"/{bucket}", recursive=True)


@pytest.fixture(params=["path", "file-url", "memory", "object-store"])
def where(request: pytest.FixtureRequest, tmp_path: Path,
          memory: storage.Storage) -> storage.Storage:
    """Every kind of storage: a local path, a file:// URL, a filesystem that renames, and one
    that does not (the in-memory filesystem written as an object store is: staged, uploaded)."""
    if request.param == "path":
        return storage.resolve(tmp_path / "out")
    if request.param == "file-url":
        return storage.resolve((tmp_path / "out").as_uri())
    if request.param == "memory":
        return memory
    return dataclasses.replace(memory, renames=False)


def test_local_path_and_file_url_are_the_local_folder(tmp_path: Path) -> None:
    for given in (str(tmp_path / "out"), (tmp_path / "out").as_uri()):
        where = storage.resolve(given)
        assert where.local == tmp_path / "out" and where.protocol == "file"
    assert storage.resolve("relative/out").local == Path("relative/out").absolute()


def test_memory_url_is_not_local(memory: storage.Storage) -> None:
    assert memory.local is None and memory.protocol == "memory" and memory.renames
    assert storage.resolve("memory://b/x/").base == "/b/x"


def test_write_read_and_list(where: storage.Storage) -> None:
    where.write_bytes("raw/2026-09/a.json", b'{"a": 1}')
    where.write_bytes("raw/2026-09/a.json", b'{"a": 2}')  # replaced
    table = pa.table({"amount_minor": pa.array([1, 2, 3], pa.int64())})
    where.write_parquet("raw/2026-09/billing/invoices.parquet", table)
    assert where.files() == ["raw/2026-09/a.json", "raw/2026-09/billing/invoices.parquet"]
    assert where.child("raw").files("2026-09/billing") == ["2026-09/billing/invoices.parquet"]
    assert where.read_bytes("raw/2026-09/a.json") == b'{"a": 2}'
    assert where.exists("raw/2026-09/a.json") and not where.exists("raw/2026-09")
    with where.fs.open_input_file(where.path("raw/2026-09/billing/invoices.parquet")) as f:
        assert pq.read_table(f).equals(table)


def test_a_failed_write_keeps_the_previous_file_and_leaves_nothing(where: storage.Storage
                                                                   ) -> None:
    where.write_bytes("summary.json", b"old")
    with pytest.raises(RuntimeError), where.open_atomic("summary.json") as stream:
        stream.write(b"half of the new")
        raise RuntimeError("disk full")
    with pytest.raises(RuntimeError), where.open_atomic("new.json") as stream:
        stream.write(b"half")
        raise RuntimeError("disk full")
    assert where.read_bytes("summary.json") == b"old"
    assert where.files() == ["summary.json"]  # no temporary left, no half file


def test_publish_mirrors_a_folder(where: storage.Storage, tmp_path: Path) -> None:
    folder = tmp_path / "zone"
    (folder / "billing").mkdir(parents=True)
    (folder / "_tmp" / "spill").mkdir(parents=True)
    (folder / "billing" / "invoices.parquet").write_bytes(b"PAR1")
    (folder / "quarantine.parquet").write_bytes(b"Q")
    (folder / ".quarantine.parquet.x1.tmp").write_bytes(b"half")
    (folder / "_tmp" / "spill" / "big").write_bytes(b"spill")
    where.write_bytes("raw/2026-09/gone.parquet", b"from an earlier run")
    where.write_bytes("raw/2026-08/kept.parquet", b"another cycle")
    assert where.publish(folder, "raw/2026-09", exclude=("_tmp",)) == 2
    assert where.files() == ["raw/2026-08/kept.parquet", "raw/2026-09/billing/invoices.parquet",
                             "raw/2026-09/quarantine.parquet"]
    assert where.read_bytes("raw/2026-09/billing/invoices.parquet") == b"PAR1"


@pytest.mark.parametrize(("url", "needle"), [
    ("nosuchfs://bucket/out", "Protocol not known: nosuchfs"),
    ("file://relative/out", "file:///abs/path"),
    ("memory://", "names no folder"),
])
def test_bad_urls_say_why_in_one_line(url: str, needle: str) -> None:
    with pytest.raises(storage.StorageError) as raised:
        storage.resolve(url)
    assert needle in str(raised.value) and "\n" not in str(raised.value)


def test_a_missing_implementation_names_the_package() -> None:
    if importlib.util.find_spec("s3fs") is not None:  # no dependency: only its absence is tested
        pytest.skip("s3fs is installed")
    with pytest.raises(storage.StorageError, match="s3fs"):
        storage.resolve("s3://bucket/recon")


def test_settings_keep_a_url_and_a_local_work_folder(tmp_path: Path) -> None:
    plain = Settings.resolve(out_dir=str(tmp_path / "out"), environ={})
    assert (plain.out_dir, plain.out_url, plain.published()) == (tmp_path / "out", None, None)
    as_url = Settings.resolve(out_dir=(tmp_path / "out").as_uri(), environ={})
    assert (as_url.out_dir, as_url.out_url) == (tmp_path / "out", None)

    url = "memory://bucket/recon"
    work = Settings.resolve(out_dir=url, environ={"RECON_WORK_DIR": str(tmp_path / "work")})
    assert (work.out_dir, work.out_url) == (tmp_path / "work", url)
    published = work.published()
    assert published is not None and published.base == "/bucket/recon"
    from_env = Settings.resolve(environ={"RECON_OUT_DIR": url,
                                         "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert from_env.out_url == url
    assert from_env.out_dir == tmp_path / "cache" / "recon-pipeline" / "memory_bucket_recon"
    with pytest.raises(SettingsError, match=r"Protocol not known: nosuchfs.*RECON_OUT_DIR"):
        Settings.resolve(out_dir="nosuchfs://bucket/recon", environ={})


def test_dbt_reads_the_url_only_on_a_spark_warehouse(tmp_path: Path) -> None:
    env = {"RECON_WORK_DIR": str(tmp_path / "work")}
    url = "memory://bucket/recon"
    assert Settings.resolve(out_dir=url, warehouse="spark", environ=env).raw_root() == (
        f"{url}/raw")
    # DuckDB reads no object store here, and PostgreSQL's loader reads local files
    assert Settings.resolve(out_dir=url, environ=env).raw_root() == (
        (tmp_path / "work" / "raw").as_posix())
    assert Settings.resolve(out_dir=str(tmp_path / "out"), warehouse="spark",
                            environ={}).raw_root() == (tmp_path / "out" / "raw").as_posix()
