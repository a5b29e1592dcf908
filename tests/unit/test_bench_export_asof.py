"""benchmarks/export_asof.py: the exports bench_close.py closes each cycle on extend each other
as a source system's would (usage files grow by appends), and the last one is the generated
export itself but for the order of the usage lines."""

from __future__ import annotations

import gzip
import importlib.util
import sqlite3
from pathlib import Path
from types import ModuleType

import orjson
import pytest

from recon_pipeline.generate import generate

ROOT = Path(__file__).resolve().parents[2]
CYCLES = ("2026-09", "2026-10")


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("export_asof",
                                                  ROOT / "benchmarks" / "export_asof.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}


def _lines(path: Path) -> list[bytes]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as f:
        return list(f)


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    asof = _module()
    root = tmp_path_factory.mktemp("asof")
    full = root / "sources"
    generate(full, seed=7, scale=0.2, cycles=CYCLES)
    cuts = [asof.export_cut(c) for c in CYCLES]
    written = []
    for cycle, cut in zip(CYCLES, cuts, strict=True):
        asof.write_export(full, root / f"asof-{cycle}", cut, cuts)
        written.append(root / f"asof-{cycle}")
    return full, written


def test_usage_files_grow_by_appends(exports: tuple[Path, list[Path]]) -> None:
    _, (first, second) = exports
    earlier, later = _files(first), _files(second)
    assert set(earlier) <= set(later)
    assert set(later) - set(earlier)  # the next month's usage files are new
    grown = 0
    for rel, path in earlier.items():
        if rel.startswith("usage/"):
            old, new = _lines(path), _lines(later[rel])
            assert new[:len(old)] == old, rel
            if rel.endswith(".jsonl"):
                assert later[rel].read_bytes().startswith(path.read_bytes()), rel
            grown += len(new) > len(old)
    assert grown  # the month the first export cut is completed by the second


def test_first_export_holds_what_was_created_before_its_cut(
        exports: tuple[Path, list[Path]]) -> None:
    full, (first, _) = exports
    cut = _module().export_cut(CYCLES[0])
    invoices = _lines(first / "billing" / "invoices.jsonl")
    assert 0 < len(invoices) < len(_lines(full / "billing" / "invoices.jsonl"))
    with sqlite3.connect(first / "erp" / "ledger.sqlite") as db:
        latest = db.execute("select max(posting_date) from gl_journal_lines").fetchone()[0]
    db.close()
    assert latest == "2026-10-04"
    created = []
    for line in invoices:
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue  # a malformed row is kept as it is
        if isinstance(obj, dict):
            created += [o.get("created") for o in obj.get("data", [obj])]
    assert max(c for c in created if isinstance(c, int)) < cut


def test_last_export_is_the_generated_one(exports: tuple[Path, list[Path]]) -> None:
    full, (_, last) = exports
    generated, cut = _files(full), _files(last)
    assert set(generated) == set(cut)
    for rel, path in generated.items():
        if rel.startswith("usage/"):
            assert sorted(_lines(path)) == sorted(_lines(cut[rel])), rel
        else:
            assert path.read_bytes() == cut[rel].read_bytes(), rel
