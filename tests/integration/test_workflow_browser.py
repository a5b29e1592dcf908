"""The close as finance runs it, in a browser, on the session's real pipeline run (issue 15).

A copy of the ``pipeline`` fixture's output; ``recon web``'s app served by uvicorn on a free
port; Playwright driving Debian's chromium. A preparer assigns, comments and waives a blocking
finding; an approver rejects it once and approves it the second time (the other blocking
findings are waived through the same service, as ``recon exceptions`` does); the gate re-run
(the quality and reports assets) passes; the preparer submits, cannot sign off, and the
approver signs off; a viewer can change nothing, not even by posting a form; a preparer cannot
approve their own waiver. Then an export changes (the ERP loses an invoice's journal): the late
run leaves the signed package and reports byte-identical and writes a restatement with the
exact difference, and ``recon close verify`` re-runs the signed package's inputs and
reproduces its findings exactly. A screenshot of every page goes to the test's tmp_path and
to /tmp/workflow-screenshots/.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from recon_pipeline.lib.workflow.findings import amount_at_stake
from recon_pipeline.lib.workflow.log import EventLog
from recon_pipeline.lib.workflow.package import COMPARED
from recon_pipeline.lib.workflow.service import Workflow
from recon_pipeline.lib.workflow.users import User, Users, hash_password
from tests.browser import chromium
from tests.integration.pipeline import RECON, Run

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = Path("/tmp/workflow-screenshots")
DAGSTER = Path(sys.executable).parent / "dagster"
SUITES = Path(__file__).resolve().parents[2] / "expectations"
PASSWORDS = {"pat": "pat-pw-1", "alex": "alex-pw-1", "val": "val-pw-1"}
ROLES = {"pat": "preparer", "alex": "approver", "val": "viewer"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium()
    if os.environ.get("CI"):
        from playwright.sync_api import sync_playwright
    else:
        sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable)
        try:
            yield launched
        finally:
            launched.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def served(pipeline: Run, tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    """The web app over a copy of the pipeline's output: (base URL, OUT, cycle)."""
    import uvicorn

    from recon_pipeline.lib.workflow.web import create_app

    out = tmp_path / "out"
    shutil.copytree(pipeline.out, out)
    with duckdb.connect(str(out / "warehouse.duckdb"), read_only=True) as con:
        (cycle,), = con.sql("select max(cycle) from marts.fct_mismatches").fetchall()
    users = tmp_path / "users.yml"
    users.write_text("users:\n" + "".join(
        f'  {n}: {{role: {ROLES[n]}, password: "{hash_password(p)}"}}\n'
        for n, p in PASSWORDS.items()))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(out, Users.load(users)), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}", out, cycle
    finally:
        server.should_exit = True
        thread.join(10)


class Shots:
    def __init__(self, tmp_path: Path) -> None:
        self.folder = tmp_path / "screenshots"
        self.folder.mkdir()
        SCREENSHOTS.mkdir(exist_ok=True)
        self.n = 0

    def take(self, page: Any, name: str) -> None:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        shutil.copy(path, SCREENSHOTS / path.name)


def _login(browser: Any, base: str, name: str) -> Any:
    context = browser.new_context()
    context.set_default_timeout(120_000)  # two test workers share two cores in CI
    page = context.new_page()
    page.goto(f"{base}/closes")
    assert page.url.endswith("/login")  # nothing without a session
    page.fill("input[name=user]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{base}/closes")
    return page


def _flash(page: Any) -> str:
    text: str = page.inner_text("div.flash")
    return text


def _gate_rerun(pipeline: Run, out: Path, cycle: str, tmp_path: Path) -> dict[str, Any]:
    """Re-run the gate and the reports of ``cycle`` on ``out``; finance's thresholds other than
    the blocking categories relaxed (the generated data plants match-rate and quarantine
    problems on purpose)."""
    suites = tmp_path / "expectations"
    shutil.copytree(SUITES, suites)
    for name, check, kwargs in [
            ("marts.fct_mismatches", "leakage_within_limit", {"max_value": 10**12}),
            ("marts.fct_recon_coverage", "match_rate_at_least", {"min_value": 0.0}),
            ("raw.quarantine", "quarantined_share_within_limit", {"max_value": 1.0})]:
        suite = json.loads((suites / f"{name}.json").read_text())
        next(e for e in suite["expectations"] if e["meta"]["check"] == check)["kwargs"].update(
            kwargs)
        (suites / f"{name}.json").write_text(json.dumps(suite, indent=2))
    env = {**os.environ, "DAGSTER_HOME": str(pipeline.home), "RECON_OUT_DIR": str(out),
           "RECON_SOURCES_DIR": str(pipeline.sources), "RECON_EXPECTATIONS_DIR": str(suites)}
    done = subprocess.run(
        [str(DAGSTER), "asset", "materialize", "-m", "recon_pipeline.definitions",
         "--select", "quality/expectations,reports/cycle_reports", "--partition", cycle],
        capture_output=True, text=True, env=env, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    summary: dict[str, Any] = json.loads((out / "reports" / cycle / "summary.json").read_text())
    return summary


def test_close_as_finance_runs_it(browser: Any, served: tuple[str, Path, str],
                                  pipeline: Run, tmp_path: Path) -> None:
    base, out, cycle = served
    shots = Shots(tmp_path)
    wf = Workflow(out)
    queue = wf.queue(cycle)
    blocking = [r for r in queue if r.finding.blocking]
    assert blocking, "the generated cycle plants blocking findings"
    target = blocking[0].finding.exception_id

    # The preparer: queue, filters, one blocking finding assigned, commented, waived.
    pat = _login(browser, base, "pat")
    shots.take(pat, "closes-open")
    pat.click(f"a[href='/cycles/{cycle}']")
    assert pat.locator("#queue tbody tr").count() == len(queue)
    amounts = [float(t.replace(",", "")) for t in pat.locator("#queue td.num").all_inner_texts()
               [0::2]]
    assert amounts == sorted(amounts, reverse=True)  # largest at stake first
    shots.take(pat, "queue")
    with pat.expect_navigation():  # the filter submits itself on change (plain JS)
        pat.select_option("select[name=category]", blocking[0].finding.category)
    assert pat.locator("#queue tbody tr").count() == sum(
        r.finding.category == blocking[0].finding.category for r in queue)
    shots.take(pat, "queue-filtered")
    pat.click(f"a:has-text('{target}')")
    pat.fill("input[name=owner]", "pat")
    pat.click("button:has-text('Assign')")
    assert "assign recorded" in _flash(pat) and pat.inner_text("#owner") == "pat"
    pat.fill("textarea[name=text]", "ERP batch failed on the 30th; re-posted on the 2nd")
    pat.click("button:has-text('Comment')")
    pat.fill("input[name=link]", "https://erp.example/batches/2026-09-30")
    pat.click("button:has-text('Attach link')")
    pat.select_option("select[name=reason]", "timing")
    pat.fill("#waive input[name=text]", "posted in the next period")
    pat.click("button:has-text('Ask for a waiver')")
    assert "waive recorded" in _flash(pat)
    pat.click("button:has-text('Approve waiver')")  # their own: refused on the server
    assert "four eyes" in _flash(pat)
    shots.take(pat, "exception-waiver-pending")

    # The approver rejects it once, then approves the second request.
    alex = _login(browser, base, "alex")
    detail = f"{base}/cycles/{cycle}/exceptions/{target}"
    alex.goto(detail)
    alex.fill("input[name=comment]", "attach the re-posting journal")
    alex.click("button:has-text('Reject waiver')")
    assert "reject recorded" in _flash(alex) and "rejected" in alex.inner_text("#waiver")
    shots.take(alex, "exception-waiver-rejected")
    pat.goto(detail)
    pat.fill("#waive input[name=text]", "posted in the next period; journal JE-4411 attached")
    pat.click("button:has-text('Ask for a waiver')")
    alex.goto(detail)
    alex.click("button:has-text('Approve waiver')")
    assert "approve recorded" in _flash(alex) and alex.inner_text("#status") == "waived"
    assert [e.action for e in wf.state().item(target).history] == [
        "assign", "comment", "attach", "waive", "reject", "waive", "approve"]
    shots.take(alex, "exception-waived")

    # The other blocking findings, through the same service (as `recon exceptions` does).
    for r in blocking[1:]:
        eid = r.finding.exception_id
        wf.waive(User("pat", "preparer"), cycle, eid, "known_source_issue", "fixed at source",
                 cycle)
        wf.approve(User("alex", "approver"), eid)

    # The viewer sees everything and can change nothing, not even by posting the form itself.
    val = _login(browser, base, "val")
    val.goto(detail)
    assert val.locator("button:has-text('Assign')").count() == 0
    shots.take(val, "exception-viewer")
    before = len(EventLog(out).read().events)
    answer = val.evaluate("""async (url) => {
        const csrf = document.querySelector('form[action="/logout"] input[name=csrf]').value;
        const r = await fetch(url, {method: 'POST', body: new URLSearchParams(
            {csrf, owner: 'val'})});
        return [r.url, await r.text()];
    }""", f"{detail}/assign")
    assert answer[0].endswith(f"/exceptions/{target}")
    assert "refused: val is a viewer: only a preparer or above may assign" in answer[1]
    # A POST without the session's CSRF token is refused before anything happens.
    forged = val.evaluate("""async (url) => (await fetch(url, {method: 'POST',
        body: new URLSearchParams({csrf: 'guess', owner: 'val'})})).status""",
                          f"{detail}/assign")
    assert forged == 403 and len(EventLog(out).read().events) == before

    # The gate re-runs with the waivers: final.
    summary = _gate_rerun(pipeline, out, cycle, tmp_path)
    assert (summary["status"], summary["final"]) == ("final", True)

    # Submit (preparer), no sign-off by the preparer, sign-off (approver).
    pat.goto(f"{base}/closes")
    pat.click(f"tr[data-cycle='{cycle}'] button:has-text('Submit')")
    assert "submit recorded" in _flash(pat)
    pat.once("dialog", lambda d: d.accept())
    pat.click(f"tr[data-cycle='{cycle}'] button:has-text('Sign off')")
    assert "pat is a preparer" in _flash(pat)
    shots.take(pat, "closes-submitted")
    alex.goto(f"{base}/closes")
    alex.once("dialog", lambda d: d.accept())
    alex.click(f"tr[data-cycle='{cycle}'] button:has-text('Sign off')")
    assert "signoff recorded" in _flash(alex)
    assert alex.inner_text(f"tr[data-cycle='{cycle}'] .status") == "signed"
    shots.take(alex, "closes-signed")
    assert len(list(SCREENSHOTS.glob("*.png"))) >= shots.n

    # A changed export after sign-off: the ERP loses one invoice's journal. The late run of the
    # locked cycle writes a restatement with the exact difference and leaves the signed files.
    package = out / "close" / cycle / "package-1"
    signed_files = _tree(package) | _tree(out / "reports" / cycle, top=True)
    signed = _by_id(package / "reports" / "mismatches.parquet")
    sources = tmp_path / "late-sources"
    shutil.copytree(pipeline.sources, sources)
    invoice = _drop_one_posted_invoice(sources / "erp" / "ledger.sqlite", cycle, signed)
    home = tmp_path / "late-home"
    home.mkdir()
    done = subprocess.run([str(RECON), "run", "--sources", str(sources), "--cycle", cycle,
                           "--out", str(out)], capture_output=True, text=True, timeout=1200,
                          check=False, env={**os.environ, "DAGSTER_HOME": str(home)})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert _tree(package) | _tree(out / "reports" / cycle, top=True) == signed_files
    restated = out / "close" / cycle / "restatement-1"
    rerun = _by_id(restated / "mismatches.parquet")
    expected = {eid for eid in set(signed) | set(rerun)
                if _compared(signed.get(eid)) != _compared(rerun.get(eid))}
    document = json.loads((restated / "restatement.json").read_text())
    assert {c["exception_id"] for c in document["changes"]} == expected
    assert any(c["change"] == "added" and c["category"] == "invoice_not_posted"
               and rerun[c["exception_id"]]["object_id"] == invoice
               for c in document["changes"])
    for c in document["changes"]:
        was = signed.get(c["exception_id"])
        now = rerun.get(c["exception_id"])
        assert Decimal(c["delta"]) == (amount_at_stake(now) if now else 0) - (
            amount_at_stake(was) if was else 0)
    assert wf.state().close(cycle).status == "restated"
    alex.goto(f"{base}/closes")
    assert "restated" in alex.inner_text(f"tr[data-cycle='{cycle}']")
    shots.take(alex, "closes-restated")

    # The signed package's inputs re-run (its frozen sources): the findings reproduce exactly.
    done = subprocess.run([str(RECON), "close", "verify", "--out", str(out), "--cycle", cycle],
                          capture_output=True, text=True, timeout=1200, check=False,
                          env={**os.environ, "DAGSTER_HOME": ""})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "re-run reproduces the signed findings exactly" in done.stdout
    assert "report files byte-identical to the signed ones" in done.stdout


def _tree(folder: Path, top: bool = False) -> dict[str, bytes]:
    files = folder.iterdir() if top else folder.rglob("*")
    return {str(p): p.read_bytes() for p in sorted(files) if p.is_file()}


def _by_id(path: Path) -> dict[str, dict[str, Any]]:
    return {r["exception_id"]: r for r in pq.read_table(path).to_pylist()}


def _compared(row: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else {k: row.get(k) for k in COMPARED}


def _drop_one_posted_invoice(ledger: Path, cycle: str, signed: dict[str, Any]) -> str:
    """Delete the journal of one invoice of ``cycle`` that has no finding; return its id."""
    flagged = {r["object_id"] for r in signed.values()} | {
        r["related_id"] for r in signed.values() if r["related_id"]}
    with sqlite3.connect(ledger) as con:
        rows = con.execute(
            "select journal_id, document_ref from gl_journal_lines where period = ? and "
            "document_type = 'INVOICE' and reversal_of is null group by journal_id, "
            "document_ref order by journal_id", (cycle,)).fetchall()
        journal, invoice = next((j, d) for j, d in rows if d and d not in flagged)
        con.execute("delete from gl_journal_lines where journal_id = ?", (journal,))
    return str(invoice)
