"""Users and roles of the close workflow, from the file ``$RECON_USERS_FILE`` names.

The file (YAML) maps each user to a role and an scrypt hash of the password, as
``recon users hash`` prints it::

    users:
      alice: {role: preparer, password: "scrypt$16384$8$1$<salt>$<hash>"}

Roles, each able to do what the one before can: ``viewer`` (reads), ``preparer`` (assigns,
comments, asks for waivers, submits a close), ``approver`` (approves waivers above the
threshold, signs a close off, reopens one), ``admin``. Passwords are never stored or printed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import yaml  # type: ignore[import-untyped]

from recon_pipeline.lib.workflow.log import WorkflowError

ENV_USERS_FILE = "RECON_USERS_FILE"
ROLES = ("viewer", "preparer", "approver", "admin")
_N, _R, _P = 2**14, 8, 1


@dataclass(frozen=True)
class User:
    name: str
    role: str

    def at_least(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


#: The pipeline itself, for the events it records (a waiver lapsing, a restatement).
SYSTEM = User("recon", "admin")


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64) of ``password`` with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "$".join(["scrypt", str(_N), str(_R), str(_P),
                     base64.b64encode(salt).decode(), base64.b64encode(digest).decode()])


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a ``hash_password`` string (constant-time compare)."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt),
                                n=int(n), r=int(r), p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True)
class Users:
    """The users file: name -> (role, password hash)."""

    entries: dict[str, tuple[str, str]]

    @classmethod
    def load(cls, path: Path | None = None) -> Users:
        if path is None:
            named = os.environ.get(ENV_USERS_FILE)
            if not named:
                raise WorkflowError(f"set {ENV_USERS_FILE} to the users file (YAML of "
                                    "name: {role, password}; `recon users hash` makes a hash)")
            path = Path(named)
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise WorkflowError(f"cannot read the users file {path}: {exc.strerror}") from None
        entries: dict[str, tuple[str, str]] = {}
        for name, item in (data.get("users") or {}).items():
            role = str((item or {}).get("role", ""))
            if role not in ROLES:
                raise WorkflowError(f"{path}: user {name} has role {role!r}, not one of "
                                    f"{', '.join(ROLES)}")
            entries[str(name)] = (role, str(item.get("password", "")))
        return cls(entries)

    def authenticate(self, name: str, password: str) -> User:
        """The user, if the password is theirs; WorkflowError (the same for both causes) if not."""
        role, stored = self.entries.get(name, ("viewer", hash_password("")))
        if not check_password(password, stored) or name not in self.entries:
            raise WorkflowError("unknown user or wrong password")
        return User(name, role)
