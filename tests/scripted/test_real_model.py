"""The runner with real weights (the `tiny` pack): loads, plays, reports. Model quality is the
suite's business (docs/scripted-tests.md), so only the runner's behaviour is asserted here."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from main import main

ONE_TURN = """\
dialogues:
  - name: a greeting
    turns:
      - user: Hello!
        expect:
          state_absent: [restaurant-name]
"""


@pytest.mark.model
def test_a_dialogue_runs_on_the_tiny_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "test_hello.yaml"
    script.write_text(ONE_TURN)
    junit = tmp_path / "junit.xml"
    code = main(["test", str(script), "--model", "tiny", "--threads", "2", "--junit", str(junit)])
    lines = capsys.readouterr().out.splitlines()
    assert code in (0, 1)
    assert lines[0].split("  ")[0] in ("PASS", "FAIL") and "a greeting" in lines[0]
    assert "1 turns: engine" in lines[-2]
    assert lines[-1] in ("1 passed, 0 failed", "0 passed, 1 failed")
    assert ET.parse(junit).getroot().get("tests") == "1"
