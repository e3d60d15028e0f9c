"""`slotchat test` end to end with the fake model: the real engine, policy, backend, responder
and a scratch SQLite database, in seconds."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from main import main

GOOD = """\
domain: cambridge
dialogues:
  - name: korean food
    turns:
      - user: Is there a Korean restaurant anywhere in town?
        expect:
          state: {restaurant-food: korean}
          act: offer
          reply_contains: [little seoul]
  - name: a taxi, confirmed then booked
    turns:
      - user: I need a taxi from Trinity College to Wagamama, leaving at 11:15.
        expect:
          state:
            taxi-departure: trinity college
            taxi-destination: wagamama
            taxi-leaveat: "11:15"
          act: confirm
      - user: Yes please.
        expect:
          act: book
          reply_matches: '\\b07\\d{9}\\b'
    final:
      bookings: [{domain: taxi, destination: wagamama}]
"""
WRONG = """\
dialogues:
  - name: expects the wrong act
    turns:
      - user: Is there a Korean restaurant anywhere in town?
        expect:
          act: book
    final:
      bookings: [{domain: restaurant}]
"""


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "test_good.yaml").write_text(GOOD)
    (tmp_path / "test_wrong.yaml").write_text(WRONG)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(["test", *args, "--model", "fake"])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_passing_and_failing_dialogues(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junit = files / "junit.xml"
    code, lines, _ = run(capsys, str(files), "--junit", str(junit))
    assert code == 1
    assert lines[0] == f"PASS  korean food  ({files / 'test_good.yaml'}:3)"
    assert lines[1].startswith("PASS  a taxi, confirmed then booked")
    assert lines[2].startswith("FAIL  expects the wrong act")
    assert any(line.startswith("    act:   ") and "(expected book)" in line for line in lines)
    assert "    ✗ expected 1 booking(s), made 0" in lines
    assert "% of the engine's time" in lines[-2]
    assert lines[-1] == "2 passed, 1 failed"
    assert ET.parse(junit).getroot().get("failures") == "1"


def test_k_selects_and_all_pass(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(capsys, str(files / "test_good.yaml"), "-k", "TAXI")
    assert code == 0
    assert lines[-1] == "1 passed, 0 failed"


def test_the_same_files_give_the_same_output(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = run(capsys, str(files / "test_good.yaml"))[1][:-2]
    second = run(capsys, str(files / "test_good.yaml"))[1][:-2]
    assert first == second


def test_broken_files_and_unknown_slots_are_precise_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "dialogues:\n  - name: x\n    turns:\n      - user: hi\n        expect: {act: x}\n"
    )
    code, _, err = run(capsys, str(bad))
    assert code == 1
    assert err.startswith(f"slotchat: {bad}:5: dialogues[0].turns[0].expect.act: unknown act 'x'")
    bad.write_text(
        "dialogues:\n  - name: x\n    turns:\n      - user: hi\n        expect:\n"
        "          state: {restaurant-cuisine: thai}\n"
    )
    code, _, err = run(capsys, str(bad))
    assert code == 1 and f"{bad}:4: unknown slot 'restaurant-cuisine'" in err
    code, _, err = run(capsys, str(tmp_path / "missing.yaml"))
    assert code == 1 and "no such file or folder" in err


def test_record_writes_reviewable_expectations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = tmp_path / "bare.yaml"
    bare.write_text("dialogues:\n  - name: hello\n    turns: [Hello!, Goodbye!]\n")
    code, lines, _ = run(capsys, str(bare), "--record")
    target = tmp_path / "bare.recorded.yaml"
    assert code == 0 and lines == [f"wrote {target} (1 dialogues)"]
    text = target.read_text()
    assert text.startswith("# recorded by `slotchat test --record` with model fake")
    assert "act: greet" in text and "act: bye" in text and "bookings: []" in text
    code, lines, _ = run(capsys, str(target))
    assert code == 0 and lines[-1] == "1 passed, 0 failed"


def test_a_minimum_pass_rate_gates_the_exit_code(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = run(capsys, str(files), "--min-pass-rate", "0.6")
    assert code == 0  # 2 of 3 passed
    assert lines[-1] == "pass rate 66.7% meets the required 60%"
    code, lines, _ = run(capsys, str(files), "--min-pass-rate", "0.9")
    assert code == 1
    assert "is below the required 90%" in lines[-1]
    code, _, err = run(capsys, str(files), "--min-pass-rate", "0")
    assert code == 2 and "--min-pass-rate must be in (0, 1]" in err
