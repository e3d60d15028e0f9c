"""Golden files of rendered prompts: every change to a prompt shows up in review.

Regenerate after an intended change with::

    SLOTCHAT_UPDATE_SNAPSHOTS=1 python -m pytest tests/prompts/test_manager_snapshots.py

and read the diff of tests/prompts/snapshots/ before committing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from agent.domain import Act, ActType, Booking, DialogueState, DomainSchema, Entity, Message
from prompts.manager_factory import build_tracker_prompts
from tests.prompts.toy_domain import DINING, UNSEEN, count_words, toy_index

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("SLOTCHAT_UPDATE_SNAPSHOTS") == "1"


def _render(messages: Sequence[Message]) -> str:
    blocks = [f"=== {m.role}{' (cache)' if m.cache else ''}\n{m.content}" for m in messages]
    return "\n".join(blocks) + "\n"


def _check(name: str, messages: Sequence[Message]) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    text = _render(messages)
    if UPDATE or not path.exists():
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"wrote new snapshot {path.name}; check it and run again")
    assert text == path.read_text(encoding="utf-8"), (
        f"{path.name} changed; if intended, SLOTCHAT_UPDATE_SNAPSHOTS=1 to regenerate"
    )


def _tracker(strategy: str, schema: DomainSchema = DINING) -> Callable[..., list[Message]]:
    return build_tracker_prompts(
        schema, toy_index(), count_words, strategy=strategy, k=2
    ).tracker_messages


MID_STATE = DialogueState(
    slots={"Restaurants_1-city": "San Jose", "Restaurants_1-cuisine": "Thai"},
    intents={"Restaurants_1": "FindRestaurants"},
)


def test_tracker_first_turn_dialogue_strategy() -> None:
    _check(
        "tracker_dialogue_first", _tracker("dialogue")(DialogueState(), "", "Thai food in San Jose")
    )


def test_tracker_mid_dialogue_fixed_strategy() -> None:
    messages = _tracker("fixed")(MID_STATE, "What time would you like?", "7 pm, and a cab after")
    _check("tracker_fixed_mid", messages)


def test_tracker_bm25_strategy() -> None:
    messages = _tracker("bm25")(MID_STATE, "How about Lotus?", "Not Thai, make it sushi in Fremont")
    _check("tracker_bm25", messages)


def test_tracker_unseen_service_rewritten_exemplars() -> None:
    schema = DomainSchema("unseen", (UNSEEN,))
    _check(
        "tracker_unseen", _tracker("dialogue", schema)(DialogueState(), "", "Italian in Oakland")
    )


def test_responder_offer() -> None:
    act = Act(
        ActType.OFFER,
        "restaurant",
        entities=(
            Entity(
                "restaurant",
                "Golden Wok",
                {"restaurant-area": "north", "restaurant-phone": "01223350688"},
            ),
            Entity("restaurant", "The Hotpot", {"restaurant-area": "north"}),
        ),
        total=2,
    )
    manager = build_tracker_prompts(DINING, toy_index(), count_words)
    history = [("user", "I want Chinese food."), ("assistant", "Which area?")]
    state = DialogueState(slots={"restaurant-food": "chinese", "restaurant-area": "north"})
    _check("responder_offer", manager.responder_messages(act, state, history, "The north."))


def test_responder_book() -> None:
    booking = Booking("restaurant", "K3P9QW2D", {"restaurant-bookpeople": "4"}, "Golden Wok")
    manager = build_tracker_prompts(DINING, toy_index(), count_words)
    messages = manager.responder_messages(
        Act(ActType.BOOK, "restaurant", booking=booking), DialogueState(), [], "Yes."
    )
    _check("responder_book", messages)
