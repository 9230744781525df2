"""The installable package: everything its code imports is declared in pyproject.toml."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from backend.resources import checkout

SHIPPED_CODE = ("backend", "tenants", "problem_bank", "migrations")
FIRST_PARTY = {"backend", "tenants", "problem_bank", "__future__"}
EMBEDDED_MODULE = "backend/embedded.py"  # the only importer of the `embedded` extra


def _name(requirement: str) -> str:
    name = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert name, requirement
    return re.sub(r"[-_.]+", "-", name.group()).lower()


def _imports() -> dict[str, set[str]]:
    """Each top-level module the shipped code imports, with the files importing it."""
    found: dict[str, set[str]] = {}
    root = checkout()
    for folder in SHIPPED_CODE:
        for path in (root / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    found.setdefault(module.split(".")[0], set()).add(str(path.relative_to(root)))
    return found


def test_every_imported_package_is_declared():
    project = tomllib.loads((checkout() / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    required = {_name(requirement) for requirement in project["dependencies"]}
    embedded = {_name(requirement) for requirement in project["optional-dependencies"]["embedded"]}
    distributions = packages_distributions()
    undeclared, misplaced = [], []
    for module, files in sorted(_imports().items()):
        if module in FIRST_PARTY or module in sys.stdlib_module_names:
            continue
        names = {_name(distribution) for distribution in distributions.get(module, [module])}
        if names & required:
            continue
        if names & embedded and files == {EMBEDDED_MODULE}:
            continue
        (misplaced if names & embedded else undeclared).append(f"{module} ({', '.join(sorted(files))})")
    assert not undeclared, f"imported but not in [project] dependencies: {undeclared}"
    assert not misplaced, f"the `embedded` extra imported outside {EMBEDDED_MODULE}: {misplaced}"
