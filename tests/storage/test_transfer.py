"""Export to JSON and Markdown; JSON imports back without losing anything."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from agent.domain import Act, ActType, Booking, DialogueState, Entity, GenerationMeta
from agent.errors import UsageError
from storage.markdown import export_markdown
from storage.store import SqlMemory
from storage.transfer import dumps, export_json, import_json


def _rich_conversation(memory: SqlMemory) -> int:
    cid = memory.create_conversation(title="Dinner 🍝", domain="cambridge", model="tiny").id
    user = memory.append_turn(cid, "user", "cheap italian, 안녕")
    state = DialogueState({"restaurant-food": "italian"}, {"restaurant": "find"}, frozenset({"x"}))
    booking = Booking(
        "restaurant", "REF00001", {"people": "2"}, "pizza hut", datetime(2026, 3, 1, 12, tzinfo=UTC)
    )
    act = Act(
        ActType.BOOK,
        "restaurant",
        ("a",),
        (Entity("restaurant", "pizza hut", {"k": "v"}),),
        1,
        booking,
        ("area",),
    )
    memory.save_state(user.id, state, act)
    meta = GenerationMeta("tiny", 10, 5, 3, 1.25, 0.5, False)
    reply = memory.append_turn(cid, "assistant", "Booked!", meta=meta)
    memory.add_booking(cid, reply.id, booking)
    memory.add_booking(cid, None, Booking("taxi", "TAXI0001"))
    memory.regenerate(reply.id)  # an incomplete, cut-off sibling that becomes the head
    memory.fork(user.id, "chinese instead")
    memory.switch_branch(user.id)
    memory.archive(cid)
    return cid


def test_json_round_trip_is_lossless(memory: SqlMemory) -> None:
    cid = _rich_conversation(memory)
    exported = export_json(memory, cid)
    copy = import_json(memory, json.loads(dumps(exported)))
    assert copy.id != cid
    assert export_json(memory, copy.id) == exported
    assert memory.active_branch(copy.id)[-1].complete is False
    original = [(t.role, t.text, t.state, t.act, t.meta) for t in memory.all_turns(cid)]
    imported = [(t.role, t.text, t.state, t.act, t.meta) for t in memory.all_turns(copy.id)]
    assert original == imported
    assert memory.bookings(copy.id) == memory.bookings(cid)


def test_markdown_shows_branch_state_and_cut_off(memory: SqlMemory) -> None:
    cid = _rich_conversation(memory)
    text = export_markdown(memory, cid)
    assert text.startswith("# Dinner 🍝\n")
    assert "cheap italian, 안녕" in text and '"restaurant-food": "italian"' in text
    assert "**cut off**" in text and "1 other version" in text
    assert "REF00001" in text and "chinese instead" not in text


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(format="other"), "format"),
        (lambda d: d["turns"][0].update(role="robot"), "role"),
        (lambda d: d["turns"].reverse(), "before its parent"),
        (lambda d: d["turns"][0].update(state={"slots": 3}), "invalid state"),
        (lambda d: d["conversation"].update(head=99), "not in the file"),
    ],
)
def test_invalid_imports_are_refused_clearly(memory: SqlMemory, change, message: str) -> None:
    cid = _rich_conversation(memory)
    data = export_json(memory, cid)
    change(data)
    before = memory.turn_counts()
    with pytest.raises(UsageError, match=message):
        import_json(memory, data, "x.json")
    assert memory.turn_counts() == before
