"""The shared test toolkit (tests/fakes) is what it claims: the mini domain is consistent with
itself, its two views differ only in what is trackable, ``memory()`` is the real store, and the
keyword tracker and ``mini_engine`` keep to the mini domain."""

from __future__ import annotations

from agent.domain import DialogueState, StateDelta
from agent.tracking.state_grammar import trackable_slots
from storage.store import SqlMemory
from tests.fakes.engine import mini_engine
from tests.fakes.mini import OPEN_SCHEMA, mini_pack
from tests.fakes.store import memory
from tests.fakes.turns import KeywordTracker


def test_records_hold_only_the_schemas_categorical_values() -> None:
    pack = mini_pack()
    for service, entities in pack.database.items():
        for entity in entities:
            for attribute, value in entity.attributes.items():
                slot = pack.schema.slot(f"{service}-{attribute.lower()}")
                if slot is not None and slot.categorical:
                    assert value in slot.values, (entity.name, attribute, value)


def test_exemplars_name_slots_and_intents_of_the_schema() -> None:
    pack = mini_pack()
    intents = {i.name for s in pack.schema.services for i in s.intents}
    for turn in pack.exemplars:
        assert set(turn.state.slots) <= set(pack.schema.slot_names)
        assert set(turn.delta.intents.values()) <= intents
        assert turn.state == turn.prev_state.apply(turn.delta)


def test_the_open_view_differs_only_in_what_is_trackable() -> None:
    schema = mini_pack().schema
    assert OPEN_SCHEMA.slot_names == schema.slot_names
    assert set(trackable_slots(OPEN_SCHEMA)) == set(schema.slot_names)
    assert "restaurant-phone" not in trackable_slots(schema)  # asked for, never set


def test_memory_is_a_fresh_real_store() -> None:
    with memory() as first, memory() as second:
        assert isinstance(first, SqlMemory)
        first.create_conversation(title="t", domain="mini", model="fake")
        assert len(first.list_conversations()) == 1
        assert second.list_conversations() == []


def test_the_keyword_tracker_sets_only_slots_of_the_mini_schema() -> None:
    slots = {s.name for service in mini_pack().schema.services for s in service.slots}
    text = "book a cheap italian in the centre for 2 people on friday at 18:00"
    change, state = KeywordTracker().track(DialogueState(), "", text)
    assert set(change.set) <= slots and len(change.set) == 6
    assert state.intents == {"restaurant": "book_restaurant"}
    assert KeywordTracker().track(state, "", "hello") == (StateDelta(), state)


def test_mini_engine_runs_a_turn_on_the_real_store() -> None:
    with memory() as store:
        engine = mini_engine(store, KeywordTracker())
        cid = engine.start_conversation().id
        result = engine.turn(cid, "a cheap italian in the centre")
        assert result.state.slots["restaurant-food"] == "italian"
        assert [t.role for t in store.active_branch(cid)] == ["user", "assistant"]
