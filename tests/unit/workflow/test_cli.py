"""``recon exceptions|close|users`` through the real parser, users file and event log."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from recon_pipeline.cli import main
from recon_pipeline.lib.workflow.users import check_password, hash_password
from tests.unit.workflow.conftest import CYCLE, LARGE, SMALL

PASSWORDS = {"pat": "pat-secret", "quinn": "quinn-secret", "val": "val-secret",
             "alex": "alex-secret"}
ROLES = {"pat": "preparer", "quinn": "preparer", "val": "viewer", "alex": "approver"}


@pytest.fixture
def users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    lines = ["users:"] + [f'  {n}: {{role: {ROLES[n]}, password: "{hash_password(p)}"}}'
                          for n, p in PASSWORDS.items()]
    path = tmp_path / "users.yml"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("RECON_USERS_FILE", str(path))
    return path


def recon(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], user: str | None,
          *argv: str, password: str | None = None) -> tuple[int, str, str]:
    if user is not None:
        monkeypatch.setenv("RECON_PASSWORD", password or PASSWORDS[user])
        argv = (*argv, "--user", user)
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_users_hash_reads_stdin_and_never_prints_the_password(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse\n"))
    assert main(["users", "hash"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed.startswith("scrypt$") and "correct horse" not in printed
    assert check_password("correct horse", printed) and not check_password("wrong", printed)


def test_exceptions_flow_from_the_command_line(
        out: Path, users: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    del users
    o = ("--out", str(out))
    code, text, err = recon(monkeypatch, capsys, "pat", "exceptions", "assign", SMALL, "pat", *o,
                            password="wrong")
    assert code == 1 and err.strip() == "recon exceptions assign: unknown user or wrong password"
    code, text, err = recon(monkeypatch, capsys, "val", "exceptions", "comment", SMALL, "hi", *o)
    assert code == 1 and "val is a viewer" in err
    assert recon(monkeypatch, capsys, "pat", "exceptions", "assign", SMALL, "pat", *o)[0] == 0
    assert recon(monkeypatch, capsys, "pat", "exceptions", "comment", SMALL, "ERP lag", *o)[0] == 0
    waive = ("exceptions", "waive", SMALL, "--cycle", CYCLE, "--reason", "timing",
             "--text", "posted on the 2nd", "--expires", "2026-10", *o)
    assert recon(monkeypatch, capsys, "pat", *waive)[0] == 0
    code, _, err = recon(monkeypatch, capsys, "pat", "exceptions", "approve", SMALL, *o)
    assert code == 1 and "four eyes" in err
    code, text, _ = recon(monkeypatch, capsys, "alex", "exceptions", "reject", SMALL,
                          "--comment", "attach the batch log", *o)
    assert code == 0 and "reject" in text and "pending -> rejected" in text
    assert recon(monkeypatch, capsys, "pat", *waive)[0] == 0
    assert recon(monkeypatch, capsys, "quinn", "exceptions", "approve", SMALL, *o)[0] == 0

    code, text, _ = recon(monkeypatch, capsys, None, "exceptions", "list", "--cycle", CYCLE,
                          "--json", *o)
    rows = {r["exception_id"]: r for r in json.loads(text)}
    assert rows[SMALL]["status"] == "waived" and rows[SMALL]["owner"] == "pat"
    assert rows[SMALL]["waiver"]["approver"] == "quinn"
    assert rows[LARGE]["status"] == "open" and rows[LARGE]["blocking"] is True
    code, text, _ = recon(monkeypatch, capsys, None, "exceptions", "list", "--cycle", CYCLE,
                          "--status", "waived", *o)
    assert code == 0 and SMALL in text and LARGE not in text and "1 of 3" in text
    code, text, _ = recon(monkeypatch, capsys, None, "exceptions", "verify", *o)
    assert code == 0 and "event log verified: 6 events" in text
    code, text, _ = recon(monkeypatch, capsys, None, "exceptions", "show", SMALL, *o)
    assert "approve pending -> approved" in text
    code, _, err = recon(monkeypatch, capsys, "pat", "close", "submit", "--cycle", CYCLE, *o)
    assert code == 1 and f"{LARGE} (payment_amount_mismatch) is blocking and not waived" in err


def test_workflow_commands_take_out_as_a_url(
        out: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """With OUT a URL (docs/outputs.md, "Object storage") the ledger is in its work folder."""
    monkeypatch.setenv("RECON_WORK_DIR", str(out))
    args = ("exceptions", "list", "--cycle", CYCLE, "--json")
    by_folder = recon(monkeypatch, capsys, None, *args, "--out", str(out))
    by_url = recon(monkeypatch, capsys, None, *args, "--out", "memory://bucket/recon")
    assert by_url == by_folder and by_url[0] == 0 and SMALL in by_url[1]
    code, _, err = recon(monkeypatch, capsys, None, *args, "--out", "nosuchfs://bucket/recon")
    assert code != 0 and "Protocol not known: nosuchfs" in err and len(err.splitlines()) == 1
