"""The Memory API on both backends: turns as a tree, state snapshots, bookings, lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent.domain import Act, ActType, Booking, DialogueState, Entity, GenerationMeta
from agent.errors import NotFound
from agent.ports import Memory
from storage.store import SqlMemory


def _conversation(memory: SqlMemory, title: str = "dinner") -> int:
    return memory.create_conversation(title=title, domain="cambridge", model="tiny").id


def test_implements_the_memory_port(memory: SqlMemory) -> None:
    port: Memory = memory
    assert port.list_conversations() == []


def test_append_builds_a_branch_and_moves_the_head(memory: SqlMemory) -> None:
    cid = _conversation(memory)
    user = memory.append_turn(cid, "user", "a cheap italian place please")
    reply = memory.append_turn(cid, "assistant", "Pizza Hut is cheap.")
    assert reply.parent_id == user.id and user.parent_id is None
    assert memory.get_conversation(cid).head_turn_id == reply.id
    branch = memory.active_branch(cid)
    assert [t.text for t in branch] == ["a cheap italian place please", "Pizza Hut is cheap."]
    assert branch[0].created_at.tzinfo is not None
    assert memory.get_turn(reply.id) == branch[1]


def test_streamed_reply_is_incomplete_until_marked(memory: SqlMemory) -> None:
    cid = _conversation(memory)
    memory.append_turn(cid, "user", "hi")
    reply = memory.append_turn(cid, "assistant", "", complete=False)
    assert memory.active_branch(cid)[-1].complete is False
    memory.update_turn(reply.id, text="Hel")
    meta = GenerationMeta(model="tiny", prompt_tokens=30, completion_tokens=2, latency_s=0.5)
    memory.update_turn(reply.id, text="Hello!", complete=True, meta=meta)
    done = memory.get_turn(reply.id)
    assert (done.text, done.complete, done.meta) == ("Hello!", True, meta)
    memory.update_turn(reply.id, meta=GenerationMeta(model="tiny", cut_off=True))
    changed = memory.get_turn(reply.id)
    assert changed.meta is not None and changed.meta.cut_off and changed.text == "Hello!"
    memory.update_turn(reply.id, complete=False)
    assert memory.get_turn(reply.id).complete is False


def test_fork_and_regenerate_keep_every_branch(memory: SqlMemory) -> None:
    cid = _conversation(memory)
    user = memory.append_turn(cid, "user", "italian food")
    first = memory.append_turn(cid, "assistant", "first answer")
    second = memory.regenerate(first.id)
    assert (second.parent_id, second.role, second.complete) == (user.id, "assistant", False)
    assert [t.id for t in memory.active_branch(cid)] == [user.id, second.id]
    assert [t.id for t in memory.siblings(first.id)] == [first.id, second.id]
    edited = memory.fork(user.id, "chinese food")
    assert edited.parent_id is None and memory.active_branch(cid) == [edited]
    memory.switch_branch(user.id)  # back to the newest branch under the first question
    assert [t.id for t in memory.active_branch(cid)] == [user.id, second.id]
    assert len(memory.all_turns(cid)) == 4


def test_append_below_an_explicit_parent(memory: SqlMemory) -> None:
    cid = _conversation(memory)
    root = memory.append_turn(cid, "user", "one")
    memory.append_turn(cid, "assistant", "two")
    other = memory.append_turn(cid, "assistant", "two, again", parent_id=root.id)
    assert [t.id for t in memory.active_branch(cid)] == [root.id, other.id]


def test_latest_state_follows_the_active_branch(memory: SqlMemory) -> None:
    cid = _conversation(memory)
    assert memory.latest_state(cid) == DialogueState()
    u1 = memory.append_turn(cid, "user", "cheap please")
    first = DialogueState(slots={"restaurant-pricerange": "cheap"}, requested=frozenset({"x"}))
    act = Act(
        ActType.OFFER,
        "restaurant",
        ("restaurant-food",),
        (Entity("restaurant", "Pizza Hut", {"area": "centre"}),),
        3,
    )
    memory.save_state(u1.id, first, act)
    memory.append_turn(cid, "assistant", "which food?")
    u2 = memory.append_turn(cid, "user", "italian")
    second = DialogueState(slots={"restaurant-pricerange": "cheap", "restaurant-food": "italian"})
    memory.save_state(u2.id, second)
    assert memory.latest_state(cid) == second
    memory.fork(u2.id, "something else")  # new branch, no state yet: the older snapshot counts
    assert memory.latest_state(cid) == first
    assert memory.active_branch(cid)[0].act == act
    memory.save_state(u1.id, second)  # saving again replaces the snapshot
    assert memory.active_branch(cid)[0].state == second and memory.active_branch(cid)[0].act is None


def test_bookings(memory: SqlMemory) -> None:
    cid = _conversation(memory)
    turn = memory.append_turn(cid, "assistant", "booked")
    when = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
    booking = Booking("restaurant", "AB12CD34", {"restaurant-bookpeople": "2"}, "pizza hut", when)
    memory.add_booking(cid, turn.id, booking)
    memory.add_booking(cid, None, Booking("taxi", "TX000001"))
    found = memory.bookings(cid)
    assert found[0] == booking and found[1].reference == "TX000001"
    assert found[1].created_at is not None


def test_conversation_lifecycle(memory: SqlMemory) -> None:
    a, b = _conversation(memory, "a"), _conversation(memory, "b")
    memory.append_turn(a, "user", "newest activity")
    assert [c.id for c in memory.list_conversations()] == [a, b]
    assert memory.rename(b, "renamed").title == "renamed"
    memory.archive(b)
    assert [c.id for c in memory.list_conversations()] == [a]
    assert {c.id for c in memory.list_conversations(include_archived=True)} == {a, b}
    memory.delete(a)
    assert memory.list_conversations(include_archived=True) == [memory.get_conversation(b)]
    assert memory.get_conversation(a).deleted
    memory.restore(a)
    assert not memory.get_conversation(a).deleted
    memory.delete(a)
    assert memory.purge_deleted() == 1
    with pytest.raises(NotFound):
        memory.get_conversation(a)
    assert memory.turn_counts() == {}


def test_unknown_ids_raise_not_found(memory: SqlMemory) -> None:
    cid = _conversation(memory)
    other = _conversation(memory, "other")
    foreign = memory.append_turn(other, "user", "elsewhere")
    with pytest.raises(NotFound):
        memory.append_turn(999, "user", "x")
    with pytest.raises(NotFound):
        memory.append_turn(cid, "user", "x", parent_id=foreign.id)
    with pytest.raises(NotFound):
        memory.update_turn(12345, text="x")
    with pytest.raises(NotFound):
        memory.save_state(12345, DialogueState())
    with pytest.raises(NotFound):
        memory.purge(999)
