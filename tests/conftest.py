"""Shared fixtures: generated sources directories, built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from recon_pipeline.generate import GenerateStats, generate


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GenerateStats:
    """The demo-sized generated sources (three cycles, two months of history)."""
    out = tmp_path_factory.mktemp("generated") / "sources"
    return generate(out, seed=11, scale=1.0, cycles=("2026-08", "2026-10"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that need a server are required, not skipped, when CI is set."""
    del config
    if os.environ.get("CI"):
        return
    _ = items


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The steering repository's shared folder (spec, samples, tools), beside the project."""
    return Path(__file__).resolve().parents[1].parent / "shared"
