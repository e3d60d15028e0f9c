"""The shared test toolkit (tests/fakes) is what it claims: the mini domain is consistent with
itself, its two views differ only in what is trackable, and ``memory()`` is the real store."""

from __future__ import annotations

from agent.tracking.state_grammar import trackable_slots
from storage.store import SqlMemory
from tests.fakes.mini import OPEN_SCHEMA, mini_pack
from tests.fakes.store import memory


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
