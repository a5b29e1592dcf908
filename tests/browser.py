"""Debian's headless Chromium for the browser tests: required under CI, skipped elsewhere."""

from __future__ import annotations

import os
import shutil

import pytest


def chromium() -> str:
    """Path of the chromium binary; fails under CI, skips elsewhere, when it is missing."""
    found = shutil.which("chromium") or ("/usr/bin/chromium"
                                         if os.path.exists("/usr/bin/chromium") else None)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (apt-get install -y chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return found
