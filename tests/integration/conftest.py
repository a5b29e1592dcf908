"""Fixtures of the integration tests."""

from __future__ import annotations

import pytest

from recon_pipeline.generate import generate
from tests.integration.pipeline import CYCLES, Run, recon_run


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Every demo cycle run once on generated sources (seed 7, scale 0.5), for the session."""
    root = tmp_path_factory.mktemp("e2e")
    stats = generate(root / "sources", seed=7, scale=0.5, cycles=(CYCLES[0], CYCLES[-1]))
    run = Run(stats.out, root / "out", root / "dagster_home")
    run.home.mkdir()
    for cycle in CYCLES:
        done = recon_run(run, cycle)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        run.printed[cycle] = done
    return run
