"""What the TUI needs from the layers below, as small Protocols.

The TUI never builds an engine or opens a database itself, and never works the store: the
composition root (``cli/chat.py``) hands it a :class:`Launch` whose callables build the engine's
two doors, the sessions service and the dialogue engine. They run in Textual thread workers,
after the first paint, so the window appears at once however slow the model is to load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from agent.domain import Conversation, DialogueState, SearchHit, TurnResult
from agent.engine.session_service import Session
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

    def edit(
        self,
        conversation_id: int,
        user_turn_id: int,
        text: str,
        *,
        listener: TurnListener | None = None,
        cancel: CancelToken | None = None,
        expected_head: int | None = None,
    ) -> TurnResult:
        """Edit-and-resend: ``text`` as a new sibling of the message ``user_turn_id``, answered
        from that point of the conversation; the old branch stays stored."""
        ...

    def set_state(
        self, conversation_id: int, state: DialogueState, *, expected_head: int | None = None
    ) -> None:
        """Make ``state`` the conversation's state (the engine may drop unknown slots)."""
        ...

    def state(self, conversation_id: int) -> DialogueState:
        """The state the next turn will start from."""
        ...


class SessionService(Protocol):
    """The conversations behind the chat and sessions screens
    (``agent.engine.session_service.Sessions`` fits); usable before the model is loaded."""

    def conversations(self, *, include_archived: bool = False) -> list[Conversation]: ...

    def search(self, query: str, *, limit: int = 20) -> list[SearchHit]: ...

    def open(self, conversation_id: int) -> Session:
        """The active branch, the state the next turn starts from, and the bookings."""
        ...

    def rename(self, conversation_id: int, title: str) -> None: ...

    def archive(self, conversation_id: int, archived: bool = True) -> None: ...

    def delete(self, conversation_id: int) -> None:
        """Soft delete: :meth:`restore` undoes it."""
        ...

    def restore(self, conversation_id: int) -> None: ...


@dataclass(frozen=True)
class LoadedEngine:
    """A ready engine and what the footer shows about its model."""

    backend: ChatBackend
    model_name: str
    context_size: int


@dataclass(frozen=True)
class Launch:
    """Everything the app needs from its caller; the callables run off the UI thread."""

    open_sessions: Callable[[], SessionService]
    load_engine: Callable[[SessionService, StepProgress], LoadedEngine]
    model: str
    domain: str
    theme: str | None = None
    config_path: Path | None = None
    export_dir: Path = field(default_factory=Path.cwd)
    resume: int | None = None
    server: str | None = None  # the model server this run uses (None: the local model)
