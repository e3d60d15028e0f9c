"""Two windows on one conversation, on a real SQLite file and a real PostgreSQL database: an
edit names the head its window saw, and a stale one is refused with one line while nothing of
it is written. Two ``SqlMemory`` objects stand for the two windows (two processes in
:func:`test_two_processes_editing_the_same_turn_at_once_one_wins_one_is_told`)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.domain import DialogueState
from agent.ports import ConversationChanged
from storage import open_memory
from storage.store import SqlMemory


@pytest.fixture
def windows(db_url: str) -> Iterator[tuple[SqlMemory, SqlMemory]]:
    first, second = open_memory(db_url), open_memory(db_url)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def _started(memory: SqlMemory) -> tuple[int, int, int]:
    """A conversation with one question and its answer: (conversation, user turn, reply)."""
    cid = memory.create_conversation(title="two windows", domain="cambridge", model="fake").id
    user = memory.append_turn(cid, "user", "a cheap italian place please")
    reply = memory.append_turn(cid, "assistant", "Pizza Hut City Centre is cheap and italian.")
    return cid, user.id, reply.id


def _story(memory: SqlMemory, cid: int) -> list[tuple[int | None, str, str]]:
    return [(t.parent_id, t.role, t.text) for t in memory.all_turns(cid)]


def test_both_windows_edit_the_same_message_the_second_is_told(
    windows: tuple[SqlMemory, SqlMemory],
) -> None:
    a, b = windows
    cid, user, reply = _started(a)
    a.fork(user, "a cheap chinese place", expected_head=reply)
    before = _story(b, cid)
    with pytest.raises(ConversationChanged) as refused:
        b.fork(user, "an expensive italian place", expected_head=reply)
    assert str(refused.value) == (
        f"conversation {cid} changed in another window (the turn you saw was edited or "
        "regenerated, or another branch was chosen); your edit was not sent; reload it "
        f"(`slotchat repl --conversation {cid}`) and try again"
    )
    assert _story(b, cid) == before  # nothing of the refused edit was written
    assert [t.text for t in b.active_branch(cid)] == ["a cheap chinese place"]


def test_both_windows_regenerate_the_same_reply_the_second_is_told(
    windows: tuple[SqlMemory, SqlMemory],
) -> None:
    a, b = windows
    cid, _user, reply = _started(a)
    a.regenerate(reply, expected_head=reply)
    before = _story(b, cid)
    with pytest.raises(ConversationChanged, match="no new reply was made"):
        b.regenerate(reply, expected_head=reply)
    assert _story(b, cid) == before


def test_an_edit_of_a_turn_the_other_window_has_answered_past_counts_the_new_turns(
    windows: tuple[SqlMemory, SqlMemory],
) -> None:
    a, b = windows
    cid, user, reply = _started(a)
    a.append_turn(cid, "user", "book it for two")
    a.append_turn(cid, "assistant", "Which day?")
    before = _story(b, cid)
    with pytest.raises(ConversationChanged) as refused:
        b.fork(user, "a cheap chinese place", expected_head=reply)
    assert refused.value.summary == (
        f"conversation {cid} changed in another window (2 new turns); your edit was not sent"
    )
    assert _story(b, cid) == before


def test_a_state_edit_and_a_branch_switch_on_a_stale_view_are_refused(
    windows: tuple[SqlMemory, SqlMemory],
) -> None:
    a, b = windows
    cid, user, reply = _started(a)
    a.append_turn(cid, "user", "and a taxi")
    edited = DialogueState(slots={"restaurant-area": "north"})
    with pytest.raises(ConversationChanged, match=r"\(1 new turn\); your state edit was not saved"):
        b.save_state(reply, edited, expected_head=reply)
    assert b.get_turn(reply).state is None
    with pytest.raises(ConversationChanged, match="the branch was not switched"):
        b.switch_branch(user, expected_head=reply)
    b.save_state(reply, edited)  # without a view to check (the engine's own writes): stored
    assert b.get_turn(reply).state == edited


def test_writing_to_a_conversation_deleted_in_another_window_is_refused_until_restored(
    windows: tuple[SqlMemory, SqlMemory],
) -> None:
    a, b = windows
    cid, user, reply = _started(a)
    a.delete(cid)
    before = _story(b, cid)
    with pytest.raises(ConversationChanged) as refused:
        b.append_turn(cid, "user", "still there?")
    assert str(refused.value) == (
        f"conversation {cid} was deleted; your message was not sent; "
        f"restore it with `slotchat sessions restore {cid}`"
    )
    with pytest.raises(ConversationChanged, match="was deleted"):
        b.fork(user, "an edit", expected_head=reply)
    assert _story(b, cid) == before
    a.restore(cid)
    assert b.append_turn(cid, "user", "still there?").parent_id == reply


def test_a_renamed_conversation_takes_the_message(windows: tuple[SqlMemory, SqlMemory]) -> None:
    """A new title changes nothing the other window's message depends on."""
    a, b = windows
    cid, _user, reply = _started(a)
    a.rename(cid, "italian, then chinese")
    assert b.append_turn(cid, "user", "thanks", expected_head=reply).parent_id == reply
    assert b.get_conversation(cid).title == "italian, then chinese"


def _edit_at_once(url: str, turn_id: int, seen: int, round_: int) -> list[str]:
    worker = str(Path(__file__).with_name("_workers.py"))
    start_at = f"{time.time() + 1.5:.3f}"
    processes = [
        subprocess.Popen(
            [sys.executable, worker, "fork", url, str(turn_id), f"{tag}{round_}", start_at]
            + [str(seen)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in "AB"
    ]
    outputs = [p.communicate(timeout=60) for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    assert not any("Traceback" in err for _out, err in outputs)
    return [out.strip() for out, _err in outputs]


def test_two_processes_editing_the_same_turn_at_once_one_wins_one_is_told(db_url: str) -> None:
    """The check and the write are one transaction under the conversation's lock: of two
    edits made against the same view at the same moment, exactly one is stored."""
    with open_memory(db_url) as memory:
        cid, user, reply = _started(memory)
    for round_ in range(3):
        with open_memory(db_url) as memory:
            seen = memory.active_branch(cid)[-1].id if round_ else reply
            user = memory.active_branch(cid)[0].id
        lines = _edit_at_once(db_url, user, seen, round_)
        refused = [line for line in lines if line.startswith("REFUSED ")]
        stored = [int(line) for line in lines if not line.startswith("REFUSED ")]
        assert len(refused) == 1 and len(stored) == 1, lines
        assert f"conversation {cid} changed in another window" in refused[0]
        with open_memory(db_url) as memory:
            assert memory.active_branch(cid)[-1].id == stored[0]
            assert len(memory.siblings(user)) == round_ + 2  # the original and one per round
