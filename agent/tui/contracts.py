"""What the TUI needs from the layers below, as small Protocols.

The TUI never builds an engine or opens a database itself: the composition root (``cli/chat.py``)
hands it a :class:`Launch` whose callables do that work. They run in Textual thread workers,
after the first paint, so the window appears at once however slow the model is to load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from agent.domain import Booking, Conversation, DialogueState, SearchHit, Turn, TurnResult
from agent.ports import CancelToken, StepProgress, TurnListener


class ChatBackend(Protocol):
    """The dialogue engine as the TUI sees it (``agent.engine.dialogue.DialogueEngine`` fits)."""

    def start_conversation(self, title: str = ...) -> Conversation: ...

    def turn(
        self,
        conversation_id: int,
        user_text: str,
        *,
        listener: TurnListener | None = None,
        cancel: CancelToken | None = None,
        expected_head: int | None = None,
    ) -> TurnResult:
        """With ``expected_head``, refused (``ConversationChanged``) if another window changed
        the conversation since this one saw that head."""
        ...

    def regenerate(
        self,
        conversation_id: int,
        *,
        listener: TurnListener | None = None,
        cancel: CancelToken | None = None,
        expected_head: int | None = None,
    ) -> TurnResult:
        """A new reply to the last user turn, on a sibling branch of the old reply."""
        ...

    def set_state(
        self, conversation_id: int, state: DialogueState, *, expected_head: int | None = None
    ) -> None:
        """Make ``state`` the conversation's state (the engine may drop unknown slots)."""
        ...

    def state(self, conversation_id: int) -> DialogueState:
        """The state the next turn will start from."""
        ...


class SessionStore(Protocol):
    """The memory store operations behind the chat and sessions screens."""

    def create_conversation(self, *, title: str, domain: str, model: str) -> Conversation: ...

    def get_conversation(self, conversation_id: int) -> Conversation: ...

    def list_conversations(self, *, include_archived: bool = False) -> list[Conversation]: ...

    def active_branch(self, conversation_id: int) -> list[Turn]: ...

    def latest_state(self, conversation_id: int) -> DialogueState: ...

    def bookings(self, conversation_id: int) -> list[Booking]: ...

    def search(self, query: str, *, limit: int = 20) -> list[SearchHit]: ...

    def rename(self, conversation_id: int, title: str) -> object: ...

    def archive(self, conversation_id: int, archived: bool = True) -> object: ...

    def delete(self, conversation_id: int) -> object:
        """Soft delete: :meth:`restore` undoes it."""
        ...

    def restore(self, conversation_id: int) -> object: ...

    def fork_next(self, conversation_id: int, user_turn_id: int) -> None:
        """Make the next user turn of the conversation a new sibling of ``user_turn_id``
        (see :class:`agent.tui.forking.ForkingMemory`)."""
        ...

    def cancel_fork(self, conversation_id: int) -> None: ...


@dataclass(frozen=True)
class LoadedEngine:
    """A ready engine and what the footer shows about its model."""

    backend: ChatBackend
    model_name: str
    context_size: int


@dataclass(frozen=True)
class Launch:
    """Everything the app needs from its caller; the callables run off the UI thread."""

    open_store: Callable[[], SessionStore]
    load_engine: Callable[[SessionStore, StepProgress], LoadedEngine]
    model: str
    domain: str
    theme: str | None = None
    config_path: Path | None = None
    export_dir: Path = field(default_factory=Path.cwd)
    resume: int | None = None
