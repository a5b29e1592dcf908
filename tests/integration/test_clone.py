"""The repository stands alone: a clone of HEAD in an empty folder, with nothing beside it,
collects the whole suite and passes the sample and output-contract tests.

Everything a clone's tests need (the Stripe and CloudEvents samples, the output contract) is
in the repository; nothing is read from a folder beside it. The clone
runs the environment's Python with the clone first on the path, so its own code is tested.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of HEAD, alone in an empty folder."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    head = _git("rev-parse", "HEAD", cwd=ROOT)
    folder = tmp_path_factory.mktemp("empty")
    target = folder / "recon-pipeline"
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(target)],
                   check=True, capture_output=True)
    # A detached HEAD (CI) is on no branch the clone copied: fetch it by id.
    subprocess.run(["git", "fetch", "--quiet", str(ROOT), head], cwd=target,
                   capture_output=True, check=False)
    _git("checkout", "--quiet", "--detach", head, cwd=target)
    assert [p.name for p in folder.iterdir()] == ["recon-pipeline"]
    return target


def _pytest(clone: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECON_", "DAGSTER_"))}
    env["PYTHONPATH"] = str(clone)  # the clone's package, in the tests and in `recon` alike
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=clone, env=env,
        capture_output=True, text=True, timeout=600, check=False)


def test_the_clone_imports_its_own_code(clone: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "import recon_pipeline; "
                           "print(recon_pipeline.__file__)"], cwd=clone,
                          env={**os.environ, "PYTHONPATH": str(clone)}, capture_output=True,
                          text=True, check=True)
    assert Path(done.stdout.strip()).is_relative_to(clone)


def test_the_clone_collects_the_whole_suite(clone: Path) -> None:
    done = _pytest(clone, "--collect-only", "-q")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "error" not in done.stdout.splitlines()[-1].lower(), done.stdout[-2000:]


def test_the_clone_passes_the_sample_and_contract_tests(clone: Path) -> None:
    done = _pytest(clone, "-q", "tests/unit/extract/test_samples.py", "tests/unit/test_contract.py")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout
