"""Expectation suites as files: ``expectations/<asset>.json``, Great Expectations 1.x JSON.

Read here as plain JSON (no Great Expectations import: the code location loads these to declare
its asset checks, and importing GX takes seconds). One suite per asset, named after it with dots
(``raw.billing.invoices`` checks ``raw/billing/invoices``). Each expectation carries

- ``meta.check``: the name of its Dagster asset check (unique in the suite; derived from the
  expectation type and column when missing),
- ``severity`` (GX's own field): ``critical`` expectations are *blocking*: when one fails, the
  cycle's report is written but not final; ``warning`` and ``info`` ones are reported only,
- ``kwargs``: thresholds live here (``min_value``, ``max_value``, ``mostly``, ``value_set``), so
  a finance data owner changes them without touching Python. ``{"$PARAMETER": name}`` values are
  filled at run time (see ``validate.run_parameters``).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Where the suites live unless RECON_EXPECTATIONS_DIR says otherwise.
DEFAULT_EXPECTATIONS_DIR = Path(__file__).resolve().parents[3] / "expectations"
ENV_EXPECTATIONS_DIR = "RECON_EXPECTATIONS_DIR"

SEVERITIES = ("critical", "warning", "info")
_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


class SuiteError(ValueError):
    """A suite file that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class ExpectationDef:
    """One expectation of a suite, as the file states it."""

    check: str  # the Dagster asset check's name
    type: str
    kwargs: dict[str, Any]
    severity: str
    description: str

    @property
    def blocking(self) -> bool:
        return self.severity == "critical"

    @property
    def column(self) -> str | None:
        column = self.kwargs.get("column")
        return str(column) if column is not None else None


@dataclass(frozen=True)
class SuiteDef:
    """A suite file: its name, the asset it checks, its expectations and its raw JSON."""

    name: str
    path: Path
    expectations: tuple[ExpectationDef, ...]
    document: dict[str, Any]

    @property
    def asset_path(self) -> list[str]:
        """The checked asset's key as a path, e.g. ``["raw", "billing", "invoices"]``."""
        return self.name.split(".")

    @property
    def asset(self) -> str:
        """The checked asset's key as text, e.g. ``raw/billing/invoices``."""
        return "/".join(self.asset_path)


def expectations_dir(environ: dict[str, str] | None = None) -> Path:
    """The suites folder: $RECON_EXPECTATIONS_DIR, else the project's ``expectations/``."""
    env = os.environ if environ is None else environ
    return Path(env.get(ENV_EXPECTATIONS_DIR) or DEFAULT_EXPECTATIONS_DIR)


def load_suites(folder: Path | None = None) -> list[SuiteDef]:
    """Every ``*.json`` suite of ``folder`` (default: ``expectations_dir()``), by name."""
    folder = expectations_dir() if folder is None else Path(folder)
    if not folder.is_dir():
        raise SuiteError(f"expectations folder {folder} not found (set {ENV_EXPECTATIONS_DIR})")
    return [load_suite(path) for path in sorted(folder.glob("*.json"))]


def load_suite(path: Path) -> SuiteDef:
    """One suite file, checked: a name matching the file, expectations with a type."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SuiteError(f"{path}: not a readable JSON suite ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("expectations"), list):
        raise SuiteError(f"{path}: a suite is an object with a list 'expectations'")
    name = document.get("name")
    if name != path.stem or not _NAME.match(str(name)):
        raise SuiteError(f"{path}: 'name' must be the file's name ({path.stem!r}), the checked "
                         "asset's key joined with dots, e.g. raw.billing.invoices")
    expectations: list[ExpectationDef] = []
    seen: set[str] = set()
    for i, item in enumerate(document["expectations"]):
        where = f"{path}: expectation {i + 1}"
        if not isinstance(item, dict) or not str(item.get("type", "")).startswith("expect_"):
            raise SuiteError(f"{where}: needs a 'type' such as expect_column_values_to_be_unique")
        kwargs = item.get("kwargs") or {}
        meta = item.get("meta") or {}
        severity = str(item.get("severity", "critical")).lower()
        if severity not in SEVERITIES:
            raise SuiteError(f"{where}: severity {severity!r} is not one of {SEVERITIES}")
        check = str(meta.get("check") or _default_check(item["type"], kwargs))
        if not re.match(r"^[A-Za-z0-9_]+$", check):
            raise SuiteError(f"{where}: check name {check!r} may hold letters, digits and _")
        if check in seen:
            raise SuiteError(f"{where}: check name {check!r} is used twice in the suite")
        seen.add(check)
        expectations.append(ExpectationDef(
            check=check, type=item["type"], kwargs=dict(kwargs), severity=severity,
            description=str(meta.get("description") or check.replace("_", " "))))
    return SuiteDef(name=str(name), path=path, expectations=tuple(expectations),
                    document=document)


def _default_check(kind: str, kwargs: dict[str, Any]) -> str:
    stem = kind.removeprefix("expect_")
    column = kwargs.get("column") or "_".join(kwargs.get("column_list", []))
    return f"{column}__{stem}" if column else stem
