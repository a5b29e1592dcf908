"""Fixtures of the report tests: one generated sources directory per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from recon_pipeline.generate import generate


@pytest.fixture(scope="session")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated sources (seed 7, scale 0.5, cycles 2026-08..10) with their planted truth."""
    return generate(tmp_path_factory.mktemp("reports") / "src", seed=7, scale=0.5).out
