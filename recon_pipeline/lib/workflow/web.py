"""The close workflow in a browser: ``recon web`` (Starlette, Jinja2, no front-end build).

Pages: the close status of every cycle, a cycle's exception queue (filtered by recon,
category, entity, owner, status, due date and age; sorted by amount at stake), one exception
with its history, source row, comments and evidence, and a form per action. Every action goes
through ``service.Workflow``, which checks the user's role on the server; the page only hides
what a role cannot do.

Sessions live on the server (a random id in an HttpOnly, SameSite=Strict, Secure cookie);
every POST carries the session's CSRF token, compared in constant time. Users and roles come
from ``$RECON_USERS_FILE`` (scrypt hashes).
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from recon_pipeline.lib.workflow.log import WorkflowError
from recon_pipeline.lib.workflow.service import Workflow, money
from recon_pipeline.lib.workflow.users import User, Users

COOKIE = "recon_session"
SESSION_SECONDS = 8 * 3600
FILTERS = ("recon", "category", "entity", "owner", "status")
SORTS = {"amount": lambda r: (-r.finding.amount_at_stake, r.finding.exception_id),
         "due": lambda r: (r.due, -r.finding.amount_at_stake),
         "age": lambda r: (-r.finding.age_days, -r.finding.amount_at_stake)}


@dataclass
class Session:
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    user: User | None = None
    flash: str = ""
    expires: float = field(default_factory=lambda: time.time() + SESSION_SECONDS)


class WebApp:
    """The ASGI app over one OUT directory; ``secure_cookies`` False only behind plain HTTP."""

    def __init__(self, out: Path, users: Users, *, secure_cookies: bool = True) -> None:
        self.workflow = Workflow(out)
        self.users = users
        self.secure = secure_cookies
        self.sessions: dict[str, Session] = {}
        self.env = Environment(loader=PackageLoader("recon_pipeline.lib.workflow", "templates"),
                               autoescape=select_autoescape(["html"]))
        self.env.filters["money"] = money
        self.app = Starlette(routes=[
            Route("/", self.home), Route("/login", self.login, methods=["GET", "POST"]),
            Route("/logout", self.logout, methods=["POST"]),
            Route("/closes", self.closes),
            Route("/closes/{cycle}/{action}", self.close_action, methods=["POST"]),
            Route("/cycles/{cycle}", self.queue),
            Route("/cycles/{cycle}/exceptions/{eid}", self.detail),
            Route("/cycles/{cycle}/exceptions/{eid}/{action}", self.exception_action,
                  methods=["POST"]),
        ])

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    # -- sessions ----------------------------------------------------------------------------
    def _session(self, request: Request) -> tuple[str, Session]:
        sid = request.cookies.get(COOKIE, "")
        session = self.sessions.get(sid)
        if session is None or session.expires < time.time():
            self.sessions.pop(sid, None)
            sid, session = secrets.token_urlsafe(32), Session()
            self.sessions[sid] = session
        return sid, session

    def _respond(self, response: Response, sid: str) -> Response:
        response.set_cookie(COOKIE, sid, max_age=SESSION_SECONDS, httponly=True,
                            secure=self.secure, samesite="strict", path="/")
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'")
        return response

    def _page(self, sid: str, session: Session, template: str, status: int = 200,
              **context: Any) -> Response:
        flash, session.flash = session.flash, ""
        html = self.env.get_template(template).render(
            user=session.user, csrf=session.csrf, flash=flash, **context)
        return self._respond(HTMLResponse(html, status_code=status), sid)

    def _redirect(self, sid: str, to: str) -> Response:
        return self._respond(RedirectResponse(to, status_code=303), sid)

    async def _form(self, request: Request, session: Session) -> dict[str, str] | None:
        """The POSTed form if its CSRF token is the session's, else None."""
        body = (await request.body()).decode("utf-8", errors="replace")
        form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        if not hmac.compare_digest(form.get("csrf", ""), session.csrf):
            return None
        return form

    # -- pages -------------------------------------------------------------------------------
    async def home(self, request: Request) -> Response:
        sid, _ = self._session(request)
        return self._redirect(sid, "/closes")

    async def login(self, request: Request) -> Response:
        sid, session = self._session(request)
        if request.method == "GET":
            return self._page(sid, session, "login.html")
        form = await self._form(request, session)
        if form is None:
            return self._page(sid, session, "login.html", 403, error="expired form: try again")
        try:
            user = self.users.authenticate(form.get("user", ""), form.get("password", ""))
        except WorkflowError as exc:
            return self._page(sid, session, "login.html", 401, error=str(exc))
        self.sessions.pop(sid, None)  # a fresh session id and token after login
        sid, session = secrets.token_urlsafe(32), Session(user=user)
        self.sessions[sid] = session
        return self._redirect(sid, "/closes")

    async def logout(self, request: Request) -> Response:
        sid, session = self._session(request)
        if await self._form(request, session) is not None:
            self.sessions.pop(sid, None)
            sid, session = secrets.token_urlsafe(32), Session()
            self.sessions[sid] = session
        return self._redirect(sid, "/login")

    def _who(self, request: Request) -> tuple[str, Session, Response | None]:
        sid, session = self._session(request)
        if session.user is None:
            return sid, session, self._redirect(sid, "/login")
        return sid, session, None

    async def closes(self, request: Request) -> Response:
        sid, session, away = self._who(request)
        if away:
            return away
        wf = self.workflow
        state = wf.state()
        rows = []
        for cycle in sorted(set(wf.cycles()) | set(state.closes), reverse=True):
            close = state.close(cycle)
            queue = wf.queue(cycle, state)
            rows.append({"cycle": cycle, "close": close, "findings": len(queue),
                         "blocking": sum(r.finding.blocking and r.status != "waived"
                                         for r in queue),
                         "waived": sum(r.status == "waived" for r in queue)})
        return self._page(sid, session, "closes.html", rows=rows)

    async def queue(self, request: Request) -> Response:
        sid, session, away = self._who(request)
        if away:
            return away
        cycle = request.path_params["cycle"]
        try:
            rows = self.workflow.queue(cycle)
        except WorkflowError as exc:
            return self._page(sid, session, "error.html", 404, error=str(exc))
        q = request.query_params
        picks = {k: q.get(k) for k in FILTERS if q.get(k)}
        due_by = q.get("due_by") or ""
        min_age = int(q["min_age"]) if (q.get("min_age") or "").isdigit() else None

        def keep(r: Any) -> bool:
            values = {"recon": r.finding.recon, "category": r.finding.category,
                      "entity": r.finding.legal_entity or "", "owner": r.item.owner or "",
                      "status": r.status}
            if any(values[k] != v for k, v in picks.items()):
                return False
            if due_by and r.due > date.fromisoformat(due_by):
                return False
            return min_age is None or r.finding.age_days >= min_age
        sort = q.get("sort") or "amount"
        sort = sort if sort in SORTS else "amount"
        shown = sorted((r for r in rows if keep(r)), key=SORTS[sort])
        options = {k: sorted({v for v in (
            {"recon": r.finding.recon, "category": r.finding.category,
             "entity": r.finding.legal_entity or "", "owner": r.item.owner or "",
             "status": r.status}[k] for r in rows) if v}) for k in FILTERS}
        return self._page(sid, session, "queue.html", cycle=cycle, rows=shown, total=len(rows),
                          options=options, picks=picks, sort=sort, due_by=due_by,
                          min_age=q.get("min_age") or "",
                          close=self.workflow.state().close(cycle))

    async def detail(self, request: Request) -> Response:
        sid, session, away = self._who(request)
        if away:
            return away
        cycle, eid = request.path_params["cycle"], request.path_params["eid"]
        try:
            queue = self.workflow.queue(cycle)
        except WorkflowError as exc:
            return self._page(sid, session, "error.html", 404, error=str(exc))
        row = next((r for r in queue if r.finding.exception_id == eid), None)
        if row is None:
            return self._page(sid, session, "error.html", 404,
                              error=f"{eid} is not a finding of {cycle}")
        return self._page(sid, session, "exception.html", cycle=cycle, row=row,
                          reasons=self.workflow.config.waiver_reasons,
                          source=[(k, v) for k, v in row.finding.row.items()])

    # -- actions -----------------------------------------------------------------------------
    async def exception_action(self, request: Request) -> Response:
        cycle, eid = request.path_params["cycle"], request.path_params["eid"]
        action = request.path_params["action"]
        back = f"/cycles/{quote(cycle)}/exceptions/{quote(eid)}"
        return await self._act(request, back, lambda wf, user, f: {
            "assign": lambda: wf.assign(user, eid, f.get("owner", "")),
            "status": lambda: wf.set_status(user, eid, f.get("status", "")),
            "comment": lambda: wf.comment(user, eid, f.get("text", "")),
            "attach": lambda: wf.attach(user, eid, f.get("link", "")) if f.get(
                "link", "").startswith(("http://", "https://")) else _refuse(
                "evidence from the page is an http(s) link; attach files with "
                "`recon exceptions attach`"),
            "waive": lambda: wf.waive(user, cycle, eid, f.get("reason", ""), f.get("text", ""),
                                      f.get("expires", "")),
            "approve": lambda: wf.approve(user, eid),
            "reject": lambda: wf.reject(user, eid, f.get("comment", "")),
        }.get(action, lambda: _refuse(f"unknown action {action}"))())

    async def close_action(self, request: Request) -> Response:
        from recon_pipeline.lib.workflow.package import freeze_for

        cycle, action = request.path_params["cycle"], request.path_params["action"]
        return await self._act(request, "/closes", lambda wf, user, f: {
            "submit": lambda: wf.submit(user, cycle),
            "signoff": lambda: wf.signoff(user, cycle, freeze_for(wf, cycle)),
            "reopen": lambda: wf.reopen(user, cycle, f.get("reason", "")),
            "adjust": lambda: wf.adjust(user, cycle, f.get("into", "")),
        }.get(action, lambda: _refuse(f"unknown action {action}"))())

    async def _act(self, request: Request, back: str, run: Any) -> Response:
        sid, session, away = self._who(request)
        if away:
            return away
        form = await self._form(request, session)
        if form is None:
            return self._page(sid, session, "error.html", 403,
                              error="the form's security token does not match: reload the page")
        assert session.user is not None
        try:
            events = run(self.workflow, session.user, form)
        except WorkflowError as exc:
            session.flash = f"refused: {exc}"
            return self._redirect(sid, back)
        session.flash = "; ".join(f"{e.action} recorded (#{e.seq})" for e in events)
        return self._redirect(sid, back)


def _refuse(message: str) -> Any:
    raise WorkflowError(message)


def create_app(out: Path, users: Users | None = None, *, secure_cookies: bool = True) -> WebApp:
    """The web app over ``out`` with the users of ``$RECON_USERS_FILE`` (or ``users``)."""
    return WebApp(Path(out), users or Users.load(), secure_cookies=secure_cookies)
