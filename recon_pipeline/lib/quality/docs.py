"""Great Expectations Data Docs for a close cycle, self-contained so they open offline.

:func:`write_data_docs` renders the cycle's validation results with GX's own renderers and page
templates (``ValidationResultsPageRenderer``, ``ExpectationSuitePageRenderer``,
``SiteIndexPageRenderer``, ``DefaultJinjaPageView``) into the folder layout of a GX local site::

    index.html                                         every validation: status, statistics
    validations/<suite parts>/<run name>/<run time>/<batch id>.html
    expectations/<suite parts>.html                    each suite's expectations
    static/images/                                     GX's logo and favicon (from the GX package)
    static/vendor/                                     Bootstrap, jQuery, Vega, ... (vendored)

GX's templates load their CSS, scripts and fonts from CDNs and the logo from GX's web host. Each
page is rewritten so every ``<script src>``, ``<link href>``, ``<img src>`` and CSS ``url()``
points, by a relative path, at the copies under ``static/`` (the npm files vendored by
``scripts/vendor_docs_assets.sh`` into ``static/vendor/`` beside this module): the folder opens
from disk (``file://``) and still does once moved. A page that would still ask the network for
anything raises :class:`DataDocsError` rather than being written.

Great Expectations is imported inside :func:`write_data_docs` only: importing this module stays
cheap (the Dagster code location loads it).
"""

from __future__ import annotations

import copy
import functools
import html
import os
import re
import shutil
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Final

from recon_pipeline.lib.atomic import atomic_dir

if TYPE_CHECKING:
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
    )
    from great_expectations.core.run_identifier import RunIdentifier

__all__ = [
    "CDN_ASSETS",
    "VENDOR_DIR",
    "DataDocsError",
    "local_refs",
    "make_offline",
    "offline_violations",
    "write_data_docs",
]

#: The vendored browser assets (see scripts/vendor_docs_assets.sh and its MANIFEST.json).
VENDOR_DIR: Final[Path] = Path(__file__).resolve().parent / "static" / "vendor"

#: Every CDN URL of GX 1.24's page templates (page.j2, index_page.j2, js_script_imports.j2), and
#: the vendored file under ``static/vendor/`` that replaces it. The filter-control CSS that the
#: templates take from bootstrap-table 1.19.0 is served by the 1.19.1 copy that matches the
#: script, and bootstrap-dark's CSS by its minified build of the same version.
CDN_ASSETS: Final[Mapping[str, str]] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css":
        "bootstrap/dist/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js":
        "bootstrap/dist/js/bootstrap.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js":
        "popper.js/dist/umd/popper.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table/dist/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        "bootstrap-table/dist/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css":
        "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js":
        "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css":
        "bootstrap-dark/dist/css/bootstrap-prefers-dark.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "fontawesome-free/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
}

#: GX's web host for the logo in the navbar and in the dark-mode CSS; the GX package ships the
#: light logo (there is no dark one in the package: dark mode shows the light logo).
_GX_WEB_ASSETS: Final = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
_GX_IMAGES: Final[Mapping[str, str]] = {
    "logo-long.png": "logo-long.png",
    "full_logo_dark.png": "logo-long.png",
}
#: Files copied from GX's ``render/view/static/images`` into the site's ``static/images``.
_IMAGES_COPIED: Final = ("favicon.ico", "logo-long.png")

_TAG = re.compile(r"<(?P<name>[a-zA-Z][a-zA-Z0-9-]*)(?P<attrs>\s[^<>]*?)?(?P<end>/?)>")
#: The attributes through which a tag loads (or, for <a>, links to) a URL.
_URL_KEYS = "src|href|srcset|poster|data|action|formaction|background"
_HAS_URL_ATTR = re.compile(rf"\s(?:{_URL_KEYS})\s*=", re.IGNORECASE)
_URL_ATTR = re.compile(
    rf"""(?P<lead>\s)(?P<key>{_URL_KEYS})"""
    r"""\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'=<>`]+))""",
    re.IGNORECASE,
)
_SRI_ATTR = re.compile(
    r"""\s(?:integrity|crossorigin)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?""", re.IGNORECASE
)
_STYLE_BLOCK = re.compile(r"(<style\b[^>]*>)(.*?)(</style\s*>)", re.IGNORECASE | re.DOTALL)
_STYLE_ATTR = re.compile(r"""(\sstyle\s*=\s*)("[^"]*"|'[^']*')""", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(?P<q>["']?)(?P<url>.*?)(?P=q)\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?P<q>["'])(?P<url>.*?)(?P=q)""", re.IGNORECASE)
#: GX's newsletter footer (cloud-footer.j2): marketing, and a link out of an offline folder.
_FOOTER = re.compile(r"<footer>.*?</footer>", re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(r"<title>[^<]*</title>", re.IGNORECASE)
#: A relative reference into the site's static/ folder or to its index page, at whatever depth
#: the template assumed (GX's favicon.j2 is one level short on validation pages).
_SITE_RELATIVE = re.compile(r"^(?:\./|\.\./)*(?P<rest>static/.+|index\.html)$")
#: An absolute URL (scheme://, or protocol-relative //host): the browser would go out for it.
_REMOTE = re.compile(r"^\s*(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//")
_NOT_A_FILE = ("data:", "blob:", "about:", "javascript:", "mailto:", "#")


class DataDocsError(RuntimeError):
    """The Data Docs could not be made self-contained (a page still refers to the network)."""


@dataclass(frozen=True)
class _Page:
    """One validation result and where its page goes."""

    result: ExpectationSuiteValidationResult
    run_id: RunIdentifier
    batch_identifier: str
    relpath: PurePosixPath


@dataclass(frozen=True)
class _Refs:
    """The URLs of a page: what it loads (tags' src/href, CSS url()/@import), what it links to."""

    loads: list[str]
    links: list[str]


def write_data_docs(
    results: Sequence[ExpectationSuiteValidationResult], folder: Path, *, title: str
) -> Path:
    """Render GX Data Docs for ``results`` into ``folder``; return the path of its index.html.

    ``results`` are the ``ExpectationSuiteValidationResult`` objects of ``batch.validate(...)``
    (any ``result_format``), one per suite and batch. The index lists each validation with its
    status and statistics; each result gets its validation page and each suite an expectation
    suite page, all in GX's standard look, with every asset local (see the module docstring).

    A result whose ``meta`` has no ``run_id`` (``batch.validate`` sets none) is shown as a run
    named ``title`` at the time of writing; ``title`` also heads the index page. The results are
    not modified.

    The docs are rendered into a temporary folder beside ``folder`` that then takes its place:
    readers see the previous docs or the new ones, and on an error ``folder`` is left as it was.
    """
    from great_expectations.core.run_identifier import RunIdentifier

    folder = Path(folder)
    written_at = datetime.now(UTC)
    default_run = RunIdentifier(run_name=title, run_time=written_at)
    with atomic_dir(folder) as staging:
        _render_site(results, staging, title=title, default_run=default_run)
    return folder / "index.html"


def _render_site(
    results: Sequence[ExpectationSuiteValidationResult],
    root: Path,
    *,
    title: str,
    default_run: RunIdentifier,
) -> None:
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.render.renderer.page_renderer import (
        ExpectationSuitePageRenderer,
        ValidationResultsPageRenderer,
    )

    pages = _plan_pages(results, default_run)
    page_view, index_view = _views()
    written: dict[PurePosixPath, _Refs] = {}

    def write(relpath: PurePosixPath, page: str, page_title: str) -> None:
        text, refs = _make_offline(page, depth=len(relpath.parts) - 1, title=page_title)
        target = root.joinpath(*relpath.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written[relpath] = refs

    validation_renderer = ValidationResultsPageRenderer()
    for page in pages:
        document = validation_renderer.render(_shown_result(page))
        write(page.relpath, page_view.render(document, show_how_to_buttons=False),
              f"{page.result.suite_name} · {title}")

    suite_renderer = ExpectationSuitePageRenderer()
    suites: dict[str, ExpectationSuiteValidationResult] = {}
    for page in pages:
        suites.setdefault(page.result.suite_name, page.result)
    for name, result in suites.items():
        configs = [r.expectation_config for r in result.results if r.expectation_config]
        suite = ExpectationSuite(name=name, expectations=configs)
        document = suite_renderer.render(suite)
        write(_suite_relpath(name), page_view.render(document, show_how_to_buttons=False),
              f"{name} · {title}")

    document = _index_renderer().render(_index_links(pages, suites, title))
    write(PurePosixPath("index.html"), index_view.render(document, show_how_to_buttons=False),
          title)

    _copy_static(root)
    _check_local_refs(root, written)


@functools.cache
def _views() -> tuple[Any, Any]:
    """GX's page and index views: their Jinja environments compile the templates once."""
    import great_expectations.render.view as gx_view

    return gx_view.DefaultJinjaPageView(), gx_view.DefaultJinjaIndexPageView()


def _plan_pages(
    results: Sequence[ExpectationSuiteValidationResult], default_run: RunIdentifier
) -> list[_Page]:
    """Each result's run id, batch id and page path, as a GX site lays them out (unique)."""
    pages: list[_Page] = []
    taken: set[PurePosixPath] = set()
    for result in results:
        run_id = _run_identifier(result.meta.get("run_id"), default_run)
        batch = str(result.batch_id or result.asset_name or "batch")
        stem = _slug(batch)
        run_time = run_id.run_time.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        folder = PurePosixPath(
            "validations", *_suite_parts(result.suite_name), _slug(str(run_id.run_name)), run_time
        )
        relpath, n = folder / f"{stem}.html", 1
        while relpath in taken:
            n += 1
            relpath = folder / f"{stem}-{n}.html"
        taken.add(relpath)
        pages.append(_Page(result, run_id, batch, relpath))
    return pages


def _shown_result(page: _Page) -> ExpectationSuiteValidationResult:
    """A copy of the page's result as GX's renderers can show it; the caller's is not touched.

    On Arrow-backed frames the values in a result are ``pd.NA`` and numpy scalars, which GX's
    renderers trip over (``bool(pd.NA)`` raises; ``num_to_str`` parses ``repr(np.float64(x))``),
    and then leave the unexpected-values table or the observed value out of the page. They are
    shown as the plain Python values they stand for (``pd.NA`` as null).
    """
    shown = copy.copy(page.result)
    shown.meta = _shown_meta(page)
    rows = []
    for evr in page.result.results:
        row = copy.copy(evr)
        row.result = _escaped(_plain(evr.result))  # the data's values, as text in the page
        row.exception_info = _escaped(evr.exception_info)  # messages may quote the data
        rows.append(row)
    shown.results = rows
    shown.statistics = _plain(page.result.statistics)
    return shown


def _plain(value: Any) -> Any:
    """``value`` with pandas' missing markers as None and numpy/Arrow scalars as Python's."""
    import numpy as np
    import pandas as pd

    def walk(v: Any) -> Any:
        if v is None or isinstance(v, str | bool | int | float):
            return v.item() if isinstance(v, np.generic) else v
        if isinstance(v, Mapping):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list | tuple | set | frozenset):
            return [walk(x) for x in v]
        if isinstance(v, np.ndarray):
            return [walk(x) for x in v.tolist()]
        if v is pd.NA or v is pd.NaT:
            return None
        if isinstance(v, np.generic):
            return walk(v.item())
        as_py = getattr(v, "as_py", None)  # a pyarrow scalar
        if callable(as_py):
            return walk(as_py())
        return v

    return walk(value)


def _shown_meta(page: _Page) -> dict[str, Any]:
    """The result's meta as its page shows it: with the run, and the asset named in the header.

    GX's page header reads the asset from ``batch_spec`` (``batch_kwargs`` before GX 1), where a
    dataframe asset's validation has none: it would say "Data asset: None".
    """
    meta = {**_escaped(dict(page.result.meta)), "run_id": _shown_run(page.run_id)}
    spec = meta.get("batch_spec")
    asset = _escaped(page.result.asset_name)
    if asset and isinstance(spec, Mapping) and "data_asset_name" not in spec \
            and not meta.get("batch_kwargs"):
        meta["batch_spec"] = {**spec, "data_asset_name": asset}
    return meta


def _escaped(value: Any) -> Any:
    """``value`` with every string in it (keys too) HTML-escaped.

    GX's renderers put the strings of a result (unexpected values, observed values, asset and
    batch names, messages) into the page as HTML, unescaped; a value from the sources such as
    ``<script>`` would run in the reader's browser. Escaped, it shows as the text it is. Only
    what the pages show is escaped: the caller's results, the page paths and the Parquet and
    JSON outputs keep the values as they are.
    """
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, Mapping):
        return {_escaped(k): _escaped(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_escaped(v) for v in value]
    return value


def _shown_run(run_id: RunIdentifier) -> RunIdentifier:
    """``run_id`` with its name escaped for a page (see :func:`_escaped`)."""
    from great_expectations.core.run_identifier import RunIdentifier

    name = run_id.run_name
    return RunIdentifier(run_name=_escaped(name) if name else name, run_time=run_id.run_time)


def _run_identifier(value: Any, default: RunIdentifier) -> RunIdentifier:
    from great_expectations.core.run_identifier import RunIdentifier

    if isinstance(value, RunIdentifier):
        found = value
    elif isinstance(value, Mapping):
        found = RunIdentifier(run_name=value.get("run_name"), run_time=value.get("run_time"))
    elif isinstance(value, str) and value:
        found = RunIdentifier(run_name=value, run_time=default.run_time)
    else:
        return default
    if not found.run_name:
        found = RunIdentifier(run_name=default.run_name, run_time=found.run_time)
    return found


def _suite_parts(suite_name: str) -> list[str]:
    """The folders of a suite's pages: its dot-separated parts (GX's templates count them)."""
    return [_slug(part) for part in suite_name.split(".")]


def _suite_relpath(suite_name: str) -> PurePosixPath:
    *parents, last = _suite_parts(suite_name)
    return PurePosixPath("expectations", *parents, f"{last}.html")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "_"


def _index_links(
    pages: Sequence[_Page], suites: Mapping[str, ExpectationSuiteValidationResult], title: str
) -> dict[str, Any]:
    """The ``index_links_dict`` that GX's DefaultSiteIndexBuilder hands SiteIndexPageRenderer."""
    validations = []
    # failures first, then by suite (GX's table sorts on status; this is its order within one)
    for page in sorted(pages, key=lambda p: (bool(p.result.success), p.result.suite_name)):
        result = page.result
        meta = result.meta
        validations.append({
            "expectation_suite_name": result.suite_name,
            "filepath": urllib.parse.quote(page.relpath.as_posix()),
            "run_id": _shown_run(page.run_id),
            "batch_identifier": _escaped(page.batch_identifier),
            "validation_success": bool(result.success),
            "run_time": page.run_id.run_time,
            "run_name": _escaped(page.run_id.run_name),
            "asset_name": _escaped(result.asset_name),
            "batch_kwargs": _escaped(meta.get("batch_kwargs", {})),
            "batch_spec": _escaped(meta.get("batch_spec", {})),
            "expectation_suite_filepath": urllib.parse.quote(
                _suite_relpath(result.suite_name).as_posix()),
            "statistics": dict(result.statistics or {}),
        })
    expectations = [
        {"expectation_suite_name": name,
         "filepath": urllib.parse.quote(_suite_relpath(name).as_posix())}
        for name in sorted(suites)
    ]
    return {"site_name": _escaped(title), "validations_links": validations,
            "expectations_links": expectations}


def _index_renderer() -> Any:
    """GX's SiteIndexPageRenderer, with a column of each validation's statistics."""
    from great_expectations.render.renderer.site_index_page_renderer import (
        SiteIndexPageRenderer,
    )

    class CycleIndexPageRenderer(SiteIndexPageRenderer):
        @classmethod
        def _generate_validation_results_link_table(cls, index_links_dict: Any) -> Any:
            table = super()._generate_validation_results_link_table(index_links_dict)
            links = index_links_dict.get("validations_links", [])
            table.table_columns.insert(1, {
                "field": "statistics", "title": "Expectations met", "sortable": "true",
                "sortName": "_statistics_sort", "align": "center",
            })
            for row, link in zip(table.table_data, links, strict=True):
                row["statistics"], row["_statistics_sort"] = _statistics_cell(link["statistics"])
            # a cycle's suites on one page, failures first, then by suite
            table.table_options.update({
                "sortName": "validation_success", "sortOrder": "asc", "pageSize": 100,
                "pageList": [25, 100, "All"],
            })
            for row, link in zip(table.table_data, links, strict=True):
                row["_validation_success_sort"] = int(bool(link["validation_success"]))
            table.table_columns[0]["sortName"] = "_validation_success_sort"
            return table

    return CycleIndexPageRenderer


def _statistics_cell(statistics: Mapping[str, Any]) -> tuple[str, float]:
    evaluated = int(statistics.get("evaluated_expectations") or 0)
    successful = int(statistics.get("successful_expectations") or 0)
    percent = statistics.get("success_percent")
    share = float(percent) if percent is not None else (
        100.0 * successful / evaluated if evaluated else 100.0)
    return f"{successful} / {evaluated} ({share:.0f}%)", share


def make_offline(page: str, *, depth: int, title: str | None = None) -> str:
    """Point a GX page's CDN and GX-hosted references at the site's ``static/`` copies.

    ``depth`` is how many folders below the site root the page lies; ``title``, if given,
    becomes the page's ``<title>``. Links out of the site (``<a href="https://...">``) lose their
    href, GX's newsletter footer goes. Raises :class:`DataDocsError` if the page would still
    load anything from the network.
    """
    return _make_offline(page, depth=depth, title=title)[0]


def _make_offline(page: str, *, depth: int, title: str | None) -> tuple[str, _Refs]:
    prefix = "../" * depth

    def localise(url: str) -> str:
        if url in CDN_ASSETS:
            return f"{prefix}static/vendor/{CDN_ASSETS[url]}"
        if url.startswith(_GX_WEB_ASSETS):
            name = urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1]
            return f"{prefix}static/images/{_GX_IMAGES[name]}" if name in _GX_IMAGES else url
        site = _SITE_RELATIVE.match(url)
        return prefix + site["rest"] if site else url

    def tag(match: re.Match[str]) -> str:
        attrs = match["attrs"]
        if not attrs or not _HAS_URL_ATTR.search(attrs):
            return match[0]
        anchor = match["name"].lower() == "a"
        rewrote_remote = False

        def attr(m: re.Match[str]) -> str:
            nonlocal rewrote_remote
            value = _attr_value(m)
            if anchor and m["key"].lower() == "href" and _REMOTE.match(value):
                return ""  # a link out of the offline folder: keep the text, drop the link
            new = localise(value)
            if new == value:
                return m[0]
            rewrote_remote = rewrote_remote or bool(_REMOTE.match(value))
            return f'{m["lead"]}{m["key"]}="{html.escape(new)}"'

        attrs = _URL_ATTR.sub(attr, attrs)
        if rewrote_remote:  # the CDN's integrity hash and CORS mode do not fit a local copy
            attrs = _SRI_ATTR.sub("", attrs)
        return f"<{match['name']}{attrs}{match['end']}>"

    def css(text: str) -> str:
        text = _CSS_URL.sub(lambda m: m[0].replace(m["url"], localise(m["url"])), text)
        return _CSS_IMPORT.sub(lambda m: m[0].replace(m["url"], localise(m["url"])), text)

    page = _FOOTER.sub("", page)
    page = _STYLE_BLOCK.sub(lambda m: m[1] + css(m[2]) + m[3], page)
    page = _TAG.sub(tag, page)
    page = _STYLE_ATTR.sub(lambda m: m[1] + css(m[2]), page)
    if title is not None:
        # GX's pages carry a fixed <title> and an empty one from an unused block: one real title
        page = _TITLE.sub("", page)
        page = page.replace("<head>", f"<head>\n    <title>{html.escape(title)}</title>", 1)
    refs = _scan(page)
    remote = sorted({url for url in refs.loads if _REMOTE.match(url)})
    if remote:
        raise DataDocsError("a Data Docs page would still load from the network (a changed GX "
                            "template? extend CDN_ASSETS): " + ", ".join(remote))
    return page, refs


def _attr_value(m: re.Match[str]) -> str:
    return html.unescape(next(v for v in (m["dq"], m["sq"], m["bare"]) if v is not None))


def _scan(page: str) -> _Refs:
    loads: list[str] = []
    links: list[str] = []
    for tag_match in _TAG.finditer(page):
        attrs = tag_match["attrs"]
        if not attrs or not _HAS_URL_ATTR.search(attrs):
            continue
        anchor = tag_match["name"].lower() == "a"
        for m in _URL_ATTR.finditer(attrs):
            key, value = m["key"].lower(), _attr_value(m)
            if anchor and key == "href":
                links.append(value)
            elif key == "srcset":
                loads += [part.strip().split(" ")[0] for part in value.split(",")]
            else:
                loads.append(value)
    styles = [m[2] for m in _STYLE_BLOCK.finditer(page)]
    styles += [m[2] for m in _STYLE_ATTR.finditer(page)]
    for text in styles:
        loads += [m["url"] for m in [*_CSS_URL.finditer(text), *_CSS_IMPORT.finditer(text)]]
    return _Refs(loads, links)


def offline_violations(page: str) -> list[str]:
    """The URLs that an HTML page would load from the network (``<a href>`` links aside).

    Looks at the URL attributes (src, href, srcset, ...) of its tags and at CSS ``url()`` and
    ``@import`` in ``<style>`` blocks and ``style`` attributes.
    """
    return [url for url in _scan(page).loads if _REMOTE.match(url)]


def local_refs(page: str, *, links: bool = False) -> list[str]:
    """The relative URLs that a page loads (with ``links``: and links to)."""
    refs = _scan(page)
    urls = refs.loads + refs.links if links else refs.loads
    return [u for u in urls if u and not u.startswith(_NOT_A_FILE) and not _REMOTE.match(u)]


def _copy_static(root: Path) -> None:
    import great_expectations.render.view as gx_view

    if not (VENDOR_DIR / "MANIFEST.json").is_file():
        raise DataDocsError(f"vendored assets missing at {VENDOR_DIR} "
                            "(run scripts/vendor_docs_assets.sh)")
    static = root / "static"
    shutil.copytree(VENDOR_DIR, static / "vendor")
    images = Path(gx_view.__file__).resolve().parent / "static" / "images"
    (static / "images").mkdir(parents=True)
    for name in _IMAGES_COPIED:
        shutil.copy2(images / name, static / "images" / name)


def _check_local_refs(root: Path, pages: Mapping[PurePosixPath, _Refs]) -> None:
    """Every file that a page loads or links to is in the site: none is a failed request."""
    files = {PurePosixPath(p.relative_to(root).as_posix()) for p in root.rglob("*") if p.is_file()}
    missing: set[str] = set()
    for relpath, refs in pages.items():
        for ref in set(refs.loads + refs.links):
            if not ref or ref.startswith(_NOT_A_FILE) or _REMOTE.match(ref):
                continue
            path = urllib.parse.unquote(urllib.parse.urlsplit(ref).path)
            target = os.path.normpath(relpath.parent.joinpath(path).as_posix())
            if PurePosixPath(target) not in files:
                missing.add(f"{relpath} -> {ref}")
    if missing:
        raise DataDocsError("Data Docs pages refer to files that are not in the site: "
                            + ", ".join(sorted(missing)))
