"""The cycle's GX Data Docs in headless Chromium, opened from disk: styled, working, offline.

Playwright drives Debian's ``/usr/bin/chromium`` (no browser download). Every request a page
makes is recorded: all must be ``file:`` (or ``data:``) URLs, none may fail, and the console
must show no error. Screenshots go to the test's tmp_path and to /tmp/data-docs-screenshots/.

Skipped without chromium or playwright, except when ``CI`` is set: then that fails the test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from recon_pipeline.lib.quality.docs import write_data_docs
from tests.browser import chromium
from tests.unit.test_data_docs import SUITES, TITLE, cycle_results

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = Path("/tmp/data-docs-screenshots")


_chromium = chromium


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("out") / "reports" / "2026-10" / "data_docs"
    write_data_docs(cycle_results(), folder, title=TITLE)
    return folder


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    if os.environ.get("CI"):
        from playwright.sync_api import sync_playwright
    else:
        sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as playwright:
        # no name resolves: a request that slipped past the checks below could not go out anyway
        chromium = playwright.chromium.launch(
            executable_path=executable, args=["--host-resolver-rules=MAP * ~NOTFOUND"])
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Opened:
    """A page opened from disk, with what it asked for and what it said."""

    page: Any
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def assert_offline(self) -> None:
        assert self.requests, "no request recorded at all"
        outside = [u for u in self.requests if not u.startswith(("file:", "data:"))]
        assert outside == [], f"requests outside the folder: {outside}"
        # a load the browser dropped because the page navigated away is ERR_ABORTED; a file
        # missing from the folder is ERR_FILE_NOT_FOUND, a blocked one ERR_BLOCKED_*: those count
        failed = [f for f in self.failed if "ERR_ABORTED" not in f]
        assert failed == [], f"failed loads: {failed}"
        assert self.errors == [], f"console errors: {self.errors}"


def _open(browser: Any, page_file: Path, *, dark: bool = False) -> Opened:
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  color_scheme="dark" if dark else "light")
    context.set_default_timeout(60_000)  # generous: CI shares two cores with other work
    page = context.new_page()
    opened = Opened(page)
    page.on("request", lambda r: opened.requests.append(r.url))
    page.on("requestfailed", lambda r: opened.failed.append(f"{r.url}: {r.failure}"))
    page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: opened.errors.append(f"uncaught: {e}"))
    # "load": every script, stylesheet and image of the page is in (Playwright's "networkidle"
    # is left out: it can hang under load); fonts and charts are waited for where checked
    page.goto(page_file.as_uri(), wait_until="load")
    return opened


def _screenshot(opened: Opened, tmp_path: Path, name: str) -> Path:
    png = tmp_path / f"{name}.png"
    opened.page.screenshot(path=str(png), full_page=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy2(png, SCREENSHOTS / png.name)
    assert png.stat().st_size > 20_000  # a rendered page, not a blank one
    return png


#: What the vendored scripts define, as ``typeof`` sees it.
LIBRARIES = {"jquery": "function", "bootstrap": "function", "bootstrapTable": "function",
             "datepicker": "function", "popper": "function", "vega": "object",
             "vegaLite": "object", "vegaEmbed": "function"}


def _libraries(opened: Opened) -> dict[str, str]:
    return opened.page.evaluate("""() => ({
        jquery: typeof window.jQuery, bootstrap: typeof jQuery.fn.modal,
        bootstrapTable: typeof jQuery.fn.bootstrapTable, datepicker: typeof jQuery.fn.datepicker,
        popper: typeof window.Popper, vega: typeof window.vega, vegaLite: typeof window.vegaLite,
        vegaEmbed: typeof window.vegaEmbed,
    })""")


def _styled(opened: Opened) -> None:
    """Bootstrap's CSS and Font Awesome's font are applied (the page is not unstyled)."""
    page = opened.page
    # Bootstrap 4: .alert-secondary is #e2e3e5, .container-fluid pads 15px (5 * .25rem here)
    assert page.evaluate(
        "() => getComputedStyle(document.querySelector('.alert-secondary')).backgroundColor"
    ) == "rgb(226, 227, 229)"
    assert page.evaluate(
        "() => getComputedStyle(document.querySelector('.navbar')).display") == "flex"
    icon_font = page.evaluate(
        "() => getComputedStyle(document.querySelector('i.fas'), '::before').fontFamily")
    assert "Font Awesome" in icon_font
    # the icon font loads once the icons are laid out (bootstrap-table draws them after load)
    page.wait_for_function("""() => [...document.fonts].some(
        f => f.family.includes('Font Awesome') && f.status === 'loaded')""")
    page.wait_for_function("""() => document.fonts.check('900 16px "Font Awesome 6 Free"')""")
    page.wait_for_function("""() => {
        const img = document.querySelector('.navbar-brand img');
        return img.complete && img.naturalWidth > 0; }""")


def test_index_lists_the_cycle_offline(browser: Any, site: Path, tmp_path: Path) -> None:
    opened = _open(browser, site / "index.html")
    page = opened.page
    assert page.title() == TITLE
    rows = page.locator("table.ge-index-page-validation-results-table tbody tr")
    rows.first.wait_for(state="visible")
    assert rows.count() == len(SUITES)
    for suite, success in SUITES.items():
        row = rows.filter(has_text=suite)
        assert row.count() == 1
        assert row.locator(".ge-success-icon" if success else ".ge-failed-icon").is_visible()
    assert page.get_by_text(f"Data Docs | {TITLE}").is_visible()
    assert _libraries(opened) == LIBRARIES
    _styled(opened)
    _screenshot(opened, tmp_path, "index")
    opened.assert_offline()

    # the bootstrap-table row links lead to the suite's validation page, still from disk
    rows.filter(has_text="payments.charges").locator("td").first.click()
    page.wait_for_url("**/validations/payments/charges/**", wait_until="load")
    assert page.get_by_text("Validations / payments.charges").first.is_visible()
    opened.assert_offline()


def test_validation_page_renders_tables_and_charts_offline(
        browser: Any, site: Path, tmp_path: Path) -> None:
    page_file = next(site.glob("validations/payments/charges/**/*.html"))
    opened = _open(browser, page_file)
    page = opened.page
    assert page.title() == f"payments.charges · {TITLE}"
    assert page.locator(".alert-secondary a", has_text="payments.charges").is_visible()
    assert page.locator(".alert-secondary").first.get_by_text("Failed").is_visible()
    # GX's expectation tables, built by bootstrap-table (its toolbar and search box)
    tables = page.locator(".bootstrap-table table")
    assert tables.count() >= 3
    assert page.locator(".bootstrap-table .search input").first.is_visible()
    assert page.get_by_text("Evaluated Expectations").is_visible()
    # the KL divergence expectation's Vega-Lite chart, drawn by the vendored vega-embed
    chart = page.locator(".vega-embed")
    chart.first.wait_for(state="visible")
    drawn = chart.first.locator("svg, canvas")
    drawn.first.wait_for(state="visible")
    box = drawn.first.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100
    assert _libraries(opened) == LIBRARIES
    _styled(opened)
    # Bootstrap's JS: the "Show more info..." collapse opens
    page.get_by_text("Show more info...").first.click()
    page.get_by_text("Batch Markers").first.wait_for(state="visible")
    _screenshot(opened, tmp_path, "validation-payments-charges")
    opened.assert_offline()


def test_expectation_suite_page_and_dark_mode_stay_offline(
        browser: Any, site: Path, tmp_path: Path) -> None:
    opened = _open(browser, site / "expectations" / "billing" / "invoices.html")
    assert opened.page.get_by_text("Expectations / billing.invoices").is_visible()
    _screenshot(opened, tmp_path, "expectations-billing-invoices")
    opened.assert_offline()
    # dark mode swaps in bootstrap-dark's rules and GX's dark logo (a CSS url()): local too
    dark = _open(browser, site / "index.html", dark=True)
    assert dark.page.evaluate(
        "() => getComputedStyle(document.querySelector('.navbar-brand a')).backgroundImage"
    ).startswith('url("file://')
    _screenshot(dark, tmp_path, "index-dark")
    dark.assert_offline()
