"""The registry of recons and mismatch categories: ``dbt_project/seeds/recon_categories.csv``.

One row per category: its ``recon``, default ``severity`` (error / warning; config/recon.yml may
override it by category), whether it is ``leakage`` (revenue never billed), whether it is
``blocking`` (a finding keeps the cycle's close from being final), the three-letter
``id_prefix`` of its exception ids, and a ``description`` for finance. dbt reads the same file as
a seed (``ref('recon_categories')``); Python reads it here. Everything else that needs to know
the categories (config, reports, exception ids, the suites' blocking list, the generator's
truth) derives from this module, so adding a category is one row here plus its recon SQL.

Dagster-free and cheap: the file is read once, at import.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

#: The registry file (a dbt seed, so dbt reads the same rows).
REGISTRY_PATH = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / \
    "recon_categories.csv"
COLUMNS = ("recon", "category", "severity", "leakage", "blocking", "id_prefix", "description")
SEVERITIES = ("error", "warning")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PREFIX = re.compile(r"^[A-Z]{3}$")
_BOOL = {"true": True, "false": False}


class RegistryError(ValueError):
    """The registry file is malformed, or a category is not in it."""


@dataclass(frozen=True)
class Category:
    """One row of the registry."""

    recon: str
    category: str
    severity: str
    leakage: bool
    blocking: bool
    id_prefix: str
    description: str


def read_registry(path: Path = REGISTRY_PATH) -> tuple[Category, ...]:
    """The rows of ``path`` in file order, checked; RegistryError names the row and the fix."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if tuple(reader.fieldnames or ()) != COLUMNS:
                raise RegistryError(f"{path}: the header must be {','.join(COLUMNS)}")
            rows = list(reader)
    except OSError as exc:
        raise RegistryError(f"cannot read the category registry {path}: {exc.strerror}") from exc
    categories: list[Category] = []
    seen: dict[str, set[str]] = {"category": set(), "id_prefix": set()}
    for line, row in enumerate(rows, start=2):
        where = f"{path}, line {line}"
        if any(row.get(c) in (None, "") for c in COLUMNS):
            raise RegistryError(f"{where}: every column needs a value")
        for key in ("recon", "category"):
            if not _NAME.match(row[key]):
                raise RegistryError(f"{where}: {key} {row[key]!r} must be snake_case")
        if row["severity"] not in SEVERITIES:
            raise RegistryError(f"{where}: severity must be error or warning")
        if not _PREFIX.match(row["id_prefix"]):
            raise RegistryError(f"{where}: id_prefix must be three capital letters")
        for key in ("leakage", "blocking"):
            if row[key] not in _BOOL:
                raise RegistryError(f"{where}: {key} must be true or false")
        for key, names in seen.items():
            if row[key] in names:
                raise RegistryError(f"{where}: {key} {row[key]!r} is already in the registry")
            names.add(row[key])
        categories.append(Category(
            recon=row["recon"], category=row["category"], severity=row["severity"],
            leakage=_BOOL[row["leakage"]], blocking=_BOOL[row["blocking"]],
            id_prefix=row["id_prefix"], description=row["description"]))
    if not categories:
        raise RegistryError(f"{path}: the registry lists no category")
    return tuple(categories)


#: Every category, in the registry's order (recon by recon, as mismatches.md lists them).
REGISTRY: tuple[Category, ...] = read_registry()
#: Category name -> its row.
BY_CATEGORY: dict[str, Category] = {c.category: c for c in REGISTRY}
#: The recons, in the order of their first row.
RECONS: tuple[str, ...] = tuple(dict.fromkeys(c.recon for c in REGISTRY))
#: Recon -> its categories, in registry order.
CATEGORIES_OF: dict[str, tuple[str, ...]] = {
    r: tuple(c.category for c in REGISTRY if c.recon == r) for r in RECONS}
#: Category -> its recon.
RECON_OF: dict[str, str] = {c.category: c.recon for c in REGISTRY}
LEAKAGE_CATEGORIES: frozenset[str] = frozenset(c.category for c in REGISTRY if c.leakage)
BLOCKING_CATEGORIES: frozenset[str] = frozenset(c.category for c in REGISTRY if c.blocking)


def category(name: str) -> Category:
    """The registry row of ``name``; RegistryError for a category the registry lacks."""
    try:
        return BY_CATEGORY[name]
    except KeyError:
        raise RegistryError(
            f"unknown mismatch category {name!r}: add it to {REGISTRY_PATH.name}") from None
