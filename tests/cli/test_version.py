"""`slotchat --version`: the installed distribution's version, or pyproject's in a checkout."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import main

ROOT = Path(__file__).resolve().parents[2]
DECLARED = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_the_installed_program_prints_its_version(tmp_path: Path) -> None:
    program = Path(sys.executable).with_name("slotchat")
    done = subprocess.run(
        [str(program), "--version"], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout == f"slotchat {importlib.metadata.version('slotchat')}\n"
    assert importlib.metadata.version("slotchat") == DECLARED


def test_a_source_checkout_reads_pyproject(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert main.version() == DECLARED
    with pytest.raises(SystemExit) as stopped:
        main.build_parser().parse_args(["--version"])
    assert stopped.value.code == 0
