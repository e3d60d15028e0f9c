"""A scripted file's `domain:` path is relative to the file, not to the current directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agent.evaluation.scripted.files import domain_relative_to, load_file
from main import main

CLINIC = Path(__file__).resolve().parents[2] / "prompts" / "domains" / "clinic"
SCRIPT = """\
domain: {domain}
dialogues:
  - name: hello in a pack next to the suite
    turns:
      - user: Hello!
        expect: {{act: greet}}
"""


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """suite/tests/test_hello.yaml naming ../packs/clinic, and an unrelated cwd."""
    shutil.copytree(CLINIC, tmp_path / "suite" / "packs" / "clinic")
    (tmp_path / "suite" / "tests").mkdir()
    (tmp_path / "elsewhere").mkdir()
    script = tmp_path / "suite" / "tests" / "test_hello.yaml"
    script.write_text(SCRIPT.format(domain="../packs/clinic"))
    return script


def test_a_relative_domain_path_is_found_from_another_directory(
    suite: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(suite.parents[2] / "elsewhere")
    code = main(["test", str(suite), "--model", "fake"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "1 passed, 0 failed"


def test_the_loaded_dialogue_names_the_pack_beside_the_file(suite: Path) -> None:
    (dialogue,) = load_file(suite)
    assert Path(dialogue.domain).resolve() == (suite.parents[1] / "packs" / "clinic").resolve()


def test_names_and_absolute_paths_are_kept(tmp_path: Path) -> None:
    script = tmp_path / "a" / "test_x.yaml"
    assert domain_relative_to(script, "cambridge") == "cambridge"
    assert domain_relative_to(script, "/opt/packs/x") == "/opt/packs/x"
    assert domain_relative_to(script, "./mine") == str(tmp_path / "a" / "mine")
    assert domain_relative_to(script, "~/packs/x") == str(Path.home() / "packs" / "x")
