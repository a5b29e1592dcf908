"""Every package the code imports is declared in pyproject.toml (the tests' in ``dev`` too),
and the library layer stays below the Dagster layer: nothing under ``lib/`` imports
``recon_pipeline.settings``, ``recon_pipeline.defs`` or Dagster, and no module imports
another that imports it back."""

from __future__ import annotations

import ast
import importlib.metadata
import itertools
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "recon_pipeline"


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]).lower()


def _declared() -> tuple[set[str], set[str]]:
    """(what the pipeline may import: the dependencies and the extras a user installs, such as
    ``spark``; what the tests and benchmarks may import besides: ``dev``)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    runtime = {_name(r) for r in project["dependencies"]}
    runtime |= {_name(r) for extra, rs in extras.items() if extra != "dev" for r in rs}
    dev = {_name(r) for r in extras["dev"]}
    return runtime, dev


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """(module, line) of every import in ``path``, at any depth (lazy imports included)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno


def _undeclared(folders: list[Path], allowed: set[str]) -> list[str]:
    distributions = importlib.metadata.packages_distributions()
    missing = []
    for folder in folders:
        local = {p.stem for p in folder.glob("*.py")}  # scripts importing their neighbours
        for path in sorted(folder.rglob("*.py")):
            own = path.parent / "requirements.txt"  # a script run in a venv of its own
            extra = {_name(r) for r in own.read_text().splitlines()
                     if r.strip() and not r.startswith("#")} if own.is_file() else set()
            for module, line in _imports(path):
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top in {"recon_pipeline", "tests"} | local:
                    continue
                names = {_name(d) for d in distributions.get(top, [])} or {_name(top)}
                if not names & (allowed | extra):
                    missing.append(f"{path.relative_to(ROOT)}:{line} {module} ({names or '?'})")
    return missing


def test_every_package_the_pipeline_imports_is_a_dependency() -> None:
    runtime, _ = _declared()
    assert _undeclared([PACKAGE], runtime) == []


def test_every_package_the_tests_import_is_declared() -> None:
    runtime, dev = _declared()
    assert _undeclared([ROOT / "tests", ROOT / "benchmarks"], runtime | dev) == []


def test_the_library_does_not_import_settings_or_the_dagster_layer() -> None:
    found = []
    for path in sorted((PACKAGE / "lib").rglob("*.py")):
        for module, line in _imports(path):
            top = module.split(".")[0]
            if top in {"dagster", "dagster_dbt"} or module.startswith(
                ("recon_pipeline.settings", "recon_pipeline.defs", "recon_pipeline.definitions",
                 "recon_pipeline.cli")
            ):
                found.append(f"{path.relative_to(ROOT)}:{line} {module}")
    assert found == []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_import_cycles() -> None:
    """Between modules of recon_pipeline, counting imports inside functions too."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for module, _ in _imports(path):
            while module and module not in modules:
                module = module.rpartition(".")[0]
            if module and module != name:
                targets.add(module)
        graph[name] = targets

    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    # A package's __init__ re-exporting its submodules is not a cycle of knowledge.
    real = [c for c in cycles if not any(b.startswith(a + ".") for a, b in itertools.pairwise(c))]
    assert real == [], "\n".join(" -> ".join(c) for c in real)
