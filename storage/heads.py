"""Optimistic concurrency for edits: a write names the head its window saw.

Two windows on one conversation each show a branch ending at some turn, the head they saw.
An edit (edit-and-resend, regenerate, another branch, a state edit) only makes sense against
that view: the store checks it inside the write's own transaction, after ``_lock_head`` has
locked the conversation row (``SELECT … FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on
SQLite), so nothing can change between the check and the write. A stale view raises
:class:`agent.ports.ConversationChanged` and the transaction writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from agent.ports import ConversationChanged
from storage import rows

# What each kind of write tells the user it did not do.
REFUSED = {
    "message": "your message was not sent",
    "edit": "your edit was not sent",
    "reply": "no new reply was made",
    "branch": "the branch was not switched",
    "state": "your state edit was not saved",
}


@dataclass(frozen=True)
class Head:
    """The locked conversation row: its head and whether it is deleted."""

    conversation_id: int
    turn_id: int | None
    deleted_at: datetime | None


def check(connection: Connection, head: Head, expected: int | None, kind: str) -> None:
    """Raise :class:`ConversationChanged` when the conversation is deleted, or when
    ``expected`` is given and is not the head."""
    if head.deleted_at is not None:
        hint = f"restore it with `slotchat sessions restore {head.conversation_id}`"
        raise ConversationChanged(head.conversation_id, "deleted", REFUSED[kind], hint)
    if expected is None or expected == head.turn_id:
        return
    change = _describe(connection, head.turn_id, expected)
    hint = f"reload it (`slotchat repl --conversation {head.conversation_id}`) and try again"
    raise ConversationChanged(head.conversation_id, change, REFUSED[kind], hint)


def _describe(connection: Connection, head: int | None, expected: int) -> str:
    """What happened since the window saw ``expected``: turns added after it, or a branch
    that no longer goes through it."""
    ids = [turn.id for turn in rows.branch(connection, head)] if head is not None else []
    if expected in ids:
        added = len(ids) - ids.index(expected) - 1
        return f"{added} new turn{'s' if added != 1 else ''}"
    return "the turn you saw was edited or regenerated, or another branch was chosen"
