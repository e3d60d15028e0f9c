"""From the generation thread to the UI: a TurnListener that posts Textual messages.

Tokens are buffered and the UI is told only when the buffer goes from empty to non-empty, so
however fast the model is, the UI handles one message per frame it can draw rather than one per
token: the reply widget appends the joined text, and nothing else re-renders.
"""

from __future__ import annotations

import threading
import time

from textual.message import Message
from textual.message_pump import MessagePump

from agent.domain import Act, DialogueState, TurnResult
from agent.engine.session_service import Session
from agent.ports import ConversationChanged


class StateUpdated(Message):
    def __init__(self, state: DialogueState, act: Act) -> None:
        super().__init__()
        self.state = state
        self.act = act


class TokensReady(Message):
    def __init__(self, bridge: StreamBridge) -> None:
        super().__init__()
        self.bridge = bridge


class TextReplaced(Message):
    """The engine swapped the streamed reply for a checked one (grounding fallback)."""

    def __init__(self, text: str, bridge: StreamBridge) -> None:
        super().__init__()
        self.text = text
        self.bridge = bridge


class TurnFinished(Message):
    """The turn is stored; ``session`` is the conversation as opened again after it."""

    def __init__(self, result: TurnResult, bridge: StreamBridge, session: Session) -> None:
        super().__init__()
        self.result = result
        self.bridge = bridge
        self.session = session


class TurnFailed(Message):
    """``text`` is "" when the user cancelled before the engine produced a result."""

    def __init__(self, text: str, bridge: StreamBridge) -> None:
        super().__init__()
        self.text = text
        self.bridge = bridge


class TurnRefused(Message):
    """Another window changed the conversation first: nothing of the turn was stored.
    ``text`` is the user's message to put back in the box ("" for a regenerate)."""

    def __init__(self, error: ConversationChanged, text: str, bridge: StreamBridge) -> None:
        super().__init__()
        self.error = error
        self.text = text
        self.bridge = bridge


class StreamBridge:
    """One turn's listener. ``cancel`` is the token the engine checks between tokens."""

    def __init__(self, target: MessagePump) -> None:
        self.cancel = threading.Event()
        self._target = target
        self._lock = threading.Lock()
        self._pending: list[str] = []
        self._posted = False
        self.pieces = 0
        self.first_piece_at = 0.0
        self.last_piece_at = 0.0

    def on_state(self, state: DialogueState, act: Act) -> None:
        self._target.post_message(StateUpdated(state, act))

    def on_token(self, text: str) -> None:
        now = time.perf_counter()
        with self._lock:
            self._pending.append(text)
            self.pieces += 1
            self.first_piece_at = self.first_piece_at or now
            self.last_piece_at = now
            if self._posted:
                return
            self._posted = True
        self._target.post_message(TokensReady(self))

    def on_replace(self, text: str) -> None:
        self.drain()
        self._target.post_message(TextReplaced(text, self))

    def drain(self) -> str:
        """The text received since the last drain (called on the UI thread)."""
        with self._lock:
            text = "".join(self._pending)
            self._pending.clear()
            self._posted = False
        return text
