"""The dbt project's manifest, prepared once ahead of time rather than parsed at import.

``make`` (and ``recon run``/``recon demo``, and the test session) call :func:`prepare_if_stale`
before the code location is loaded; the loader only reads the manifest (``dagster dev``
re-prepares a stale one on reload, as dagster-dbt's ``prepare_if_dev`` does). Run it by hand
with ``python -m recon_pipeline.lib.dbt_manifest``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from recon_pipeline.lib.atomic import commit

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
_PROJECT_FILES = ("dbt_project.yml", "profiles.yml")
_PROJECT_FOLDERS = ("models", "macros", "tests", "seeds", "snapshots", "analyses")


class ManifestError(RuntimeError):
    """The manifest is missing or ``dbt parse`` failed; the message says what to do."""


def dbt_executable() -> str:
    """The dbt of this Python environment, found without PATH (an unactivated venv has none)."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.is_file() else shutil.which("dbt") or "dbt"


def run_executable() -> str:
    """The dbt command a Dagster run starts: ``recon-dbt`` of this environment (dbt itself,
    but ``--version`` answers without importing dbt or asking PyPI: lib/dbt_launcher.py),
    else :func:`dbt_executable` when the project is not installed with its scripts."""
    candidate = Path(sys.executable).parent / "recon-dbt"
    return str(candidate) if candidate.is_file() else dbt_executable()


def manifest_is_stale(project_dir: Path = DBT_PROJECT_DIR) -> bool:
    """True when the manifest is missing or older than a file it was parsed from."""
    manifest = project_dir / "target" / "manifest.json"
    if not manifest.is_file():
        return True
    built = manifest.stat().st_mtime
    sources = [project_dir / name for name in _PROJECT_FILES]
    for folder in _PROJECT_FOLDERS:
        sources.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


def prepare_manifest(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """Run ``dbt parse`` in a private target folder, then move its manifest into place.

    Concurrent preparers (``dagster dev`` starts several processes) never see a half-written
    file. Raises ManifestError with dbt's output when parsing fails.
    """
    target = project_dir / "target"
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target, prefix=".parse-") as scratch:
        env = {
            **os.environ,
            "DBT_TARGET_PATH": scratch,
            "DBT_LOG_PATH": scratch,
            "DBT_PROFILES_DIR": str(project_dir),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        done = subprocess.run(
            [dbt_executable(), "parse", "--quiet"],
            cwd=project_dir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise ManifestError(f"`dbt parse` failed in {project_dir}:\n{done.stdout}{done.stderr}")
        commit(Path(scratch) / "manifest.json", target / "manifest.json")
    return target / "manifest.json"


def prepare_if_stale(project_dir: Path = DBT_PROJECT_DIR) -> bool:
    """Prepare the manifest when it is missing or stale; True if it was (re)built."""
    if not manifest_is_stale(project_dir):
        return False
    prepare_manifest(project_dir)
    return True


def require_manifest(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """The manifest's path; ManifestError (one line saying how to build it) when missing."""
    manifest = project_dir / "target" / "manifest.json"
    if not manifest.is_file():
        raise ManifestError(
            f"no dbt manifest at {manifest}: run `make` (or "
            "`python -m recon_pipeline.lib.dbt_manifest`) to prepare it"
        )
    return manifest


if __name__ == "__main__":
    print(f"dbt manifest prepared: {prepare_manifest()}")
