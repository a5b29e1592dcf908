"""recon web over real sockets (uvicorn on a free port): sessions, CSRF, server-side roles."""

from __future__ import annotations

import http.client
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import uvicorn

from recon_pipeline.lib.workflow.log import EventLog
from recon_pipeline.lib.workflow.users import Users, hash_password
from recon_pipeline.lib.workflow.web import create_app
from tests.unit.workflow.conftest import CYCLE, SMALL

PASSWORDS = {"pat": "pat-pw", "quinn": "quinn-pw", "val": "val-pw"}
ROLES = {"pat": "preparer", "quinn": "preparer", "val": "viewer"}


@pytest.fixture
def server(out: Path, tmp_path: Path) -> Iterator[int]:
    users = tmp_path / "users.yml"
    users.write_text("users:\n" + "".join(
        f'  {n}: {{role: {ROLES[n]}, password: "{hash_password(p)}"}}\n'
        for n, p in PASSWORDS.items()))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(out, Users.load(users)), host="127.0.0.1",
                                        port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield port
    srv.should_exit = True
    thread.join(10)


class Client:
    """A browser's worth of cookie handling (the session cookie is Secure: we keep it by hand)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""
        self.set_cookie = ""

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                ) -> tuple[int, dict[str, str], str]:
        con = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = urlencode(form) if form is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        con.request(method, path, body=body, headers=headers)
        response = con.getresponse()
        text = response.read().decode()
        got = response.getheader("set-cookie") or ""
        if got:
            self.set_cookie = got
            self.cookie = got.split(";")[0]
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    def csrf(self, path: str = "/login") -> str:
        _, _, text = self.request("GET", path)
        match = re.search(r'name="csrf" value="([^"]+)"', text)
        assert match
        return match.group(1)

    def login(self, name: str, password: str | None = None) -> int:
        token = self.csrf()
        status, _, _ = self.request("POST", "/login", {
            "csrf": token, "user": name, "password": password or PASSWORDS[name]})
        return status


def test_sessions_csrf_and_roles(server: int, out: Path) -> None:
    anon = Client(server)
    status, headers, _ = anon.request("GET", "/closes")
    assert status == 303 and headers["location"] == "/login"
    cookie = anon.set_cookie.lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie

    pat = Client(server)
    assert pat.login("pat", "wrong") == 401
    before = pat.cookie
    assert pat.login("pat") == 303
    assert pat.cookie != before  # a fresh session id after login
    status, _, text = pat.request("GET", f"/cycles/{CYCLE}")
    assert status == 200 and SMALL in text

    action = f"/cycles/{CYCLE}/exceptions/{SMALL}"
    # No token, or another session's token: refused before anything is recorded.
    assert pat.request("POST", f"{action}/comment", {"text": "x"})[0] == 403
    val = Client(server)
    val.login("val")
    assert pat.request("POST", f"{action}/comment",
                       {"csrf": val.csrf(action), "text": "x"})[0] == 403
    # A viewer with a valid token is refused by the server, not just by the page.
    status, _, _ = val.request("POST", f"{action}/assign", {"csrf": val.csrf(action),
                                                            "owner": "val"})
    assert status == 303
    assert "refused: val is a viewer" in val.request("GET", action)[2]
    assert EventLog(out).read().events == []

    token = pat.csrf(action)
    pat.request("POST", f"{action}/comment", {"csrf": token, "text": "<script>x()</script>"})
    pat.request("POST", f"{action}/waive", {"csrf": token, "reason": "timing",
                                             "text": "next period", "expires": CYCLE})
    pat.request("POST", f"{action}/approve", {"csrf": token})
    page = pat.request("GET", action)[2]
    assert "four eyes" in page and "&lt;script&gt;x()&lt;/script&gt;" in page
    assert "<script>x()" not in page
    quinn = Client(server)
    quinn.login("quinn")
    quinn.request("POST", f"{action}/approve", {"csrf": quinn.csrf(action)})
    status, _, text = quinn.request("GET", f"/cycles/{CYCLE}?status=waived")
    assert status == 200 and SMALL in text and "1 of 3 exceptions" in text
    assert [e.action for e in EventLog(out).read().events] == ["comment", "waive", "approve"]

    # Logging out ends the session on the server.
    quinn.request("POST", "/logout", {"csrf": quinn.csrf("/closes")})
    assert quinn.request("GET", "/closes")[0] == 303
