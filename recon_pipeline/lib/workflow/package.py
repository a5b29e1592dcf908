"""Sign-off bound to evidence, the period lock and restatements. Dagster-free.

At sign-off the cycle's close package is frozen under ``OUT/close/<cycle>/package-<n>/``:
``reports/`` (the cycle's report files, copied) and ``manifest.json``: the sources read
(each file's SHA-256, and the run's recorded stat fingerprint), the code version, hashes of the
dbt project, the configuration and the expectation suites, every report file's checksum, the
event log's head hash, the waivers in effect, who submitted and who signed, and when. The
sign-off event carries the manifest's SHA-256, so the package is bound to the log.

A signed cycle is locked: a later run of it (late data, a backfill) leaves ``OUT/reports/<cycle>``
as signed and writes ``OUT/close/<cycle>/restatement-<k>/`` instead: the run's reports and
``restatement.json``, every finding added, removed or changed in amount against the signed
package, each suggested as an out-of-period adjustment or a restatement by the materiality
threshold (config/workflow.yml).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from recon_pipeline.lib.atomic import atomic_dir, write_bytes
from recon_pipeline.lib.workflow.config import WorkflowConfig, load_workflow_config
from recon_pipeline.lib.workflow.findings import amount_at_stake
from recon_pipeline.lib.workflow.log import Draft, EventLog, WorkflowError
from recon_pipeline.lib.workflow.state import CYCLE_PREFIX, WorkflowState, fold
from recon_pipeline.lib.workflow.users import SYSTEM

REPO = Path(__file__).resolve().parents[3]
#: Columns of a finding that a re-run must reproduce exactly (``status`` depends on the
#: history of other cycles, so it is not compared).
COMPARED = ("exception_id", "cycle", "recon", "category", "severity", "legal_entity",
            "customer_id", "object_id", "period_start", "related_id", "currency",
            "expected_amount", "actual_amount", "difference", "leakage_amount",
            "leakage_amount_reporting", "detail")


def close_dir(out: Path, cycle: str) -> Path:
    return Path(out) / "close" / cycle


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tree_hash(root: Path, patterns: tuple[str, ...], skip: tuple[str, ...] = ()) -> str:
    """SHA-256 over (relative path, file SHA-256) of the files matching ``patterns``."""
    digest = hashlib.sha256()
    files = sorted({p for pattern in patterns for p in root.glob(pattern) if p.is_file()})
    for path in files:
        rel = path.relative_to(root).as_posix()
        if any(part in skip for part in path.relative_to(root).parts):
            continue
        digest.update(f"{rel}\0{sha256_file(path)}\n".encode())
    return digest.hexdigest()


def code_version() -> dict[str, Any]:
    """The package version and, in a git checkout, the commit and whether files differ from it."""
    version: dict[str, Any] = {"package": metadata.version("recon-pipeline")}
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"],
                                capture_output=True, text=True, timeout=10, check=True)
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain",
                                "--untracked-files=no"],
                               capture_output=True, text=True, timeout=30, check=True)
        version.update(commit=commit.stdout.strip(), modified=bool(dirty.stdout.strip()))
    except (OSError, subprocess.SubprocessError):
        version["commit"] = None
    return version


def inputs_of(out: Path, cycle: str) -> dict[str, Any]:
    """What the cycle's findings follow from: sources (by content), code, dbt, configuration."""
    recorded_path = Path(out) / "raw" / cycle / "sources_fingerprint.json"
    recorded = json.loads(recorded_path.read_text()) if recorded_path.is_file() else {}
    sources_dir = Path(recorded["sources_dir"]) if recorded.get("sources_dir") else None
    files: dict[str, str] = {}
    if sources_dir is not None and sources_dir.is_dir():
        for item in recorded.get("files", []):
            path = sources_dir / item["path"]
            files[item["path"]] = sha256_file(path) if path.is_file() else "missing"
    return {
        "sources_dir": str(sources_dir) if sources_dir else None,
        "sources_fingerprint": recorded.get("digest"),
        "sources_sha256": files,
        "code": code_version(),
        "dbt_project_sha256": _tree_hash(REPO / "dbt_project", (
            "dbt_project.yml", "models/**/*", "macros/**/*", "seeds/**/*", "tests/**/*",
            "snapshots/**/*"), skip=("target", "dbt_packages", "logs")),
        "config_sha256": {name: sha256_file(REPO / "config" / name)
                          for name in ("recon.yml", "workflow.yml")
                          if (REPO / "config" / name).is_file()},
        "expectations_sha256": _tree_hash(REPO / "expectations", ("*.json",)),
    }


def _packages(out: Path, cycle: str) -> list[Path]:
    folder = close_dir(out, cycle)
    found = [p for p in folder.glob("package-*") if p.name.split("-", 1)[1].isdigit()]
    return sorted(found, key=lambda p: int(p.name.split("-", 1)[1]))


def latest_package(out: Path, cycle: str) -> Path | None:
    packages = _packages(out, cycle)
    return packages[-1] if packages else None


def freeze_package(out: Path, cycle: str, state: WorkflowState, signer: str,
                   now: datetime, waived: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Write ``OUT/close/<cycle>/package-<n>/``; return the sign-off event's data."""
    reports = Path(out) / "reports" / cycle
    if not (reports / "mismatches.parquet").is_file():
        raise WorkflowError(f"{cycle} has no reports to sign: run the cycle first")
    package = close_dir(out, cycle) / f"package-{len(_packages(out, cycle)) + 1}"
    with atomic_dir(package) as tmp:
        (tmp / "reports").mkdir()
        checksums = {}
        for path in sorted(reports.iterdir()):
            if path.is_file():
                shutil.copy2(path, tmp / "reports" / path.name)
                checksums[path.name] = sha256_file(path)
        validation = Path(out) / "quality" / cycle / "validation.json"
        if validation.is_file():  # the close gate's results, as signed
            shutil.copy2(validation, tmp / "reports" / "validation.json")
            checksums["validation.json"] = sha256_file(validation)
        inputs = inputs_of(out, cycle)
        if load_workflow_config().freeze_sources and inputs["sources_dir"]:
            for rel in inputs["sources_sha256"]:  # the sources as read, for `recon close verify`
                target = tmp / "sources" / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(inputs["sources_dir"]) / rel, target)
        close = state.close(cycle)
        manifest = {
            "cycle": cycle, "package": package.name,
            "submitted_by": close.submitted_by, "signed_by": signer,
            "signed_at": now.astimezone(UTC).isoformat(),
            "event_log_head": state.head or None,
            "reports_sha256": checksums,
            "waivers": waived,
            "inputs": inputs,
        }
        text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        write_bytes(tmp / "manifest.json", text.encode("utf-8"))
    return {"package": package.relative_to(out).as_posix(),
            "manifest_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def freeze_for(workflow: Any, cycle: str) -> Callable[[WorkflowState, str], dict[str, Any]]:
    """The ``freeze`` callback of ``Workflow.signoff``: the package, with the waivers in effect."""
    def freeze(state: WorkflowState, signer: str) -> dict[str, Any]:
        waived = {}
        for row in workflow.queue(cycle, state):
            if row.status == "waived" and row.item.waiver is not None:
                w = row.item.waiver
                waived[row.finding.exception_id] = {
                    "reason_code": w.reason_code, "text": w.text, "preparer": w.preparer,
                    "approver": w.approver, "expiry_cycle": w.expiry_cycle,
                    "amount": str(w.amount)}
        return freeze_package(workflow.out, cycle, state, signer,
                              workflow.log.clock(), waived)
    return freeze


# -- the lock and restatements ---------------------------------------------------------------
def signed_package(out: Path, cycle: str) -> Path | None:
    """The package of ``cycle`` if it is signed (or restated) now: the cycle is locked."""
    log = EventLog(out)
    if not log.path.exists():
        return None
    close = fold(log.verify().events).close(cycle)
    if close.status not in ("signed", "restated") or not close.package:
        return None
    return Path(out) / close.package


def _by_id(table: pa.Table) -> dict[str, dict[str, Any]]:
    return {r["exception_id"]: r for r in table.to_pylist()}


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if v is not None and not isinstance(v, str | bool | int) else v)
            for k, v in row.items() if k in COMPARED}


def diff_findings(signed: pa.Table, rerun: pa.Table,
                  config: WorkflowConfig) -> dict[str, Any]:
    """Findings added, removed or changed by the re-run, with the change in amount at stake."""
    before, after = _by_id(signed), _by_id(rerun)
    changes: list[dict[str, Any]] = []
    for eid in sorted(set(before) | set(after)):
        old, new = before.get(eid), after.get(eid)
        if old is not None and new is not None and _plain(old) == _plain(new):
            continue
        was = amount_at_stake(old) if old else Decimal(0)
        now = amount_at_stake(new) if new else Decimal(0)
        kind = "added" if old is None else "removed" if new is None else "changed"
        fields = [] if kind != "changed" else sorted(
            k for k in COMPARED if _plain(old or {}).get(k) != _plain(new or {}).get(k))
        changes.append({"exception_id": eid, "change": kind, "fields": fields,
                        "category": (new or old or {}).get("category"),
                        "signed_amount": str(was), "rerun_amount": str(now),
                        "delta": str(now - was)})
    total = sum((abs(Decimal(c["delta"])) for c in changes), Decimal(0))
    for c in changes:
        c["suggested"] = ("restatement" if abs(Decimal(c["delta"])) > config.materiality
                          else "out_of_period_adjustment")
    return {"changes": changes, "total_abs_delta": str(total),
            "materiality": str(config.materiality),
            "suggested": "restatement" if total > config.materiality
            else "out_of_period_adjustment"}


def docs_folder(out: Path, cycle: str, default: Path) -> Path:
    """Where a run writes the cycle's Data Docs: ``default``, unless the cycle is locked."""
    return close_dir(out, cycle) / "rerun" / "data_docs" if signed_package(out, cycle) \
        else default


def restatement_folder(out: Path, cycle: str) -> Path:
    """The next ``OUT/close/<cycle>/restatement-<k>`` (the run's reports go in it)."""
    folder = close_dir(out, cycle)
    k = len(list(folder.glob("restatement-*"))) + 1
    return folder / f"restatement-{k}"


def record_restatement(out: Path, cycle: str, package: Path, folder: Path,
                       mismatches: pa.Table, now: datetime) -> dict[str, Any]:
    """Compare a locked cycle's re-run with its signed package; write restatement.json.

    Appends a ``restate`` event (by the pipeline) when anything changed.
    """
    config = load_workflow_config()
    signed = pq.read_table(package / "reports" / "mismatches.parquet")
    diff = diff_findings(signed, mismatches, config)
    document = {"cycle": cycle, "signed_package": package.relative_to(out).as_posix(),
                "run_at": now.astimezone(UTC).isoformat(), **diff}
    write_bytes(folder / "restatement.json",
                (json.dumps(document, indent=2) + "\n").encode("utf-8"))
    if diff["changes"]:
        def decide(events: list[Any]) -> tuple[list[Draft], None]:
            status = fold(events).close(cycle).status
            return [Draft(SYSTEM.name, "restate", CYCLE_PREFIX + cycle, status, "restated", {
                "restatement": folder.relative_to(out).as_posix(),
                "changes": len(diff["changes"]), "total_abs_delta": diff["total_abs_delta"],
                "suggested": diff["suggested"]})], None
        EventLog(out).transact(decide)
    return document


# -- verification ------------------------------------------------------------------------------
@dataclass
class Verification:
    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def fail(self, line: str) -> None:
        self.ok = False
        self.lines.append(line)


Rerun = Callable[[Path, str, Path], Path]  # (sources_dir, cycle, tmp out) -> mismatches.parquet


def verify_package(out: Path, cycle: str, package: Path | None = None,
                   rerun: Rerun | None = None, scratch: Path | None = None) -> Verification:
    """Check the package's files against its manifest, the manifest against the sign-off event,
    the inputs against today's, and (with ``rerun``) whether a re-run reproduces its findings."""
    import tempfile

    result = Verification()
    package = package or latest_package(out, cycle)
    if package is None or not (package / "manifest.json").is_file():
        result.fail(f"{cycle}: no signed package under {close_dir(out, cycle)}")
        return result
    text = (package / "manifest.json").read_bytes()
    manifest = json.loads(text)
    bound = [e for e in EventLog(out).verify().events if e.action == "signoff"
             and e.target == CYCLE_PREFIX + cycle
             and e.data.get("package") == package.relative_to(out).as_posix()]
    if not bound or bound[-1].data.get("manifest_sha256") != hashlib.sha256(text).hexdigest():
        result.fail(f"{package.name}: manifest.json is not the one signed off in the event log")
    else:
        result.lines.append(f"{package.name}: manifest matches the sign-off by "
                            f"{bound[-1].who} at {bound[-1].at} (event #{bound[-1].seq})")
    for name, digest in manifest["reports_sha256"].items():
        if sha256_file(package / "reports" / name) != digest:
            result.fail(f"{package.name}: reports/{name} differs from its signed checksum")
    if result.ok:
        result.lines.append(f"{package.name}: {len(manifest['reports_sha256'])} report files "
                            "byte-identical to the signed ones")
    inputs = manifest["inputs"]
    now = inputs_of(out, cycle)
    changed = sorted(p for p in set(inputs["sources_sha256"]) | set(now["sources_sha256"])
                     if inputs["sources_sha256"].get(p) != now["sources_sha256"].get(p))
    if changed:
        result.lines.append(f"sources changed since sign-off: {', '.join(changed[:5])}"
                            f"{' ...' if len(changed) > 5 else ''}")
    for key in ("dbt_project_sha256", "config_sha256", "expectations_sha256"):
        if inputs.get(key) != now.get(key):
            result.lines.append(f"{key.replace('_sha256', '')} changed since sign-off")
    if rerun is None:
        return result
    frozen = package / "sources"
    sources = frozen if frozen.is_dir() else Path(inputs["sources_dir"])
    result.lines.append(f"re-running {cycle} on {sources}")
    with tempfile.TemporaryDirectory(prefix="recon-verify-", dir=scratch) as tmp:
        rerun_file = rerun(sources, cycle, Path(tmp))
        diff = diff_findings(pq.read_table(package / "reports" / "mismatches.parquet"),
                             pq.read_table(rerun_file), load_workflow_config())
    if diff["changes"]:
        result.fail(f"re-run does NOT reproduce the signed findings: {len(diff['changes'])} "
                    f"differ (amount at stake {diff['total_abs_delta']})")
        for c in diff["changes"][:10]:
            result.lines.append(f"  {c['exception_id']}: {c['change']} {c['signed_amount']} -> "
                                f"{c['rerun_amount']} {','.join(c['fields'])}".rstrip())
    else:
        signed = pq.read_metadata(package / "reports" / "mismatches.parquet").num_rows
        result.lines.append(f"re-run reproduces the signed findings exactly ({signed} findings)")
    return result
