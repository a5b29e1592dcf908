"""Shared fixtures: generated sources directories, built once per session."""

from __future__ import annotations

import os
import socket

import pytest

from recon_pipeline.generate import GenerateStats, generate
from recon_pipeline.lib.dbt_manifest import prepare_if_stale


def pytest_sessionstart(session: pytest.Session) -> None:
    """The dbt manifest the code location reads, prepared once (as `make` does) if stale."""
    del session
    prepare_if_stale()


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GenerateStats:
    """The demo-sized generated sources (three cycles, two months of history)."""
    out = tmp_path_factory.mktemp("generated") / "sources"
    return generate(out, seed=11, scale=1.0, cycles=("2026-08", "2026-10"))


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that need a server are required when CI is set, skipped elsewhere if it is down."""
    del config
    if os.environ.get("CI"):
        return
    for marker, port, name in (("postgres", 5432, "PostgreSQL"), ("nats", 4222, "NATS")):
        if not _listening("127.0.0.1", port):
            skip = pytest.mark.skip(reason=f"{name} is not listening on 127.0.0.1:{port}")
            for item in items:
                if marker in item.keywords:
                    item.add_marker(skip)

