"""The system's last act as tracker input (agent.tracking.system_move): accepting an offer carries
its values, "there" lets the model copy the record in focus, and nothing is carried on a "no"."""

from __future__ import annotations

import pytest

from agent.domain import (
    Act,
    ActType,
    DialogueState,
    DomainSchema,
    Entity,
    IntentSpec,
    ServiceSpec,
    SlotSpec,
    SystemMove,
)
from agent.llm.fake import ScriptedChatModel
from agent.tracking.system_move import accepted, move_of_act, naming_slot, refers
from agent.tracking.tracker import StateTracker, TrackerOptions
from tests.fakes.turns import EchoPrompts
from tests.lexicons import EN_KO

# Not the shared mini domain: names unlike MultiWOZ's on purpose ("title", "cab-to"), so the
# move logic is seen to find the naming slot by its kind, never by a slot called "-name".
PLACE = ServiceSpec(
    name="venue",
    description="find and book a venue",
    slots=(
        SlotSpec("venue-area", "area", categorical=True, values=("north", "south")),
        SlotSpec("venue-title", "the venue's name", kind="name"),
        SlotSpec("venue-phone", "phone number", kind="text"),
    ),
    intents=(
        IntentSpec("find_venue", "search", optional=("venue-area", "venue-title")),
        IntentSpec("book_venue", "book", transactional=True, required=("venue-title",)),
    ),
)
CAB = ServiceSpec(
    name="cab",
    description="order a cab",
    slots=(
        SlotSpec("cab-to", "where the cab goes", kind="text"),
        SlotSpec("cab-from", "where the cab starts", kind="text"),
    ),
    intents=(IntentSpec("order_cab", "order", transactional=True, required=("cab-to",)),),
)
SCHEMA = DomainSchema(name="t", services=(PLACE, CAB), lexicon=EN_KO)
SETTABLE = frozenset({"venue-area", "venue-title", "cab-to", "cab-from"})
OFFER = SystemMove(offered={"venue-title": "the blue door"})


def test_the_naming_slot_is_the_slot_of_kind_name() -> None:
    assert naming_slot(SCHEMA, "venue") == "venue-title"
    assert naming_slot(SCHEMA, "cab") == ""


def test_an_offer_act_proposes_its_first_record_by_name() -> None:
    entity = Entity("venue", "The Blue Door")
    act = Act(ActType.OFFER, "venue", entities=(entity, Entity("venue", "Other")))
    move = move_of_act(act, {"venue": entity}, SCHEMA)
    assert move.offered == {"venue-title": "The Blue Door"}
    assert move.focus == {"venue": entity}
    assert move_of_act(Act(ActType.INFORM, "venue", entities=(entity,)), {}, SCHEMA).offered == {}


@pytest.mark.parametrize(
    "text",
    [
        "Yes, that works.",
        "Book that one please",
        "sounds good",
        "That would be great.",
        "I like the sound of that.",
        "네, 좋아요",
        "그걸로 할게요",
    ],
)
def test_accepting_carries_the_offer(text: str) -> None:
    taken = accepted(OFFER, text, EN_KO, said=(), settable=SETTABLE)
    assert taken == {"venue-title": "the blue door"}


@pytest.mark.parametrize(
    "text",
    [
        "No, something else.",
        "Is there anything in the south?",
        "What is the phone number?",
        "Actually, not that one",
        "That sounds great, but is there anything else?",
        "Great, something cheaper?",
        "아니요",
        "다른 곳은요?",
    ],
)
def test_a_refusal_a_question_or_a_hesitation_carries_nothing(text: str) -> None:
    assert accepted(OFFER, text, EN_KO, said=(), settable=SETTABLE) == {}


def test_what_the_user_said_wins_and_result_slots_never_enter() -> None:
    move = SystemMove(offered={"venue-title": "the blue door", "venue-phone": "0123"})
    assert accepted(move, "yes", EN_KO, said={"venue-title": "x"}, settable=SETTABLE) == {}


def test_a_confirmation_fills_only_empty_slots_and_an_offer_replaces() -> None:
    """ "SF" the user said stays when the system confirms "San Francisco"; a taken offer
    replaces the value it is an alternative to."""
    move = SystemMove(offered={"venue-title": "red door"}, confirmed={"venue-area": "north"})
    held = {"venue-area": "south", "venue-title": "blue door"}
    taken = accepted(move, "yes", EN_KO, said=(), settable=SETTABLE, held=held)
    assert taken == {"venue-title": "red door"}


def test_refer_ignores_there_of_existence() -> None:
    assert refers("a cab there please", EN_KO)
    assert not refers("are there any in the north?", EN_KO)


def _tracker(*replies: str) -> tuple[StateTracker, ScriptedChatModel]:
    model = ScriptedChatModel(list(replies))
    return StateTracker(model, EchoPrompts(), SCHEMA, TrackerOptions()), model  # type: ignore[arg-type]


def test_the_tracker_carries_an_accepted_offer_into_the_state() -> None:
    tracker, _ = _tracker("{}", "{}")
    state = DialogueState(slots={"venue-area": "north"}, intents={"venue": "find_venue"})
    _, after = tracker.track(state, "The Blue Door is in the north.", "Great, that one.", OFFER)
    assert after.slots["venue-title"] == "the blue door"
    _, kept = tracker.track(state, "The Blue Door is in the north.", "no thanks", OFFER)
    assert "venue-title" not in kept.slots


def test_there_lets_the_model_copy_the_record_in_focus() -> None:
    """The focus record's name becomes a value the grammar allows for the cab's places."""
    tracker, model = _tracker('{"intent": "order_cab", "cab-to": "the blue door"}')
    focus = SystemMove(focus={"venue": Entity("venue", "The Blue Door")})
    state = DialogueState(slots={"venue-title": "the blue door"}, intents={"venue": "book_venue"})
    _, after = tracker.track(state, "Booked!", "I also need a cab there.", focus)
    assert after.slots.get("cab-to") == "the blue door"
    assert model.calls and "the blue door" in str(model.calls[-1].constraint)
