"""The runner over a toy engine: verdicts, diffs, engine errors, bookings, processes, junit."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

from agent.evaluation.scripted.files import load_file
from agent.evaluation.scripted.junit import write_junit
from agent.evaluation.scripted.report import failure_text, totals, verdict_line
from agent.evaluation.scripted.runner import run_all, run_dialogue
from tests.fakes.table_engine import table_harness

SCRIPT = """\
domain: cambridge
dialogues:
  - name: search and book
    turns:
      - user: cheap italian in the centre please
        expect:
          state: {restaurant-food: italian, restaurant-pricerange: cheap}
          act: offer
          reply_contains: [pizza hut]
      - user: book it for two on friday at 6pm
        expect:
          state: {restaurant-bookpeople: two, restaurant-booktime: 6 pm}
          act: confirm
          reply_contains: confirm
      - user: "yes"
        expect:
          act: book
          reply_matches: "[A-Z0-9]{8}"
    final:
      bookings:
        - {domain: restaurant, bookpeople: "2", bookday: friday, name: pizza hut city centre}
  - name: wrong expectations
    turns:
      - user: cheap italian in the centre please
        expect:
          state: {restaurant-food: chinese}
          state_absent: [restaurant-area]
          act: request
          reply_not_contains: [pizza]
      - user: forget the area
        expect:
          state_absent: [restaurant-area]
    final:
      bookings: [{domain: taxi}]
  - name: engine crash
    turns:
      - user: crash
"""


def dialogues(tmp_path: Path) -> list:
    path = tmp_path / "test_toy.yaml"
    path.write_text(SCRIPT)
    return load_file(path)


def test_a_matching_dialogue_passes(tmp_path: Path) -> None:
    good = run_dialogue(dialogues(tmp_path)[0], table_harness())
    assert good.passed, failure_text(good)
    assert len(good.turns) == 3 and good.bookings[0]["reference"] == "AB12CD34"
    assert verdict_line(good).startswith("PASS  search and book  (")
    assert good.engine_s > 0 and good.runner_s > 0


def test_a_failing_dialogue_has_a_diff_per_failing_turn(tmp_path: Path) -> None:
    bad = run_dialogue(dialogues(tmp_path)[1], table_harness())
    assert not bad.passed
    assert [len(t.mismatches) for t in bad.turns] == [4, 0]
    text = failure_text(bad)
    assert "turn 1 (" in text and "test_toy.yaml:24)" in text
    assert "user:  cheap italian in the centre please" in text
    assert "act:   offer  (expected request)" in text
    assert "✗ restaurant-food" in text and "chinese" in text and "italian" in text
    assert "✗ restaurant-area" in text and "(unset)" in text
    assert "reply contains 'pizza'" in text
    assert "final bookings (" in text and "no booking matches {domain: taxi}" in text
    assert "turn 2" not in text


def test_an_engine_exception_fails_only_its_dialogue(tmp_path: Path) -> None:
    outcomes = list(run_all(dialogues(tmp_path), table_harness))
    assert [o.passed for o in outcomes] == [True, False, False]
    assert "RuntimeError: the toy engine crashed" in outcomes[2].error
    assert "engine error at turn 1" in failure_text(outcomes[2])
    summary = totals(outcomes)
    assert summary.summary_line() == "1 passed, 2 failed"
    assert "% of the engine's time" in summary.profile_line()


def test_the_summary_counts_who_wrote_the_replies(tmp_path: Path) -> None:
    good = run_dialogue(dialogues(tmp_path)[0], table_harness())
    sources = [("model", ()), ("template", ("unknown fact: 01223 999999",)), ("template", ())]
    turns = tuple(
        dataclasses.replace(t, reply_source=s, reply_issues=i)
        for t, (s, i) in zip(good.turns, sources, strict=True)
    )
    line = totals([dataclasses.replace(good, turns=turns)]).grounding_line()
    assert line == (
        "replies: 1 by the model, 1 of 2 model replies replaced by the template "
        "(1 named a fact not in the results), 1 templates by design"
    )


def test_parallel_processes_give_the_same_outcomes_in_order(tmp_path: Path) -> None:
    serial = list(run_all(dialogues(tmp_path), table_harness))
    parallel = list(run_all(dialogues(tmp_path), table_harness, jobs=2))
    assert [o.dialogue.name for o in parallel] == [o.dialogue.name for o in serial]
    assert [o.passed for o in parallel] == [o.passed for o in serial]
    assert [failure_text(o) for o in parallel] == [failure_text(o) for o in serial]


def test_junit_has_one_case_per_dialogue(tmp_path: Path) -> None:
    outcomes = list(run_all(dialogues(tmp_path), table_harness))
    target = tmp_path / "junit.xml"
    write_junit(target, outcomes)
    root = ET.parse(target).getroot()
    assert root.get("tests") == "3" and root.get("failures") == "2"
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == [
        "search and book",
        "wrong expectations",
        "engine crash",
    ]
    assert cases[0].find("failure") is None
    failure = cases[1].find("failure")
    assert failure is not None and "turn 1: restaurant-food" in failure.get("message", "")
    assert "✗ restaurant-area" in (failure.text or "")
    assert cases[2].find("error") is not None


def test_the_summary_counts_slot_errors_of_every_kind(tmp_path: Path) -> None:
    good, bad = (run_dialogue(d, table_harness()) for d in dialogues(tmp_path)[:2])
    assert [t.seen.state for t in bad.turns][0] == {
        "restaurant-food": "italian",
        "restaurant-pricerange": "cheap",
        "restaurant-area": "centre",
    }
    # bad turn 1: food wrong; pricerange set but not expected; area set though expected unset.
    # good: area (turn 1), name and day (turn 2) set by turns whose expectations omit them
    summary = totals([good, bad])
    assert (summary.slots_missing, summary.slots_wrong, summary.slots_extra) == (0, 1, 5)
    assert summary.slots_line().startswith("slots: 0 missing, 1 wrong, 5 extra")
