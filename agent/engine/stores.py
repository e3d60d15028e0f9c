"""What the engine's doors need of the memory store beyond :class:`agent.ports.Memory`.

:class:`Branching`: the store's ``fork`` (``storage.SqlMemory`` has it), for edit-and-resend.
:class:`SessionMemory`: the conversation lifecycle the sessions service works (rename, archive,
delete, restore). :func:`refuse_stale`: the ``expected_head`` check a door makes itself, before
work that must not happen for a refused call (a booking), the store checking again at its write.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from agent.domain import GenerationMeta, Turn
from agent.ports import ConversationChanged, Memory


@runtime_checkable
class Branching(Protocol):
    """A store that can put a new turn beside an old one."""

    def fork(
        self,
        turn_id: int,
        text: str,
        *,
        complete: bool = True,
        meta: GenerationMeta | None = None,
        expected_head: int | None = None,
    ) -> Turn:
        """A new sibling of ``turn_id`` (same parent and role) that becomes the head; refused
        (``ConversationChanged``, nothing stored) as ``append_turn`` is."""
        ...


class SessionMemory(Memory, Protocol):
    """The memory port plus the conversation lifecycle (``storage.SqlMemory`` fits)."""

    def rename(self, conversation_id: int, title: str) -> object: ...

    def archive(self, conversation_id: int, archived: bool = True) -> object: ...

    def delete(self, conversation_id: int) -> object:
        """Soft delete: :meth:`restore` undoes it."""
        ...

    def restore(self, conversation_id: int) -> object: ...


def refuse_stale(
    memory: Memory,
    conversation_id: int,
    branch: Sequence[Turn],
    expected: int | None,
    refused: str = "no new reply was made",
) -> None:
    """Raise :class:`ConversationChanged` (saying ``refused``) when the conversation was deleted
    or, with ``expected`` given, its head is no longer ``expected``. ``branch`` is the active
    branch as just read. Without ``expected`` nothing is checked (and nothing read)."""
    if expected is None:
        return
    conversation = memory.get_conversation(conversation_id)
    if conversation.deleted:
        hint = f"restore it with `slotchat sessions restore {conversation_id}`"
        raise ConversationChanged(conversation_id, "deleted", refused, hint)
    if conversation.head_turn_id == expected:
        return
    hint = f"reload it (`slotchat repl --conversation {conversation_id}`) and try again"
    raise ConversationChanged(conversation_id, _change(branch, expected), refused, hint)


def _change(branch: Sequence[Turn], expected: int) -> str:
    """What happened since the caller saw ``expected``, told as the store tells it."""
    ids = [turn.id for turn in branch]
    if expected in ids:
        added = len(ids) - ids.index(expected) - 1
        return f"{added} new turn{'s' if added != 1 else ''}"
    return "the turn you saw was edited or regenerated, or another branch was chosen"
