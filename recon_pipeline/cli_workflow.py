"""``recon exceptions ...``, ``recon close ...``, ``recon users hash``: the close workflow.

The same actions as the web page, through the same code (``lib.workflow.service``). Who acts:
``--user`` (or ``$RECON_USER``), authenticated against ``$RECON_USERS_FILE`` with the password
in ``$RECON_PASSWORD`` or typed at a prompt. Reading (list, show, status) needs no password.
A refused action prints one line and exits 1.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from recon_pipeline.lib.workflow.log import WorkflowError
from recon_pipeline.lib.workflow.users import User, Users, hash_password

Add = Callable[..., argparse.ArgumentParser]


def _out(args: argparse.Namespace) -> Path:
    """OUT's local folder: the folder given, or the work folder of a URL (RECON_WORK_DIR), where
    the ledger and the close packages live."""
    from recon_pipeline.settings import SettingsError, out_location

    out = args.out or os.environ.get("RECON_OUT_DIR")
    if not out:
        raise WorkflowError("name the output directory: --out DIR (or set RECON_OUT_DIR)")
    try:
        return out_location(out)[0]
    except SettingsError as exc:
        raise WorkflowError(str(exc)) from None


def _user(args: argparse.Namespace) -> User:
    name = args.user or os.environ.get("RECON_USER")
    if not name:
        raise WorkflowError("say who acts: --user NAME (or set RECON_USER)")
    password = os.environ.get("RECON_PASSWORD")
    if password is None:
        password = getpass.getpass(f"password for {name}: ")
    return Users.load().authenticate(name, password)


def _workflow(args: argparse.Namespace) -> Any:
    from recon_pipeline.lib.workflow.service import Workflow

    return Workflow(_out(args))


def _guard(name: str, action: Callable[[argparse.Namespace], int]) -> Callable[
        [argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return action(args)
        except WorkflowError as exc:
            print(f"recon {name}: {exc}", file=sys.stderr)
            return 1
    return run


def _said(events: list[Any]) -> int:
    for e in events:
        change = f" {e.before} -> {e.after}" if e.before is not None or e.after is not None else ""
        print(f"#{e.seq} {e.at} {e.who} {e.action} {e.target}{change}")
    return 0


# -- exceptions ------------------------------------------------------------------------------
def _list(args: argparse.Namespace) -> int:
    from recon_pipeline.lib.workflow.service import money

    wf = _workflow(args)
    rows = wf.queue(args.cycle)
    picks = {"status": args.status, "owner": args.owner, "recon": args.recon,
             "category": args.category, "entity": args.entity}
    chosen = []
    for r in rows:
        values = {"status": r.status, "owner": r.item.owner or "", "recon": r.finding.recon,
                  "category": r.finding.category, "entity": r.finding.legal_entity or ""}
        if all(want is None or values[key] == want for key, want in picks.items()):
            chosen.append(r)
    if args.json:
        print(json.dumps([_row_json(r) for r in chosen], indent=2))
        return 0
    print(f"{'exception_id':<17} {'status':<13} {'owner':<10} {'due':<10} {'at stake':>14} "
          f"{'block':<5} category")
    for r in chosen:
        f = r.finding
        print(f"{f.exception_id:<17} {r.status:<13} {(r.item.owner or '-'):<10} "
              f"{r.due.isoformat():<10} {money(f.amount_at_stake):>14} "
              f"{'yes' if f.blocking else '':<5} {f.category}"
              f"{'  (' + r.note + ')' if r.note else ''}")
    print(f"{len(chosen)} of {len(rows)} exceptions of {args.cycle}")
    return 0


def _row_json(r: Any) -> dict[str, Any]:
    waiver = r.item.waiver
    return {"exception_id": r.finding.exception_id, "cycle": r.finding.cycle,
            "recon": r.finding.recon, "category": r.finding.category,
            "legal_entity": r.finding.legal_entity, "status": r.status,
            "owner": r.item.owner, "due": r.due.isoformat(),
            "amount_at_stake": str(r.finding.amount_at_stake), "blocking": r.finding.blocking,
            "age_days": r.finding.age_days, "note": r.note,
            "waiver": None if waiver is None else {
                "state": waiver.state, "reason_code": waiver.reason_code, "text": waiver.text,
                "expiry_cycle": waiver.expiry_cycle, "preparer": waiver.preparer,
                "approver": waiver.approver, "comment": waiver.comment}}


def _show(args: argparse.Namespace) -> int:
    item = _workflow(args).state().item(args.exception_id)
    print(f"{item.exception_id}: {item.status}, owner {item.owner or '-'}")
    for e in item.history:
        detail = ", ".join(f"{k}={v}" for k, v in e.data.items())
        print(f"  #{e.seq} {e.at} {e.who} {e.action} {e.before} -> {e.after} {detail}".rstrip())
    return 0


def _verify(args: argparse.Namespace) -> int:
    read = _workflow(args).log.verify()
    torn = f"; a torn last line of {len(read.torn)} bytes is ignored" if read.torn else ""
    print(f"event log verified: {len(read.events)} events, head {read.head}{torn}")
    return 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser],
                 add: Add) -> None:
    """Register ``exceptions``, ``close`` and ``users`` on the ``recon`` parser."""
    exc = add(commands, "exceptions", lambda a: 2, "the exception queue: triage and waivers")
    sub = exc.add_subparsers(title="actions", required=True, metavar="ACTION")

    def action(name: str, run: Callable[[argparse.Namespace], int], text: str,
               acting: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text, description=text)
        p.set_defaults(command=_guard(f"exceptions {name}", run), name=f"exceptions {name}")
        p.add_argument("--out", metavar="DIR", help="output directory (or RECON_OUT_DIR)")
        if acting:
            p.add_argument("--user", metavar="NAME", help="who acts (or RECON_USER)")
        return p

    p = action("list", _list, "a cycle's exceptions, largest amount at stake first", False)
    p.add_argument("--cycle", required=True, metavar="YYYY-MM")
    for key in ("status", "owner", "recon", "category", "entity"):
        p.add_argument(f"--{key}", help=f"only this {key}")
    p.add_argument("--json", action="store_true", help="as JSON")
    p = action("show", _show, "one exception and its history", False)
    p.add_argument("exception_id")
    action("verify", _verify, "verify the event log's hash chain", False)

    def act(name: str, text: str, fields: list[str],
            call: Callable[[Any, User, argparse.Namespace], list[Any]],
            options: dict[str, str] | None = None) -> None:
        p = action(name, lambda a: _said(call(_workflow(a), _user(a), a)), text)
        for f in fields:
            p.add_argument(f)
        for option, helptext in (options or {}).items():
            p.add_argument(f"--{option}", required=True, help=helptext)

    act("assign", "give an exception an owner", ["exception_id", "owner"],
        lambda wf, u, a: wf.assign(u, a.exception_id, a.owner))
    act("status", "set open / assigned / investigating / resolved", ["exception_id", "status"],
        lambda wf, u, a: wf.set_status(u, a.exception_id, a.status))
    act("comment", "comment on an exception", ["exception_id", "text"],
        lambda wf, u, a: wf.comment(u, a.exception_id, a.text))
    act("attach", "attach evidence: a file (copied) or an http(s) link",
        ["exception_id", "evidence"], lambda wf, u, a: wf.attach(u, a.exception_id, a.evidence))
    act("waive", "ask for a waiver (someone else approves it)", ["exception_id"],
        lambda wf, u, a: wf.waive(u, a.cycle, a.exception_id, a.reason, a.text, a.expires),
        {"cycle": "the cycle of the finding", "reason": "reason code (config/workflow.yml)",
         "text": "why, in words", "expires": "last cycle the waiver holds (YYYY-MM)"})
    act("approve", "approve a pending waiver (not your own)", ["exception_id"],
        lambda wf, u, a: wf.approve(u, a.exception_id))
    act("reject", "send a pending waiver back with a comment", ["exception_id"],
        lambda wf, u, a: wf.reject(u, a.exception_id, a.comment),
        {"comment": "what the preparer should do"})

    close = add(commands, "close", lambda a: 2, "submit, sign off, verify and reopen a cycle")
    csub = close.add_subparsers(title="actions", required=True, metavar="ACTION")

    def close_action(name: str, run: Callable[[argparse.Namespace], int], text: str,
                     acting: bool = True) -> argparse.ArgumentParser:
        p = csub.add_parser(name, help=text, description=text)
        p.set_defaults(command=_guard(f"close {name}", run), name=f"close {name}")
        p.add_argument("--out", metavar="DIR", help="output directory (or RECON_OUT_DIR)")
        if name != "status":
            p.add_argument("--cycle", required=True, metavar="YYYY-MM")
        if acting:
            p.add_argument("--user", metavar="NAME", help="who acts (or RECON_USER)")
        return p

    close_action("status", _close_status, "the close status of every cycle", False)
    close_action("submit", lambda a: _said(_workflow(a).submit(_user(a), a.cycle)),
                 "submit a cycle whose gate passes (with its waivers) for sign-off")
    p = close_action("signoff", _signoff, "sign a submitted cycle off and freeze its package")
    p = close_action("reopen", lambda a: _said(_workflow(a).reopen(_user(a), a.cycle, a.reason)),
                     "reopen a signed cycle (an approver, with a reason)")
    p.add_argument("--reason", required=True)
    p = close_action("adjust", lambda a: _said(_workflow(a).adjust(_user(a), a.cycle, a.into)),
                     "carry a restated cycle's changes into an open cycle as an out-of-period "
                     "adjustment (an approver); the signed cycle stays as signed")
    p.add_argument("--into", required=True, metavar="YYYY-MM")
    p = close_action("verify", _close_verify,
                     "re-run a signed package's inputs and compare the findings", False)
    p.add_argument("--package", metavar="DIR", help="package folder (default: the latest)")
    p.add_argument("--no-rerun", action="store_true",
                   help="check the package's files and inputs only, without a re-run")

    web = add(commands, "web", _guard("web", _web),
              "the close workflow in a browser (queue, exceptions, waivers, sign-off)")
    web.add_argument("--out", metavar="DIR", help="output directory (or RECON_OUT_DIR)")
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=8901)
    web.add_argument("--insecure-cookies", action="store_true",
                     help="session cookie without Secure, for plain HTTP beyond localhost")

    users = add(commands, "users", lambda a: 2, "users of the close workflow")
    usub = users.add_subparsers(title="actions", required=True, metavar="ACTION")
    p = usub.add_parser("hash", help="print the scrypt hash of a password for the users file",
                        description="Reads the password from stdin (or a prompt); prints "
                        "its scrypt hash, never the password.")
    p.set_defaults(command=_guard("users hash", _hash), name="users hash")


def _close_status(args: argparse.Namespace) -> int:
    wf = _workflow(args)
    state = wf.state()
    for cycle in sorted(set(wf.cycles()) | set(state.closes)):
        close = state.close(cycle)
        who = ", ".join(x for x in (
            f"submitted by {close.submitted_by}" if close.submitted_by else "",
            f"signed by {close.signed_by} at {close.signed_at}" if close.signed_by else "") if x)
        print(f"{cycle}: {close.status}{'  (' + who + ')' if who else ''}")
    return 0


def _signoff(args: argparse.Namespace) -> int:
    from recon_pipeline.lib.workflow.package import freeze_for

    wf = _workflow(args)
    return _said(wf.signoff(_user(args), args.cycle, freeze_for(wf, args.cycle)))


def _close_verify(args: argparse.Namespace) -> int:
    from recon_pipeline.lib.workflow.package import verify_package

    report = verify_package(_out(args), args.cycle,
                            Path(args.package) if args.package else None,
                            rerun=None if args.no_rerun else _rerun)
    for line in report.lines:
        print(line)
    return 0 if report.ok else 1


def _web(args: argparse.Namespace) -> int:
    import uvicorn

    from recon_pipeline.lib.workflow.web import create_app

    app = create_app(_out(args), secure_cookies=not args.insecure_cookies)
    print(f"recon web: http://{args.host}:{args.port}/ (users from $RECON_USERS_FILE)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def _rerun(sources: Path, cycle: str, scratch: Path) -> Path:
    """Run ``cycle`` on ``sources`` into ``scratch`` (its own Dagster instance): mismatches."""
    from recon_pipeline import cli

    overrides = {"sources_dir": str(sources), "out_dir": str(scratch / "out"), "erp_url": None}
    settings = cli._preflight(overrides)
    cli._configure_code_location(settings)
    home = scratch / "dagster_home"
    home.mkdir()
    before = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        if cli._run_cycles([cycle], overrides, settings, verbose=False) != 0:
            raise WorkflowError(f"the re-run of {cycle} failed")
    finally:
        if before is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = before
    return settings.out_dir / "reports" / cycle / "mismatches.parquet"


def _hash(args: argparse.Namespace) -> int:
    del args
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise WorkflowError("an empty password cannot be hashed")
    print(hash_password(password))
    return 0
