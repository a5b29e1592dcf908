"""docs/ keeps up with the code: every category, output column, summary key, command and
setting the code knows is documented for users, and every link of the README and docs/ resolves
inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

from recon_pipeline.cli import _parser
from recon_pipeline.lib.config import KEYS
from recon_pipeline.lib.contract import MISMATCH_COLUMNS, QUARANTINE_COLUMNS, SUMMARY_KEYS
from recon_pipeline.lib.reports.schema import CATEGORIES

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _text(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_every_category_is_explained() -> None:
    findings = _text("findings.md")
    for recon, categories in CATEGORIES.items():
        assert f"(`{recon}`)" in findings, recon
        for category in categories:
            assert f"| `{category}`" in findings, category


def test_every_output_column_and_summary_key_is_described() -> None:
    outputs = _text("outputs.md")
    for name in (*MISMATCH_COLUMNS, *QUARANTINE_COLUMNS, *SUMMARY_KEYS):
        assert f"`{name}`" in outputs, name


def test_every_command_and_setting_is_described() -> None:
    commands = _text("commands.md")
    subcommands = next(a for a in _parser()._actions if a.dest == "command" or a.choices)
    assert subcommands.choices
    for name in subcommands.choices:
        assert f"`recon {name}" in commands, name
    for key in ("first_cycle", "reporting_currency"):
        assert key in commands and key in KEYS


def test_links_resolve_inside_the_repository() -> None:
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://")):
                continue
            resolved = (page.parent / target).resolve()
            assert resolved.exists(), f"{page.name}: {target}"
            assert resolved.is_relative_to(ROOT), f"{page.name}: {target} leaves the repository"
