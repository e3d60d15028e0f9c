"""Every third-party import of the test suite is declared in pyproject.toml (main or `dev`).

A fresh virtual environment with ``pip install -e ".[dev]"`` (what ``scripts/test`` makes) then
has all of them; this test says which one is missing before CI finds out.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OURS = {"agent", "prompts", "storage", "cli", "main", "tests"}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_modules() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - OURS - set(sys.stdlib_module_names)


def _declared() -> set[str]:
    """Distributions named by the main dependencies, `dev` and the extras `dev` pulls in."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras, names, todo = project["optional-dependencies"], set(), ["dev"]
    requirements = list(project["dependencies"])
    while todo:
        for requirement in extras[todo.pop()]:
            own = re.fullmatch(r"slotchat\[([^\]]+)\]", requirement)
            if own:
                todo += [extra.strip() for extra in own.group(1).split(",")]
            else:
                requirements.append(requirement)
    for requirement in requirements:
        names.add(_normal(re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]))
    return names


def test_every_import_of_the_tests_is_declared() -> None:
    providers = packages_distributions()
    declared = _declared()
    undeclared = {
        module: providers.get(module, ["(not installed)"])
        for module in sorted(_imported_modules())
        if not declared & {_normal(d) for d in providers.get(module, [])}
    }
    assert undeclared == {}, f"add these to the dev extra of pyproject.toml: {undeclared}"
