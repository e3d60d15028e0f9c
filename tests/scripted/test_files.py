"""Dialogue files: the shape, the YAML gotchas, and errors that name file:line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import ScriptError
from agent.evaluation.scripted.files import collect, load_all, load_file, select, unknown_slots

GOOD = """\
domain: cambridge
dialogues:
  - name: cheap italian
    turns:
      - user: cheap italian in the centre please
        expect:
          state: {restaurant-food: italian, restaurant-booktime: 18:00, hotel-parking: yes}
          act: offer
          reply_contains: pizza
      - hello there
    final:
      bookings: [{domain: restaurant, bookpeople: 2}]
"""


def write(tmp_path: Path, text: str, name: str = "test_x.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_good_file_loads_with_lines_and_plain_strings(tmp_path: Path) -> None:
    (dialogue,) = load_file(write(tmp_path, GOOD))
    first, second = dialogue.turns
    assert dialogue.line == 3 and first.line == 5 and second.line == 10
    assert dict(first.expect.state) == {
        "restaurant-food": "italian",
        "restaurant-booktime": "18:00",  # not the YAML 1.1 sexagesimal 1080
        "hotel-parking": "yes",  # not True
    }
    assert first.expect.reply_contains == ("pizza",)
    assert second.user == "hello there" and second.expect.act == ""
    assert dialogue.bookings == ({"domain": "restaurant", "bookpeople": "2"},)
    assert dialogue.final_line == 11


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "dialogues:\n  - name: x\n    turns:\n      - {user: hi, expect: {act: dance}}\n",
            ":4: dialogues[0].turns[0].expect.act: unknown act 'dance'",
        ),
        (
            "dialogues:\n  - name: x\n    turns:\n      - user: hi\n        expct: {}\n",
            ":5: dialogues[0].turns[0].expct: Extra inputs are not permitted",
        ),
        (
            "dialogues:\n  - name: x\n    turns:\n      - expect: {act: chat}\n",
            ":4: dialogues[0].turns[0].user: Field required",
        ),
        (
            "dialogues:\n  - name: x\n    turns:\n      - user: hi\n"
            "        expect:\n          reply_matches: '[a-'\n",
            ":6: dialogues[0].turns[0].expect.reply_matches: not a valid regular expression",
        ),
        ("dialogues: []\n", ":1: dialogues: List should have at least 1 item"),
        ("dialogues:\n  - name: x\n    name: y\n    turns: [hi]\n", ":3: duplicate key 'name'"),
        ("dialogues:\n  - name: x\n    turns: [hi\n", ":4: invalid YAML: "),
        (
            "dialogues:\n  - name: x\n    turns: [hi]\n    final:\n      bookings: [{people: 2}]\n",
            ":5: dialogues[0].final.bookings: each booking needs a 'domain'",
        ),
        ("just a string\n", ":1: the file: Input should be a valid dictionary"),
        (
            "dialogues:\n  - name: x\n    turns: [hi]\n  - name: x\n    turns: [hi]\n",
            ":4: dialogues[1].name: another dialogue is named 'x'; rename one",
        ),
    ],
)
def test_malformed_files_name_file_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ScriptError) as error:
        load_file(path)
    assert str(error.value).startswith(f"{path}:")
    assert expected in str(error.value)


def test_yaml_errors_say_where_the_unclosed_part_started(tmp_path: Path) -> None:
    path = write(tmp_path, "dialogues:\n  - name: x\n    turns: [hi\n")
    with pytest.raises(ScriptError, match=r"while parsing a flow sequence started on line 3"):
        load_file(path)


def test_load_all_reports_every_broken_file(tmp_path: Path) -> None:
    write(tmp_path, "dialogues: []\n", "test_a.yaml")
    write(tmp_path, "dialogues: [\n", "test_b.yaml")
    with pytest.raises(ScriptError) as error:
        load_all([tmp_path])
    assert "test_a.yaml:1" in str(error.value) and "test_b.yaml:" in str(error.value)


def test_folders_are_searched_and_recordings_skipped(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "b.yaml")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", GOOD, "a.yml")
    write(tmp_path, GOOD, "b.recorded.yaml")
    write(tmp_path, "not yaml", "notes.txt")
    assert [p.name for p in collect([tmp_path])] == ["b.yaml", "a.yml"]
    with pytest.raises(ScriptError, match="no such file"):
        collect([tmp_path / "missing.yaml"])


def test_select_matches_path_and_name(tmp_path: Path) -> None:
    dialogues = load_file(write(tmp_path, GOOD))
    assert select(dialogues, "ITALIAN") == dialogues
    assert select(dialogues, "test_x.yaml::") == dialogues
    assert select(dialogues, "taxi") == []


def test_unknown_slots_are_reported_with_their_line(tmp_path: Path) -> None:
    (dialogue,) = load_file(write(tmp_path, GOOD))
    problems = unknown_slots(dialogue, ["restaurant-food", "restaurant-booktime"])
    assert problems == [f"{dialogue.path}:5: unknown slot 'hotel-parking'"]
