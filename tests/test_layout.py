"""The house rules a newcomer relies on to find things: every package says what it owns, module
names are unique across the source tree, and the stages of a turn are folders of ``agent/``."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("agent", "cli", "prompts", "storage")
STAGES = ("language", "tracking", "policy", "backend", "reply", "engine", "evaluation")


def _modules() -> list[Path]:
    return [p for top in SOURCES for p in (ROOT / top).rglob("*.py") if "migrations" not in p.parts]


def _packages() -> list[Path]:
    return [p for p in _modules() if p.name == "__init__.py"]


@pytest.mark.parametrize("init", _packages(), ids=lambda p: str(p.parent.relative_to(ROOT)))
def test_every_package_says_what_it_owns(init: Path) -> None:
    docstring = ast.get_docstring(ast.parse(init.read_text()))
    assert docstring, f"{init.relative_to(ROOT)} has no docstring"


def test_module_names_are_unique() -> None:
    names = Counter(p.name for p in _modules() if p.name != "__init__.py")
    repeated = sorted(name for name, count in names.items() if count > 1)
    assert repeated == [], f"module names used twice: {repeated}"


def test_the_stages_of_a_turn_are_folders() -> None:
    for stage in STAGES:
        assert (ROOT / "agent" / stage / "__init__.py").is_file(), stage


def test_tests_mirror_the_stages() -> None:
    for stage in STAGES:
        assert (ROOT / "tests" / "agent" / stage).is_dir(), stage
