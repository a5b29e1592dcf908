"""The code location: it validates, loads fast, and its graph matches the reviewed snapshot.

To accept a change of the graph, regenerate the snapshot and review its diff:
    UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/integration/test_definitions.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import dagster as dg

from recon_pipeline.definitions import defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"
BIN = Path(sys.executable).parent
# Imported by a step that needs them, never by the code location (import great_expectations
# alone takes ~3 s).
HEAVY_MODULES = frozenset({"great_expectations", "pandas", "playwright", "uvicorn", "openpyxl",
                           "nats", "pyspark"})


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECON_", "DAGSTER_"))}
    env["DAGSTER_HOME"] = str(tmp_path)
    return env


def graph_snapshot(definitions: dg.Definitions) -> dict[str, Any]:
    """What a reviewer should see change: assets, checks, jobs, schedules, sensors."""
    graph = definitions.resolve_asset_graph()
    repository = definitions.get_repository_def()
    assets = {}
    for spec in sorted(definitions.resolve_all_asset_specs(), key=lambda s: s.key):
        assets[spec.key.to_user_string()] = {
            "group": spec.group_name,
            "kinds": sorted(spec.kinds),
            "owners": list(spec.owners),
            "partitions": str(spec.partitions_def) if spec.partitions_def else None,
            "deps": sorted(dep.asset_key.to_user_string() for dep in spec.deps),
            "has_description": bool(spec.description),
        }
    return {
        "assets": assets,
        "checks": sorted(key.to_user_string() for key in graph.asset_check_keys),
        "jobs": sorted(
            job.name for job in definitions.resolve_all_job_defs() if not job.name.startswith("__")
        ),
        "schedules": {
            s.name: {"cron": s.cron_schedule, "job": s.job_name, "timezone": s.execution_timezone}
            for s in sorted(repository.schedule_defs, key=lambda s: s.name)
        },
        "sensors": sorted(s.name for s in repository.sensor_defs),
        "resources": sorted(definitions.resources or {}),
    }


def test_definitions_validate(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(BIN / "dagster"), "definitions", "validate", "-m", "recon_pipeline.definitions"],
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_asset_graph_matches_snapshot() -> None:
    current = graph_snapshot(defs)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    assert current == expected, "graph changed: rerun with UPDATE_SNAPSHOTS=1 and review the diff"


def test_every_asset_is_documented_grouped_and_owned() -> None:
    for spec in defs.resolve_all_asset_specs():
        name = spec.key.to_user_string()
        assert spec.description, f"{name} has no description"
        assert spec.group_name and spec.group_name != "default", f"{name} has no group"
        assert spec.owners, f"{name} has no owners"
        assert spec.kinds, f"{name} has no kinds"


def test_code_location_import_stays_light(tmp_path: Path) -> None:
    """What keeps the code location quick to load, asserted as behaviour (the time itself is
    printed by benchmarks/bench_import.py, not asserted here): importing the definitions parses
    no dbt project and imports none of the heavy libraries that only a step needs."""
    probe = (
        "import sys; import recon_pipeline.definitions; "
        f"print(sorted(m for m in {sorted(HEAVY_MODULES)!r} if m in sys.modules))"
    )
    env = _clean_env(tmp_path)
    done = subprocess.run([sys.executable, "-c", probe], env=env, check=True,
                          capture_output=True, text=True)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
    assert not list(tmp_path.rglob("partial_parse.msgpack"))
