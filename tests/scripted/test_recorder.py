"""--record: what the engine did becomes a valid file whose expectations it then passes."""

from __future__ import annotations

from pathlib import Path

from agent.evaluation.scripted.files import load_file
from agent.evaluation.scripted.recorder import recorded_path, render_recording
from agent.evaluation.scripted.runner import run_all
from tests.fakes.table_engine import table_harness

BARE = """\
dialogues:
  - name: bare
    turns:
      - cheap italian in the centre please
      - book it for two on friday at 6pm
      - "yes"
      - forget the area
"""


def test_a_recording_loads_and_passes_against_the_same_engine(tmp_path: Path) -> None:
    source = tmp_path / "bare.yaml"
    source.write_text(BARE)
    outcomes = list(run_all(load_file(source), table_harness))
    target = recorded_path(source)
    assert target.name == "bare.recorded.yaml"
    target.write_text(render_recording(outcomes, "review me"))
    text = target.read_text()
    assert text.startswith("# review me\n")
    assert "restaurant-booktime: '18:00'" in text and "AB12CD34" not in text
    (recorded,) = load_file(target)
    first, _, third, fourth = recorded.turns
    assert first.expect.act == "offer" and first.expect.state["restaurant-area"] == "centre"
    assert third.expect.state == {} and third.expect.act == "book"
    assert fourth.expect.state_absent == ("restaurant-area",)
    assert recorded.bookings[0]["domain"] == "restaurant"
    (replayed,) = run_all([recorded], table_harness)
    assert replayed.passed
