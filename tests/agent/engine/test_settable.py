"""One rule for the slots a user can set: the tracker's grammar and the engine agree.

A small two-service schema: a restaurant service whose intents name their slots (so its phone
is a result, not a goal) and a weather service whose intent names none (so all its slots are
the user's to set). The tracker's rule, ``trackable_slots``, keeps ``weather-city``; so must the
engine, rather than turning it into a request.
"""

from __future__ import annotations

from agent.backend.records import DomainBackend
from agent.domain import DialogueState, DomainPack, DomainSchema, IntentSpec, ServiceSpec, SlotSpec
from agent.engine.dialogue import DialogueEngine
from agent.engine.turn_checks import StateFilter
from agent.llm.fake import ScriptedChatModel
from agent.tracking.state_grammar import trackable_slots
from storage import open_memory
from tests.fakes.turns import EchoPrompts as SimplePrompts
from tests.fakes.turns import ScriptedTracker, delta

RESTAURANT = ServiceSpec(
    "restaurant",
    "places to eat",
    (SlotSpec("restaurant-food", "food"), SlotSpec("restaurant-phone", "phone number")),
    (IntentSpec("find_restaurant", "search", optional=("restaurant-food",)),),
)
WEATHER = ServiceSpec(
    "weather",
    "forecasts",
    (SlotSpec("weather-city", "city"), SlotSpec("weather-date", "date")),
    (IntentSpec("get_weather", "the forecast"),),
)
SCHEMA = DomainSchema("two", (RESTAURANT, WEATHER))


def test_the_engine_settable_slots_are_the_tracker_trackable_slots() -> None:
    assert StateFilter(SCHEMA).settable == frozenset(trackable_slots(SCHEMA))
    assert StateFilter(SCHEMA).settable == {"restaurant-food", "weather-city", "weather-date"}


def test_a_slot_of_a_service_without_intent_slots_is_kept_not_requested() -> None:
    state = DialogueState(slots={"weather-city": "paris", "restaurant-phone": "0123"})
    kept = StateFilter(SCHEMA).valid(state)
    assert dict(kept.slots) == {"weather-city": "paris"}
    assert kept.requested == {"restaurant-phone"}


def test_a_turn_keeps_what_the_tracker_set_on_the_two_service_schema() -> None:
    model = ScriptedChatModel(lambda messages, constraint: "Sunny.")
    tracker = ScriptedTracker(
        [delta({"weather-city": "paris"}, intents={"weather": "get_weather"})]
    )
    backend = DomainBackend(DomainPack(SCHEMA))
    with open_memory("sqlite://") as memory:
        engine = DialogueEngine(model, tracker, SimplePrompts(), backend, memory, SCHEMA)
        conversation = engine.start_conversation("weather")
        result = engine.turn(conversation.id, "the weather in paris?")
        assert dict(result.state.slots) == {"weather-city": "paris"}
        assert "weather-city" not in result.state.requested
        assert engine.state(conversation.id).slots["weather-city"] == "paris"
