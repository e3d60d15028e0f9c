"""Regenerate and edit-and-resend over the memory's fork API, without the engine knowing.

The engine appends each user turn below the head of the active branch. To branch, the TUI
announces "the next user turn of conversation C is a new sibling of turn U": until that turn is
written, this wrapper shows the engine the branch as it was *before* U (so the state and history
it reads are the fork point's), and turns the engine's ``append_turn`` into ``fork(U, text)``.
Every other call passes straight through, ``expected_head`` included: the fork is refused by
the store when another window changed the conversation since this one saw it.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import Protocol

from agent.domain import (
    Act,
    Booking,
    Conversation,
    DialogueState,
    GenerationMeta,
    Role,
    SearchHit,
    Turn,
)


class ForkableMemory(Protocol):
    """The memory port plus the session operations and ``fork`` of ``storage.SqlMemory``."""

    def create_conversation(self, *, title: str, domain: str, model: str) -> Conversation: ...
    def get_conversation(self, conversation_id: int) -> Conversation: ...
    def list_conversations(self, *, include_archived: bool = False) -> list[Conversation]: ...
    def append_turn(
        self,
        conversation_id: int,
        role: Role,
        text: str,
        *,
        parent_id: int | None = None,
        complete: bool = True,
        meta: GenerationMeta | None = None,
        expected_head: int | None = None,
    ) -> Turn: ...
    def update_turn(
        self,
        turn_id: int,
        *,
        text: str | None = None,
        complete: bool | None = None,
        meta: GenerationMeta | None = None,
    ) -> None: ...
    def fork(
        self,
        turn_id: int,
        text: str,
        *,
        complete: bool = True,
        meta: GenerationMeta | None = None,
        expected_head: int | None = None,
    ) -> Turn: ...
    def save_state(
        self,
        turn_id: int,
        state: DialogueState,
        act: Act | None = None,
        *,
        expected_head: int | None = None,
    ) -> None: ...
    def begin_reply(
        self,
        user_turn: Turn,
        state: DialogueState,
        act: Act,
        booking: Booking | None = None,
        *,
        expected_head: int | None = None,
    ) -> Turn: ...
    def active_branch(self, conversation_id: int) -> list[Turn]: ...
    def answering(self, conversation_id: int) -> AbstractContextManager[None]: ...
    def being_answered(self, conversation_id: int) -> bool: ...
    def latest_state(self, conversation_id: int) -> DialogueState: ...
    def add_booking(self, conversation_id: int, turn_id: int | None, booking: Booking) -> None: ...
    def bookings(self, conversation_id: int) -> list[Booking]: ...
    def search(self, query: str, *, limit: int = 20) -> list[SearchHit]: ...
    def rename(self, conversation_id: int, title: str) -> object: ...
    def archive(self, conversation_id: int, archived: bool = True) -> object: ...
    def delete(self, conversation_id: int) -> object: ...
    def restore(self, conversation_id: int) -> object: ...


class ForkingMemory:
    """Implements ``agent.ports.Memory`` and the TUI's ``SessionStore`` over a ForkableMemory."""

    def __init__(self, inner: ForkableMemory) -> None:
        self.inner = inner
        self._pending: dict[int, int] = {}  # conversation -> user turn to branch beside
        self._lock = threading.Lock()

    def fork_next(self, conversation_id: int, user_turn_id: int) -> None:
        with self._lock:
            self._pending[conversation_id] = user_turn_id

    def cancel_fork(self, conversation_id: int) -> None:
        with self._lock:
            self._pending.pop(conversation_id, None)

    def append_turn(
        self,
        conversation_id: int,
        role: Role,
        text: str,
        *,
        parent_id: int | None = None,
        complete: bool = True,
        meta: GenerationMeta | None = None,
        expected_head: int | None = None,
    ) -> Turn:
        with self._lock:
            sibling = self._pending.pop(conversation_id, None) if role == "user" else None
        if sibling is not None and parent_id is None:
            return self.inner.fork(
                sibling, text, complete=complete, meta=meta, expected_head=expected_head
            )
        return self.inner.append_turn(
            conversation_id, role, text, parent_id=parent_id, complete=complete, meta=meta,
            expected_head=expected_head,
        )  # fmt: skip

    def active_branch(self, conversation_id: int) -> list[Turn]:
        branch = self.inner.active_branch(conversation_id)
        with self._lock:
            sibling = self._pending.get(conversation_id)
        if sibling is None:
            return branch
        ids = [turn.id for turn in branch]
        return branch[: ids.index(sibling)] if sibling in ids else branch

    def latest_state(self, conversation_id: int) -> DialogueState:
        with self._lock:
            pending = conversation_id in self._pending
        if not pending:
            return self.inner.latest_state(conversation_id)
        states = [t.state for t in self.active_branch(conversation_id) if t.state is not None]
        return states[-1] if states else DialogueState()

    # ------------------------------------------------------------------ pass-through

    def create_conversation(self, *, title: str, domain: str, model: str) -> Conversation:
        return self.inner.create_conversation(title=title, domain=domain, model=model)

    def get_conversation(self, conversation_id: int) -> Conversation:
        return self.inner.get_conversation(conversation_id)

    def list_conversations(self, *, include_archived: bool = False) -> list[Conversation]:
        return self.inner.list_conversations(include_archived=include_archived)

    def update_turn(
        self,
        turn_id: int,
        *,
        text: str | None = None,
        complete: bool | None = None,
        meta: GenerationMeta | None = None,
    ) -> None:
        self.inner.update_turn(turn_id, text=text, complete=complete, meta=meta)

    def save_state(
        self,
        turn_id: int,
        state: DialogueState,
        act: Act | None = None,
        *,
        expected_head: int | None = None,
    ) -> None:
        self.inner.save_state(turn_id, state, act, expected_head=expected_head)

    def begin_reply(
        self,
        user_turn: Turn,
        state: DialogueState,
        act: Act,
        booking: Booking | None = None,
        *,
        expected_head: int | None = None,
    ) -> Turn:
        return self.inner.begin_reply(user_turn, state, act, booking, expected_head=expected_head)

    def answering(self, conversation_id: int) -> AbstractContextManager[None]:
        return self.inner.answering(conversation_id)

    def being_answered(self, conversation_id: int) -> bool:
        return self.inner.being_answered(conversation_id)

    def add_booking(self, conversation_id: int, turn_id: int | None, booking: Booking) -> None:
        self.inner.add_booking(conversation_id, turn_id, booking)

    def bookings(self, conversation_id: int) -> list[Booking]:
        return self.inner.bookings(conversation_id)

    def search(self, query: str, *, limit: int = 20) -> list[SearchHit]:
        return self.inner.search(query, limit=limit)

    def rename(self, conversation_id: int, title: str) -> None:
        self.inner.rename(conversation_id, title)

    def archive(self, conversation_id: int, archived: bool = True) -> None:
        self.inner.archive(conversation_id, archived)

    def delete(self, conversation_id: int) -> None:
        self.inner.delete(conversation_id)

    def restore(self, conversation_id: int) -> None:
        self.inner.restore(conversation_id)
