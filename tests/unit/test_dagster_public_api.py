"""The Dagster layer uses Dagster's public API only: no ``dagster._*`` imports, no subclasses of
``AssetSelection`` (whose internals change between releases)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "recon_pipeline"


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_private_dagster_imports() -> None:
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [f"{path.relative_to(PACKAGE)}: {n}" for n in names
                      if n.split(".")[0].startswith("dagster") and "._" in n]
    assert not found, found


def test_no_asset_selection_subclasses() -> None:
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(base) for base in node.bases]
                if any(base.endswith("AssetSelection") for base in bases):
                    found.append(f"{path.relative_to(PACKAGE)}: {node.name}")
    assert not found, found
