"""DST metrics on hand-made turns, the sampling, and the evaluation loop with a fake tracker."""

from __future__ import annotations

import pytest

from agent.domain import AnnotatedDialogue, AnnotatedTurn, DialogueState, StateDelta
from agent.evaluation.metrics import (
    average_goal_accuracy,
    intent_accuracy,
    joint_accuracy,
    percentile,
    score_frame,
    slot_f1,
)
from agent.evaluation.sgd_scoring import evaluate, select_dialogues, sub_schema
from agent.llm.fake import ScriptedChatModel
from agent.tracking.tracker import StateTracker
from tests.fakes.mini import OPEN_SCHEMA as SCHEMA
from tests.fakes.turns import EchoPrompts


def _turn(
    slots: dict[str, str],
    user: str = "",
    *,
    index: int = 0,
    intent: str = "find_restaurant",
    acceptable: dict[str, tuple[str, ...]] | None = None,
    prev: DialogueState | None = None,
) -> AnnotatedTurn:
    state = DialogueState(slots=slots, intents={"restaurant": intent})
    return AnnotatedTurn(
        dialogue_id="d1",
        index=index,
        services=("restaurant",),
        prev_state=prev or DialogueState(),
        system="",
        user=user,
        delta=StateDelta(set=slots),
        state=state,
        acceptable=acceptable or {},
    )


def _score(predicted: dict[str, str], turn: AnnotatedTurn, intent: str = "find_restaurant"):
    state = DialogueState(slots=predicted, intents={"restaurant": intent})
    return score_frame(state, turn, "restaurant", SCHEMA)


def test_a_frame_is_jointly_right_after_normalization_and_with_any_acceptable_value() -> None:
    gold = _turn(
        {"restaurant-booktime": "7 pm", "restaurant-food": "Italian"},
        acceptable={"restaurant-food": ("Italian", "pizza")},
    )
    assert _score({"restaurant-booktime": "19:00", "restaurant-food": "pizza"}, gold).joint


def test_a_missing_extra_or_wrong_slot_breaks_joint_accuracy() -> None:
    gold = _turn({"restaurant-food": "thai", "restaurant-area": "north"})
    missing = _score({"restaurant-food": "thai"}, gold)
    extra = _score(
        {"restaurant-food": "thai", "restaurant-area": "north", "restaurant-pricerange": "cheap"},
        gold,
    )
    wrong = _score({"restaurant-food": "thai", "restaurant-area": "south"}, gold)
    right = _score({"restaurant-food": "thai", "restaurant-area": "north"}, gold, "book_restaurant")
    frames = [missing, extra, wrong, right]
    assert [f.joint for f in frames] == [False, False, False, True]
    assert joint_accuracy(frames) == 0.25
    assert average_goal_accuracy(frames) == pytest.approx(6 / 8)
    # tp 6, fp 1 (extra) + 1 (wrong), fn 1 (missing) + 1 (wrong)
    assert slot_f1(frames) == pytest.approx(12 / 16)
    assert intent_accuracy(frames) == 0.75


def test_empty_gold_and_empty_prediction_is_right() -> None:
    frame = _score({}, _turn({}))
    assert frame.joint and slot_f1([frame]) == 1.0 and average_goal_accuracy([frame]) == 0.0


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.5) == 0.0
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([float(i) for i in range(1, 101)], 0.95) == 95.0


def _dialogue(name: str, services: tuple[str, ...]) -> AnnotatedDialogue:
    return AnnotatedDialogue(id=name, services=services, turns=())


def test_the_sample_is_deterministic_and_spread_over_services() -> None:
    pool = [_dialogue(f"a{i}", ("A",)) for i in range(10)] + [
        _dialogue(f"b{i}", ("B", "A")) for i in range(3)
    ]
    pool += [_dialogue("c0", ("C",))]
    sample = select_dialogues(pool, 4)
    assert [d.services[0] for d in sample[:3]] == ["A", "B", "C"]
    assert sample == select_dialogues(list(reversed(pool)), 4)
    assert {d.id for d in select_dialogues(pool, None, ["C"])} == {"c0"}
    assert len(select_dialogues(pool, None, ["A"])) == 13


def test_the_loop_carries_the_predicted_state_and_turn_level_uses_the_gold() -> None:
    first = _turn({"restaurant-food": "thai"}, "Thai food please.")
    second = _turn(
        {"restaurant-food": "thai", "restaurant-area": "north"},
        "In the north.",
        index=1,
        prev=first.state,
    )
    dialogue = AnnotatedDialogue(id="d1", services=("restaurant",), turns=(first, second))
    replies = [
        '{"intent": "find_restaurant", "restaurant-food": "korean"}',
        '{"restaurant-area": "north"}',
    ]

    def run(turn_level: bool):
        model = ScriptedChatModel(list(replies))
        return model, evaluate(
            [dialogue],
            SCHEMA,
            lambda schema, _: StateTracker(model, EchoPrompts(), schema),
            seen_services=frozenset({"restaurant"}),
            turn_level=turn_level,
        )

    model, carried = run(False)
    assert "'restaurant-food': 'korean'" in model.calls[1].messages[-1].content
    summary = carried.summary()
    assert summary["jga"] == 0.0 and summary["turns"] == 2 and summary["jga_unseen"] is None
    assert len(carried.latencies) == 2
    model, gold = run(True)
    assert "'restaurant-food': 'thai'" in model.calls[1].messages[-1].content
    assert gold.summary()["jga"] == 0.5
    assert gold.summary()["per_service"]["restaurant"] == {"jga": 0.5, "turns": 2, "seen": True}


def test_sub_schema_keeps_the_dialogue_services_in_order() -> None:
    assert [s.name for s in sub_schema(SCHEMA, ["hotel", "restaurant"]).services] == ["restaurant"]
