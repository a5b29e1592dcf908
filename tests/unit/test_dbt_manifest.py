"""The dbt manifest is prepared ahead of time; the code location only reads it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from recon_pipeline.lib.dbt_manifest import (
    DBT_PROJECT_DIR,
    MANIFEST_PATH,
    ManifestError,
    manifest_is_stale,
    require_manifest,
)


def _project(root: Path) -> Path:
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: p\n")
    (root / "models" / "a.sql").write_text("select 1\n")
    return root


def _age(path: Path, seconds: int) -> None:
    stat = path.stat()
    os.utime(path, (stat.st_atime - seconds, stat.st_mtime - seconds))


def test_a_manifest_older_than_a_model_is_stale(tmp_path: Path) -> None:
    project = _project(tmp_path / "p")
    assert manifest_is_stale(project)  # missing
    manifest = project / "target" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_text("{}")
    for path in (project / "dbt_project.yml", project / "models" / "a.sql"):
        _age(path, 60)
    assert not manifest_is_stale(project)
    (project / "models" / "b.sql").write_text("select 2\n")
    _age(manifest, 30)
    assert manifest_is_stale(project)


def test_a_missing_manifest_is_one_line_saying_how_to_prepare_it(tmp_path: Path) -> None:
    project = _project(tmp_path / "p")
    with pytest.raises(ManifestError) as raised:
        require_manifest(project)
    message = str(raised.value)
    assert "\n" not in message and "make" in message


def test_the_code_location_reads_the_manifest_the_session_prepared() -> None:
    from recon_pipeline.defs.warehouse.project import dbt_project

    assert dbt_project.manifest_path == MANIFEST_PATH
    assert Path(dbt_project.project_dir) == DBT_PROJECT_DIR
    assert not manifest_is_stale()
