"""The official SGD metric on hand-computed frames, the surface lookup and the error counts."""

from __future__ import annotations

import pytest

from agent.domain import (
    NO_MOVE,
    AnnotatedDialogue,
    AnnotatedTurn,
    DialogueState,
    StateDelta,
    SystemMove,
)
from agent.evaluation.metrics import (
    FrameScore,
    official_frame_score,
    official_slot_score,
    score_frame,
)
from agent.evaluation.sgd_scoring import EvalRun, evaluate, surface_values
from agent.tracking.tracker import TrackResult
from tests.fakes.mini import OPEN_SCHEMA as SCHEMA

AREA = SCHEMA.slot("restaurant-area")
FOOD = SCHEMA.slot("restaurant-food")
assert AREA is not None and FOOD is not None


def _turn(
    slots: dict[str, str], acceptable: dict[str, tuple[str, ...]] | None = None, user: str = ""
) -> AnnotatedTurn:
    return AnnotatedTurn(
        dialogue_id="d1",
        index=0,
        services=("restaurant",),
        prev_state=DialogueState(),
        system="",
        user=user,
        delta=StateDelta(set=slots),
        state=DialogueState(slots=slots, intents={"restaurant": "find_restaurant"}),
        acceptable=acceptable or {},
    )


def test_a_categorical_slot_is_an_exact_match_against_the_first_gold_value() -> None:
    assert official_slot_score(AREA, "centre", ("centre",)) == 1.0
    assert official_slot_score(AREA, "north", ("centre",)) == 0.0
    assert official_slot_score(AREA, "Centre", ("centre",)) == 0.0  # raw strings, as SGD's
    assert official_slot_score(AREA, "north", ("centre", "north")) == 0.0


def test_a_free_text_slot_scores_its_token_sort_ratio_without_a_threshold() -> None:
    # sorted tokens "2nd" against "2nd the": 2 * 3 / (3 + 7)
    assert official_slot_score(FOOD, "2nd", ("the 2nd",)) == pytest.approx(0.60)
    # lower case and punctuation do not count, word order does not either
    assert official_slot_score(FOOD, "san jose", ("San Jose",)) == 1.0
    assert official_slot_score(FOOD, "Jose, San", ("San Jose",)) == 1.0
    # "airport jose san" (16) in "airport international jose san" (30): 2 * 16 / 46
    assert official_slot_score(
        FOOD, "San Jose airport", ("San Jose International Airport",)
    ) == pytest.approx(32 / 46)


def test_the_best_of_several_gold_variants_counts() -> None:
    gold = ("San Jose International Airport", "SJC", "San Jose airport")
    assert official_slot_score(FOOD, "san jose airport", gold) == 1.0
    assert official_slot_score(FOOD, "sjc.", gold) == 1.0


def test_absent_and_present_slots() -> None:
    assert official_slot_score(FOOD, None, ()) == 1.0
    assert official_slot_score(FOOD, None, ("thai",)) == 0.0  # gold only
    assert official_slot_score(AREA, "north", ()) == 0.0  # predicted only
    assert official_slot_score(FOOD, "dontcare", ("dontcare",)) == 1.0
    assert official_slot_score(AREA, "dontcare", ("centre",)) == 0.0


def test_a_frame_scores_the_product_over_every_slot_of_the_service() -> None:
    gold = _turn(
        {"restaurant-area": "centre", "restaurant-food": "the 2nd", "restaurant-booktime": "7 pm"},
        acceptable={"restaurant-booktime": ("7 pm", "19:00")},
    )
    surface = {
        "restaurant-area": "centre",
        "restaurant-food": "2nd",
        "restaurant-booktime": "19:00",
    }
    assert official_frame_score(surface, gold, "restaurant", SCHEMA) == pytest.approx(0.60)
    extra = surface | {"restaurant-phone": "0123"}
    assert official_frame_score(extra, gold, "restaurant", SCHEMA) == 0.0
    assert official_frame_score({}, _turn({}), "restaurant", SCHEMA) == 1.0
    assert official_frame_score({}, _turn({}), "no_such_service", SCHEMA) is None


def test_the_strict_frame_counts_missing_extra_and_wrong_slots() -> None:
    gold = _turn({"restaurant-area": "centre", "restaurant-food": "thai", "restaurant-phone": "1"})
    predicted = DialogueState(
        slots={
            "restaurant-area": "north",
            "restaurant-food": "thai",
            "restaurant-booktime": "18:00",
        }
    )
    frame = score_frame(predicted, gold, "restaurant", SCHEMA)
    assert (frame.missing, frame.extra, frame.wrong, frame.false_positives) == (1, 1, 1, 2)
    assert frame.official is None  # no surface given: not scored officially


def _frame(service: str, official: float | None) -> FrameScore:
    return FrameScore(service, False, 1, 0, 0, 1, None, official)


def test_the_summary_splits_the_official_mean_by_seen_and_unseen_services() -> None:
    run = EvalRun(seen_services=frozenset({"restaurant"}))
    run.frames = [_frame("restaurant", 1.0), _frame("restaurant", 0.6), _frame("hotel", 0.0)]
    run.frames.append(_frame("hotel", None))  # a service without slots: left out
    summary = run.summary()
    assert summary["jga_official"] == pytest.approx(1.6 / 3, abs=1e-4)
    assert summary["jga_official_seen"] == 0.8
    assert summary["jga_official_unseen"] == 0.0
    assert (summary["slots_missing"], summary["slots_extra"], summary["slots_wrong"]) == (0, 0, 4)
    only_seen = EvalRun(seen_services=frozenset({"restaurant"}), frames=run.frames[:2]).summary()
    assert only_seen["jga_official_unseen"] is None


def test_surface_values_are_looked_up_in_the_schema_and_the_dialogue_texts() -> None:
    state = DialogueState(
        slots={"restaurant-area": "centre", "restaurant-booktime": "18:30", "restaurant-food": "x"}
    )
    texts = ["At 6:30 pm, please.", "When? We open at 18:30."]
    surface = surface_values(state, {}, texts, SCHEMA)
    assert surface == {
        "restaurant-area": "centre",
        "restaurant-booktime": "6:30 pm",  # the latest text first
        "restaurant-food": "x",  # no span gives it: as predicted
    }
    kept = surface_values(state, {"restaurant-booktime": "6.30pm"}, texts, SCHEMA)
    assert kept["restaurant-booktime"] == "6.30pm"  # still the same value: its surface stays
    # the model's own words come first, while they give the value
    written = {"restaurant-booktime": " half six pm", "restaurant-food": "X "}
    mine = surface_values(state, {"restaurant-booktime": "6.30pm"}, texts, SCHEMA, written)
    assert mine["restaurant-booktime"] == "6.30pm" and mine["restaurant-food"] == "X"


class _Fixed:
    """A tracker at the seam: always the same normalized state."""

    def __init__(self, slots: dict[str, str], output: str = "") -> None:
        self.state = DialogueState(slots=slots)
        self.output = output

    def track_turn(
        self,
        state: DialogueState,
        system_text: str,
        user_text: str,
        move: SystemMove = NO_MOVE,
    ) -> TrackResult:
        return TrackResult(StateDelta(set=self.state.slots), self.state, self.output)


def test_the_loop_scores_the_surface_the_tracker_copied() -> None:
    gold = _turn(
        {"restaurant-food": "San Jose International Airport", "restaurant-booktime": "6:30 pm"},
        user="A place by San Jose airport at 6:30 pm.",
    )
    dialogue = AnnotatedDialogue(id="d1", services=("restaurant",), turns=(gold,))
    tracker = _Fixed({"restaurant-food": "san jose airport", "restaurant-booktime": "18:30"})
    run = evaluate([dialogue], SCHEMA, lambda *_: tracker, seen_services=frozenset({"restaurant"}))
    (frame,) = run.frames
    assert not frame.joint and frame.wrong == 1
    assert frame.official == pytest.approx(32 / 46)


def test_the_loop_prefers_the_model_output_and_survives_a_cut_off_one() -> None:
    gold = _turn({"restaurant-food": "San Jose"}, user="Food in san jose.")
    dialogue = AnnotatedDialogue(id="d1", services=("restaurant",), turns=(gold,))

    def official(output: str) -> float | None:
        tracker = _Fixed({"restaurant-food": "san jose"}, output)
        run = evaluate([dialogue], SCHEMA, lambda *_: tracker, seen_services=frozenset())
        return run.frames[0].official

    assert official('{"restaurant-food": "San  Jose"}') == 1.0
    assert official('{"restaurant-food": "San') == 1.0  # looked up in the user turn
