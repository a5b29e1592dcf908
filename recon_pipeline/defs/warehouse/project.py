"""The dbt project and its manifest.

The manifest is built by ``dbt parse`` ahead of time and read when the code location loads.
When it is missing, or older than a file of the project, the loader runs ``dbt parse`` once
(a few seconds), so an edited model shows up on the next reload without parsing every time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"
_PROJECT_FILES = ("dbt_project.yml", "profiles.yml")
_PROJECT_FOLDERS = ("models", "macros", "tests", "seeds", "snapshots", "analyses")


def dbt_executable() -> str:
    """The dbt of this Python environment, found without PATH (an unactivated venv has none)."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.is_file() else shutil.which("dbt") or "dbt"


def manifest_is_stale(project: DbtProject) -> bool:
    """True when the manifest is missing or older than a file it was parsed from."""
    if not project.manifest_path.is_file():
        return True
    built = project.manifest_path.stat().st_mtime
    sources = [project.project_dir / name for name in _PROJECT_FILES]
    for folder in _PROJECT_FOLDERS:
        sources.extend(p for p in (project.project_dir / folder).rglob("*") if p.is_file())
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


def prepare_manifest(project: DbtProject) -> Path:
    """Run ``dbt parse`` in a private target folder, then move its manifest into place.

    Concurrent loaders (``dagster dev`` starts several processes) never see a half-written file.
    """
    target = project.project_dir / project.target_path
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target, prefix=".parse-") as scratch:
        env = {
            **os.environ,
            "DBT_TARGET_PATH": scratch,
            "DBT_LOG_PATH": scratch,
            "DBT_PROFILES_DIR": str(project.profiles_dir),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        done = subprocess.run(
            [dbt_executable(), "parse", "--quiet"],
            cwd=project.project_dir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"`dbt parse` failed in {project.project_dir}:\n{done.stdout}{done.stderr}"
            )
        os.replace(Path(scratch) / "manifest.json", project.manifest_path)
    return project.manifest_path


def load_dbt_project() -> DbtProject:
    """The project, with a manifest that is up to date."""
    project = DbtProject(project_dir=DBT_PROJECT_DIR)
    if manifest_is_stale(project):
        prepare_manifest(project)
    return project


dbt_project = load_dbt_project()
