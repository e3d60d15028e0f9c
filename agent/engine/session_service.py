"""The sessions service: the conversations a front end lists, searches, opens and tidies.

The engine's second door, beside :class:`~agent.engine.dialogue.DialogueEngine` (which runs the
turns): it needs only the store, so a front end can show the conversations while the model is
still loading. Opening a conversation reads its active branch and its bookings (two reads);
the state shown is the branch's latest snapshot, as the next turn will start from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.domain import Booking, Conversation, DialogueState, SearchHit, Turn
from agent.engine.stores import SessionMemory
from agent.engine.turn_context import last_state


@dataclass(frozen=True)
class Session:
    """One conversation as a front end shows it: the active branch (root first), the state
    the next turn starts from, and every booking it made (on any branch)."""

    conversation_id: int
    branch: tuple[Turn, ...]
    state: DialogueState
    bookings: tuple[Booking, ...]

    @property
    def head(self) -> int | None:
        """The last turn of the branch: what an edit names as the view it was made against."""
        return self.branch[-1].id if self.branch else None


class Sessions:
    """List, search, open, rename, archive, delete and restore conversations of ``memory``."""

    def __init__(self, memory: SessionMemory) -> None:
        self.memory = memory

    def conversations(self, *, include_archived: bool = False) -> list[Conversation]:
        """Newest first; deleted ones never, archived ones on request."""
        return self.memory.list_conversations(include_archived=include_archived)

    def search(self, query: str, *, limit: int = 20) -> list[SearchHit]:
        """Messages of every conversation that match ``query``, best first."""
        return self.memory.search(query, limit=limit)

    def open(self, conversation_id: int) -> Session:
        branch = tuple(self.memory.active_branch(conversation_id))
        bookings = tuple(self.memory.bookings(conversation_id))
        return Session(conversation_id, branch, last_state(branch), bookings)

    def rename(self, conversation_id: int, title: str) -> None:
        self.memory.rename(conversation_id, title)

    def archive(self, conversation_id: int, archived: bool = True) -> None:
        self.memory.archive(conversation_id, archived)

    def delete(self, conversation_id: int) -> None:
        """Soft delete: :meth:`restore` undoes it."""
        self.memory.delete(conversation_id)

    def restore(self, conversation_id: int) -> None:
        self.memory.restore(conversation_id)
