"""Two windows' engines on one conversation: the real engine (fake model, template replies,
the cambridge pack) over two stores opened on one SQLite file, and on one PostgreSQL database.
An edit or a regenerate made against a view the other window has changed is refused before the
turn writes anything: no turn, no state, no booking."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent.engine.dialogue import DialogueEngine
from agent.ports import ConversationChanged
from cli.compose import build_engine
from cli.settings import Settings
from storage import open_memory
from storage.store import SqlMemory
from tests.storage.conftest import db_url  # noqa: F401 - the SQLite and PostgreSQL fixture

SEARCH = "I want a cheap italian restaurant in the centre"
DETAILS = "Book it for 2 people on friday at 18:00"


@pytest.fixture
def engines(db_url: str) -> Iterator[tuple[DialogueEngine, DialogueEngine]]:  # noqa: F811
    stores = open_memory(db_url), open_memory(db_url)
    settings = Settings(model="fake", domain="cambridge", db_url=db_url, threads=1)
    try:
        yield tuple(  # type: ignore[misc]
            build_engine(settings, memory=store, responder="template") for store in stores
        )
    finally:
        for store in stores:
            store.close()


def _snapshot(engine: DialogueEngine, cid: int) -> tuple[object, ...]:
    store = engine.memory
    assert isinstance(store, SqlMemory)
    turns = store.all_turns(cid)
    return tuple((t.id, t.text, t.state, t.act, t.complete) for t in turns), store.bookings(cid)


def test_a_regenerate_against_a_reply_the_other_window_regenerated_is_refused(
    engines: tuple[DialogueEngine, DialogueEngine],
) -> None:
    a, b = engines
    cid = a.start_conversation().id
    seen = a.turn(cid, SEARCH).reply_turn_id  # both windows show this reply
    a.regenerate(cid, expected_head=seen)
    before = _snapshot(b, cid)
    with pytest.raises(ConversationChanged) as refused:
        b.regenerate(cid, expected_head=seen)
    assert refused.value.summary.startswith(f"conversation {cid} changed in another window (")
    assert refused.value.summary.endswith("); no new reply was made")
    assert _snapshot(b, cid) == before  # not even the user turn's state was rewritten


def test_a_yes_from_a_window_that_did_not_see_the_booking_is_refused_and_books_nothing(
    engines: tuple[DialogueEngine, DialogueEngine],
) -> None:
    a, b = engines
    cid = a.start_conversation().id
    a.turn(cid, SEARCH)
    seen = a.turn(cid, DETAILS).reply_turn_id  # "shall I book …?", in both windows
    booked = a.turn(cid, "yes please", expected_head=seen)
    assert booked.booking is not None
    before = _snapshot(b, cid)
    with pytest.raises(ConversationChanged, match=r"\(2 new turns\); your message was not sent"):
        b.turn(cid, "yes please", expected_head=seen)
    assert _snapshot(b, cid) == before
    assert len(b.memory.bookings(cid)) == 1


def test_a_state_edit_on_a_stale_view_is_refused(
    engines: tuple[DialogueEngine, DialogueEngine],
) -> None:
    a, b = engines
    cid = a.start_conversation().id
    seen = a.turn(cid, SEARCH).reply_turn_id
    a.turn(cid, "what about the north?")
    before = _snapshot(b, cid)
    with pytest.raises(ConversationChanged, match="your state edit was not saved"):
        b.set_state(cid, a.state(cid), expected_head=seen)
    assert _snapshot(b, cid) == before
