"""A booking turn interrupted at each of its writes, then the conversation continued.

The real engine (fake model, template replies, the cambridge pack) over the real store, on a
SQLite file and on PostgreSQL. The store is wrapped so that the k-th write of the booking turn
raises, as a kill at that point would leave things (every write is its own transaction, so what
was committed before the crash is exactly what a killed process leaves). A new engine on the same
database then continues the conversation the way ``repl --conversation N`` does: it answers what
was left unanswered, and the user says "yes" once more. Whatever the point of the crash: exactly
one booking, its reference shown to the user, and an act on the tree that announces it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.engine.dialogue import DialogueEngine
from cli.compose import build_engine
from cli.settings import Settings
from storage import open_memory
from storage.store import SqlMemory
from tests.storage.conftest import db_url  # noqa: F401 - the SQLite and PostgreSQL fixture

SEARCH = "I want a cheap italian restaurant in the centre"
DETAILS = "Book it for 2 people on friday at 18:00"
YES = "yes please"
WRITES = ("append_turn", "save_state", "begin_reply", "update_turn", "add_booking")
BOOKING_TURN_WRITES = 3  # the user turn, the reply with state, act and booking, its text


class Crash(Exception):
    """Stands for the process dying at this point."""


class CrashingMemory:
    """The real store; the ``crash_at``-th write after :meth:`arm` raises instead of writing."""

    def __init__(self, inner: SqlMemory) -> None:
        self.inner = inner
        self.crash_at: int | None = None
        self.writes = 0

    def arm(self, crash_at: int | None) -> None:
        """Count writes from now; raise at the ``crash_at``-th (never, for ``None``)."""
        self.crash_at, self.writes = crash_at, 0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)
        if name not in WRITES:
            return method

        def write(*args: Any, **kwargs: Any) -> Any:
            if self.writes == self.crash_at:
                self.crash_at = None
                raise Crash(name)
            self.writes += 1
            return method(*args, **kwargs)

        return write


def engine_on(memory: Any, url: str) -> DialogueEngine:
    settings = Settings(model="fake", domain="cambridge", db_url=url, threads=1)
    return build_engine(settings, memory=memory, responder="template")


@pytest.mark.parametrize("crash_at", [*range(BOOKING_TURN_WRITES), None])
def test_a_booking_turn_killed_at_each_write_books_once_and_shows_it(
    db_url: str,  # noqa: F811
    crash_at: int | None,
) -> None:
    url = db_url
    store = CrashingMemory(open_memory(url))
    engine = engine_on(store, url)
    conversation = engine.start_conversation().id
    engine.turn(conversation, SEARCH)
    confirm = engine.turn(conversation, DETAILS)
    assert confirm.act.type.value == "confirm"
    shown: list[str] = []
    if crash_at is None:
        shown.append(engine.turn(conversation, YES).reply)
    else:
        store.arm(crash_at)
        with pytest.raises(Crash):
            engine.turn(conversation, YES)
    store.inner.close()

    memory = open_memory(url)  # the next process
    try:
        again = engine_on(memory, url)
        resumed = again.resume(conversation)
        shown += [resumed.reply] if resumed is not None else []
        shown += [again.turn(conversation, text).reply for text in (YES, "thank you, bye")]
        bookings = memory.bookings(conversation)
        assert len(bookings) == 1, (crash_at, bookings)
        reference = bookings[0].reference
        assert any(reference in reply for reply in shown), (crash_at, shown)
        announced = {
            t.act.booking.reference
            for t in memory.all_turns(conversation)
            if t.act is not None and t.act.booking is not None
        }
        assert announced == {reference}
        assert not again.pending(conversation)
    finally:
        memory.close()


def test_the_booking_and_the_act_that_announces_it_are_one_write(tmp_path: Path) -> None:
    """Written separately (as before), a crash between the two left a booking that no act
    announced, and the next turn booked again."""
    url = f"sqlite:///{tmp_path}/one.db"
    store = CrashingMemory(open_memory(url))
    engine = engine_on(store, url)
    conversation = engine.start_conversation().id
    engine.turn(conversation, SEARCH)
    engine.turn(conversation, DETAILS)
    store.arm(None)
    engine.turn(conversation, YES)
    assert store.writes == BOOKING_TURN_WRITES
    store.inner.close()
