"""Edit-and-resend and regenerate through the engine's doors, over the real store (in-memory
SQLite): the edit is a sibling of the edited message, answered from the fork point; a stale
view (``expected_head``) is refused before anything is stored or booked."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from agent.backend.records import DomainBackend
from agent.domain import ActType, Booking, Entity
from agent.errors import NotFound
from agent.ports import ConversationChanged
from storage.store import SqlMemory
from tests.fakes.engine import mini_engine
from tests.fakes.mini import mini_pack
from tests.fakes.turns import ScriptedTracker, delta

ITALIAN = {"restaurant-food": "italian", "restaurant-area": "centre"}
INDIAN = {"restaurant-food": "indian", "restaurant-area": "centre"}
BOOK = {
    "restaurant-bookday": "friday",
    "restaurant-bookpeople": "2",
    "restaurant-booktime": "18:00",
}
FIND = {"restaurant": "find_restaurant"}


class CountingBackend(DomainBackend):
    """The real backend, counting the bookings asked of it."""

    booked = 0

    def book(self, service: str, slots: Mapping[str, str], entity: Entity | None) -> Booking:
        self.booked += 1
        return super().book(service, slots, entity)


class Setup:
    def __init__(self, memory: SqlMemory, *deltas: object) -> None:
        pack = mini_pack()
        self.memory = memory
        self.tracker = ScriptedTracker(list(deltas))  # type: ignore[arg-type]
        self.backend = CountingBackend(pack, rng_seed=5)
        self.engine = mini_engine(memory, self.tracker, backend=self.backend)
        self.cid = self.engine.start_conversation("test").id

    def head(self) -> int:
        return self.memory.active_branch(self.cid)[-1].id


def test_an_edit_is_a_sibling_answered_from_the_fork_point(memory: SqlMemory) -> None:
    setup = Setup(
        memory, delta({"restaurant-pricerange": "cheap"}, intents=FIND), delta(ITALIAN),
        delta(INDIAN),
    )  # fmt: skip
    setup.engine.turn(setup.cid, "something cheap")
    second = setup.engine.turn(setup.cid, "italian in the centre")
    edited = setup.engine.edit(
        setup.cid, second.user_turn_id, "indian in the centre", expected_head=setup.head()
    )
    branch = memory.active_branch(setup.cid)
    assert [t.text for t in branch if t.role == "user"] == [
        "something cheap",
        "indian in the centre",
    ]
    assert branch[-2].id == edited.user_turn_id
    assert memory.siblings(second.user_turn_id)[-1].id == edited.user_turn_id
    assert setup.tracker.calls[-1][0] == setup.tracker.calls[1][0]  # the fork point's state
    assert edited.state.slots["restaurant-food"] == "indian"
    assert edited.state.slots["restaurant-pricerange"] == "cheap"
    old = [t for t in memory.all_turns(setup.cid) if t.text == "italian in the centre"]
    assert len(old) == 1  # the old branch is kept


def test_editing_the_first_message_starts_a_new_root(memory: SqlMemory) -> None:
    setup = Setup(memory, delta(ITALIAN, intents=FIND), delta(INDIAN, intents=FIND))
    first = setup.engine.turn(setup.cid, "italian")
    edited = setup.engine.edit(setup.cid, first.user_turn_id, "indian")
    branch = memory.active_branch(setup.cid)
    assert [t.text for t in branch if t.role == "user"] == ["indian"]
    assert branch[0].parent_id is None
    assert setup.tracker.calls[-1][0].slots == {}
    assert edited.state.slots["restaurant-food"] == "indian"


def test_a_stale_edit_is_refused_and_stores_nothing(memory: SqlMemory) -> None:
    setup = Setup(memory, delta(ITALIAN, intents=FIND))
    first = setup.engine.turn(setup.cid, "italian")
    seen = setup.head()
    setup.engine.turn(setup.cid, "and cheap")  # another window answered past what this one saw
    before = len(memory.all_turns(setup.cid))
    with pytest.raises(ConversationChanged, match="your edit was not sent"):
        setup.engine.edit(setup.cid, first.user_turn_id, "indian", expected_head=seen)
    assert len(memory.all_turns(setup.cid)) == before


def test_an_edit_of_a_message_another_window_replaced_is_refused(memory: SqlMemory) -> None:
    setup = Setup(memory, delta(ITALIAN, intents=FIND), delta(INDIAN, intents=FIND))
    first = setup.engine.turn(setup.cid, "italian")
    seen = setup.head()
    setup.engine.edit(setup.cid, first.user_turn_id, "indian")  # the other window's edit
    before = len(memory.all_turns(setup.cid))
    with pytest.raises(ConversationChanged, match="your edit was not sent"):
        setup.engine.edit(setup.cid, first.user_turn_id, "thai", expected_head=seen)
    assert len(memory.all_turns(setup.cid)) == before


def test_an_edit_names_a_message_of_the_branch(memory: SqlMemory) -> None:
    setup = Setup(memory, delta(ITALIAN, intents=FIND))
    result = setup.engine.turn(setup.cid, "italian")
    with pytest.raises(NotFound):
        setup.engine.edit(setup.cid, result.reply_turn_id, "indian")  # a reply, not a message


def _waiting_for_yes(memory: SqlMemory) -> Setup:
    """Asked to confirm a booking; the user's "yes" is stored, its reply never began (the
    process died), so answering it would book."""
    setup = Setup(
        memory, delta(ITALIAN, intents=FIND), delta(BOOK, intents={"restaurant": "book_restaurant"})
    )
    setup.engine.turn(setup.cid, "italian food in the centre")
    confirm = setup.engine.turn(setup.cid, "book it for 2 on friday at 18:00")
    assert confirm.act.type is ActType.CONFIRM
    memory.append_turn(setup.cid, "user", "yes please")
    return setup


def test_a_refused_regenerate_books_nothing(memory: SqlMemory) -> None:
    setup = _waiting_for_yes(memory)
    stale = memory.active_branch(setup.cid)[-2].id  # the view before "yes" arrived
    with pytest.raises(ConversationChanged, match="no new reply was made"):
        setup.engine.regenerate(setup.cid, expected_head=stale)
    assert setup.backend.booked == 0
    assert memory.bookings(setup.cid) == []
    assert memory.active_branch(setup.cid)[-1].text == "yes please"


def test_a_regenerate_of_a_deleted_conversation_books_nothing(memory: SqlMemory) -> None:
    setup = _waiting_for_yes(memory)
    head = setup.head()
    memory.delete(setup.cid)
    with pytest.raises(ConversationChanged, match="deleted"):
        setup.engine.regenerate(setup.cid, expected_head=head)
    assert setup.backend.booked == 0


def test_the_same_regenerate_with_the_current_head_books_once(memory: SqlMemory) -> None:
    setup = _waiting_for_yes(memory)
    result = setup.engine.regenerate(setup.cid, expected_head=setup.head())
    assert result.act.type is ActType.BOOK and setup.backend.booked == 1
    assert [b.reference for b in memory.bookings(setup.cid)] == [result.booking.reference]
