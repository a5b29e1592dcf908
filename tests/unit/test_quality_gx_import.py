"""The warehouse step of an in-process run imports Great Expectations on a background thread
while dbt builds (validate.import_gx_in_background): in a fresh interpreter the thread leaves GX
imported as validate_cycle uses it, analytics off and its logger quiet."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("great_expectations")

PROBE = """
import logging, os, sys
from recon_pipeline.lib.quality.validate import import_gx_in_background
assert "great_expectations" not in sys.modules
thread = import_gx_in_background()
assert thread.daemon
thread.join(120)
assert not thread.is_alive()
for name in ("great_expectations", "great_expectations.core.run_identifier",
             "great_expectations.expectations.expectation"):
    assert name in sys.modules, name
assert os.environ["GX_ANALYTICS_ENABLED"] == "false"
assert logging.getLogger("great_expectations").level == logging.ERROR
print("ok")
"""


def test_the_background_import_leaves_gx_imported() -> None:
    env = {k: v for k, v in os.environ.items() if k != "GX_ANALYTICS_ENABLED"}
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
