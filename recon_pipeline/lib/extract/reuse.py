"""Parse each byte once: an object whose input files did not change is not read again.

Sources are cumulative exports, and every cycle's run lands them in its own raw zone
(``OUT/raw/<cycle>/``). When a source object is extracted, its *stamp* is recorded beside its
parts (``_parts/<object>.inputs.json``): the stat (path, size, ``mtime_ns``, as the sources
fingerprint takes it: recon_pipeline.lib.operations.fingerprint) of every file it read, the
sources directory and a digest of the extraction code. A later extraction of the same object
into any raw zone of the same ``OUT/raw/`` whose stamp is equal links that zone's outputs (tables,
quarantine and file counts, so quarantine stays exact: file, line, reason) instead of parsing
the files again. Any change to a file (added, removed, grown, rewritten) or to the code parses
again, and so does a new stream event landed for the Stripe and usage objects. An ERP given by
URL (no file to stat) is always read.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from recon_pipeline.lib import atomic
from recon_pipeline.lib.extract import tail
from recon_pipeline.lib.extract.codeversion import code_digest
from recon_pipeline.lib.extract.errors import SourceError
from recon_pipeline.lib.extract.report import PARTS, FileCount, ObjectReport, part_paths


def input_files(sources: Path, name: str, erp_url: object | None) -> list[Path] | None:
    """The files object ``name`` reads, or None when they cannot be known (an ERP URL, or a
    required file missing: the extraction reports that itself)."""
    from recon_pipeline.lib.extract import usage
    from recon_pipeline.lib.extract.objects import CSV_FILES, ERP_SPECS, JSON_SPECS, json_files

    try:
        if name in JSON_SPECS:
            return [p for p, _ in json_files(sources, JSON_SPECS[name])]
    except SourceError:
        return None
    if name == "usage/events":
        return [p for p, _ in usage.usage_files(sources)]
    if name in ERP_SPECS:
        if erp_url is not None:
            return None
        return sorted((sources / "erp").glob("ledger.sqlite*"))
    if name in CSV_FILES:
        path = sources / CSV_FILES[name][1]
        return [path] if path.is_file() else None
    return None


def _stats(files: list[Path], root: Path) -> list[list[object]]:
    stats: list[list[object]] = []
    for path in files:
        st = path.lstat() if path.is_symlink() else path.stat()  # a link is refused, not read
        stats.append([path.relative_to(root).as_posix(), st.st_size, st.st_mtime_ns])
    return stats


def stamp(sources: Path, name: str, erp_url: object | None, out_dir: Path
          ) -> dict[str, Any] | None:
    """What an extraction of ``name`` into ``out_dir`` reads, as plain values: its files and,
    for the Stripe and usage objects, the stream events landed beside every raw zone
    (``OUT/raw/_stream``, merged into their tables); None when it cannot be told."""
    from recon_pipeline.lib.extract.objects import JSON_SPECS
    from recon_pipeline.lib.stream.merge import stream_folder

    files = input_files(sources, name, erp_url)
    if files is None:
        return None
    found: dict[str, Any] = {"object": name, "sources": str(sources.resolve()),
                             "code": code_digest(), "files": _stats(files, sources)}
    landing = stream_folder(out_dir)
    if (name in JSON_SPECS or name == "usage/events") and landing.is_dir():
        landed = sorted(p for p in landing.rglob("*") if p.is_file())
        found["landed"] = _stats(landed, landing)
    return found


def _stamp_path(out_dir: Path, name: str) -> Path:
    return out_dir / PARTS / f"{name.replace('/', '__')}.inputs.json"


def _outputs(out_dir: Path, report: ObjectReport) -> list[Path]:
    """Every file an extraction of ``report``'s object wrote into ``out_dir``."""
    tables = [out_dir / report.source / f"{table}.parquet" for table in report.tables]
    kept = [tail.staged_path(out_dir, report.name), tail.quarantine_path(out_dir, report.name),
            tail.prefix_path(out_dir, report.name)]
    return [*tables, *part_paths(out_dir, report.name),
            *(kept if report.name == "usage/events" else [])]


def record(out_dir: Path, found: dict[str, Any], report: ObjectReport) -> None:
    """Remember that ``report``'s outputs in ``out_dir`` were read from ``found``."""
    data = {
        "stamp": found,
        "report": {"name": report.name, "table": report.table, "tables": report.tables,
                   "files": [vars(f) for f in report.files]},
    }
    atomic.write_text(_stamp_path(out_dir, report.name), json.dumps(data, sort_keys=True))


def _link(source: Path, target: Path) -> None:
    """``target`` becomes ``source``'s content, whole or not at all (a hard link if it can)."""
    tmp = atomic.new_temp(target)
    tmp.unlink()
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copyfile(source, tmp)
    atomic.commit(tmp, target)


def reuse(out_dir: Path, name: str, found: dict[str, Any]) -> ObjectReport | None:
    """The report of an earlier extraction of ``name`` with stamp ``found``, its outputs linked
    into ``out_dir``; None when no raw zone beside ``out_dir`` has one."""
    siblings = out_dir.parent.iterdir() if out_dir.parent.is_dir() else iter(())
    candidates = [out_dir, *sorted((p for p in siblings if p.is_dir() and p != out_dir),
                                   reverse=True)]
    for zone in candidates:
        path = _stamp_path(zone, name)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("stamp") != found:
            continue
        saved = data["report"]
        report = ObjectReport(saved["name"], saved["table"], dict(saved["tables"]),
                              [FileCount(**f) for f in saved["files"]])
        outputs = _outputs(zone, report)
        if not all(p.is_file() for p in outputs):
            continue
        if zone != out_dir:
            for source, target in zip(outputs, _outputs(out_dir, report), strict=True):
                _link(source, target)
            record(out_dir, found, report)
        report.reused_from = zone.name
        return report
    return None
