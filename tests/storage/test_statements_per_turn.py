"""The SQL one turn costs: every statement the driver runs for one ``DialogueEngine.turn``.

The real engine with the fake model over a real SQLite file (cambridge pack, template replies,
so the third turn books). Statements are counted with SQLAlchemy's ``before_cursor_execute``
event, the transactions' ``BEGIN`` apart from the statements that read or write rows; a failing
assertion prints the whole list. The figures are in docs/bench-memory.md ("SQL per turn").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from cli.compose import build_engine
from cli.settings import Settings
from storage import open_memory
from storage.store import SqlMemory

TURNS = (
    "I want a cheap italian restaurant in the centre",
    "Book it for 2 people on friday at 18:00",
    "yes please",  # books: the reply's write also inserts the booking
)
MAX_STATEMENTS = 10  # that read or write rows, per turn
WRITES = 3  # the user turn; the reply with its state, act and booking; the reply's text


@contextmanager
def recording(memory: SqlMemory) -> Iterator[list[str]]:
    """The SQL the store's engine runs while the block runs, one line per statement."""
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(memory.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(memory.engine, "before_cursor_execute", before)


def split(seen: list[str]) -> tuple[list[str], list[str]]:
    """(BEGIN statements, statements that read or write rows)."""
    begins = [s for s in seen if s.upper().startswith("BEGIN")]
    return begins, [s for s in seen if not s.upper().startswith("BEGIN")]


def report(seen: list[str]) -> str:
    return "\n".join(f"{n:2}. {statement[:110]}" for n, statement in enumerate(seen, 1))


@pytest.mark.parametrize("turn", range(len(TURNS)), ids=["search", "details", "booking"])
def test_one_turn_runs_at_most_ten_statements_in_three_writes(tmp_path: Path, turn: int) -> None:
    url = f"sqlite:///{tmp_path}/turns.db"
    memory = open_memory(url)
    try:
        settings = Settings(model="fake", domain="cambridge", db_url=url, threads=1)
        engine = build_engine(settings, memory=memory, responder="template")
        conversation = engine.start_conversation().id
        for text in TURNS[:turn]:
            engine.turn(conversation, text)
        with recording(memory) as seen:
            result = engine.turn(conversation, TURNS[turn])
        begins, statements = split(seen)
        assert len(statements) <= MAX_STATEMENTS, report(seen)
        assert len([b for b in begins if "IMMEDIATE" in b.upper()]) == WRITES, report(seen)
        assert (result.booking is not None) == (turn == 2)
    finally:
        memory.close()


def test_the_state_is_written_once_and_nothing_is_read_back(tmp_path: Path) -> None:
    """One snapshot per turn (on the reply), and no SELECT after the reply's text is written."""
    url = f"sqlite:///{tmp_path}/once.db"
    memory = open_memory(url)
    try:
        settings = Settings(model="fake", domain="cambridge", db_url=url, threads=1)
        engine = build_engine(settings, memory=memory, responder="template")
        conversation = engine.start_conversation().id
        with recording(memory) as seen:
            result = engine.turn(conversation, TURNS[0])
        states = [s for s in seen if s.startswith("INSERT INTO turn_states")]
        assert len(states) == 1, report(seen)
        last_write = max(i for i, s in enumerate(seen) if s.startswith("BEGIN IMMEDIATE"))
        assert not [s for s in seen[last_write:] if s.startswith("SELECT")], report(seen)
        branch = memory.active_branch(conversation)
        assert [t.state is not None for t in branch] == [False, True]
        assert branch[-1].state == result.state and branch[-1].complete
        assert branch[-1].meta is not None and branch[-1].text == result.reply
    finally:
        memory.close()
