"""The sessions service over the real store (in-memory SQLite): what the sessions screen and the
chat screen ask of conversations, without the model."""

from __future__ import annotations

import pytest

from agent.domain import Act, ActType, Booking, DialogueState
from agent.engine.session_service import Sessions
from storage.store import SqlMemory


@pytest.fixture
def sessions(memory: SqlMemory) -> Sessions:
    return Sessions(memory)


def _conversation(sessions: Sessions, title: str) -> int:
    memory = sessions.memory
    cid = memory.create_conversation(title=title, domain="d", model="m").id
    user = memory.append_turn(cid, "user", f"{title}: cheap italian")
    memory.begin_reply(user, DialogueState(slots={"food": "italian"}), Act(ActType.CHAT))
    return cid


def test_open_gives_the_branch_its_state_and_the_bookings(sessions: Sessions) -> None:
    cid = _conversation(sessions, "dinner")
    booking = Booking("restaurant", "ABCD1234", {"people": "2"}, "pizza hut")
    sessions.memory.add_booking(cid, None, booking)
    session = sessions.open(cid)
    assert [t.role for t in session.branch] == ["user", "assistant"]
    assert session.head == session.branch[-1].id
    assert session.state == DialogueState(slots={"food": "italian"})
    assert session.state == sessions.memory.latest_state(cid)
    assert [b.reference for b in session.bookings] == ["ABCD1234"]


def test_an_empty_conversation_opens_empty(sessions: Sessions) -> None:
    cid = sessions.memory.create_conversation(title="new", domain="d", model="m").id
    session = sessions.open(cid)
    assert session.branch == () and session.head is None and session.state == DialogueState()


def test_list_rename_archive_delete_and_restore(sessions: Sessions) -> None:
    first, second = _conversation(sessions, "first"), _conversation(sessions, "second")
    assert [c.id for c in sessions.conversations()] == [second, first]
    sessions.rename(first, "renamed")
    sessions.archive(second)
    assert [c.title for c in sessions.conversations()] == ["renamed"]
    assert {c.id for c in sessions.conversations(include_archived=True)} == {first, second}
    sessions.delete(first)
    assert sessions.conversations() == []
    sessions.restore(first)
    assert [c.id for c in sessions.conversations()] == [first]


def test_search_finds_messages_of_every_conversation(sessions: Sessions) -> None:
    _conversation(sessions, "lunch")
    _conversation(sessions, "dinner")
    hits = sessions.search("italian")
    assert {h.conversation_title for h in hits} == {"lunch", "dinner"}
