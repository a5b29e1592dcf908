"""report.html in headless Chromium: it renders something, and asks the network for nothing.

Needs Debian's ``chromium`` (``apt-get install -y chromium``). Skipped without it, except when
``CI`` is set: then a missing browser fails the test.
"""

from __future__ import annotations

import json
import struct
import subprocess
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from recon_pipeline.generate import generate
from recon_pipeline.lib.reports import write_reports
from tests.browser import chromium
from tests.unit.reports.kit import cycle_inputs

pytestmark = pytest.mark.browser

NOW = datetime(2026, 11, 4, 6, 0, tzinfo=UTC)
WIDTH, HEIGHT = 1400, 2000
#: A page that does fetch: proves the net-log reading below would see such requests.
CANARY = ('<html><head><link rel="stylesheet" href="https://cdn.example.org/x.css"></head>'
          '<body><img src="http://img.example.net/a.png"></body></html>')


_chromium = chromium


def _render(chromium: str, page: Path, work: Path) -> tuple[Path, list[str]]:
    """Screenshot ``page``; return the PNG and the URLs the page itself asked the network for."""
    png, netlog = work / f"{page.stem}.png", work / f"{page.stem}.netlog.json"
    subprocess.run([
        chromium, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={work / ('profile-' + page.stem)}",
        "--host-resolver-rules=MAP * ~NOTFOUND", f"--log-net-log={netlog}",
        f"--screenshot={png}", f"--window-size={WIDTH},{HEIGHT}", page.as_uri(),
    ], check=True, capture_output=True, timeout=120)
    log = json.loads(netlog.read_text("utf-8"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    # The browser's own background requests carry no page; the page's carry its file:// key.
    return png, [e["params"]["url"] for e in log["events"]
                 if e["type"] == start_job
                 and str(e["params"].get("network_isolation_key", "")).startswith("file://")
                 and not e["params"]["url"].startswith(("file:", "data:"))]


def _png_rows(png: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and the (still filtered) scanlines of an 8-bit RGB(A) PNG."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, bpp = 8, b"", 0, 0, 4
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + width * bpp
    return width, height, [raw[i:i + stride] for i in range(0, len(raw), stride)]


def test_report_page_renders_offline(tmp_path: Path) -> None:
    chromium = _chromium()
    sources = generate(tmp_path / "src", seed=7, scale=0.5).out
    out = tmp_path / "out"
    for cycle in ("2026-08", "2026-09", "2026-10"):
        result = write_reports(out, cycle_inputs(sources, cycle), now=NOW)
    page = result.folder / "report.html"

    png, requests = _render(chromium, page, tmp_path)
    assert requests == [], f"report.html asked the network for {requests}"
    width, height, rows = _png_rows(png)
    assert (width, height) == (WIDTH, HEIGHT)
    # A blank page is one colour: a handful of distinct scanlines and byte values at most.
    assert len(set(rows)) > 200, "the screenshot is blank"
    assert len(set(b"".join(rows[::10]))) > 64, "the screenshot is nearly blank"

    canary = tmp_path / "canary.html"
    canary.write_text(CANARY, encoding="utf-8")
    _, fetched = _render(chromium, canary, tmp_path)
    assert {"https://cdn.example.org/x.css", "http://img.example.net/a.png"} <= set(fetched)
