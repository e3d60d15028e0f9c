"""The main screen: transcript, message box, state panel, status line.

A turn runs in a thread worker that talks back only through the messages of
:mod:`agent.tui.bridge`; the screen owns every widget change. Messages typed before the model
and the store are ready are queued and sent, in order, once they are.
"""

from __future__ import annotations

import logging

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer

from agent.domain import DialogueState, Turn, TurnResult
from agent.errors import GenerationCancelled, SlotchatError
from agent.ports import ConversationChanged
from agent.tui.bridge import (
    StateUpdated,
    StreamBridge,
    TextReplaced,
    TokensReady,
    TurnFailed,
    TurnFinished,
    TurnRefused,
)
from agent.tui.contracts import ChatBackend, Launch, LoadedEngine, SessionService
from agent.tui.provenance import advance
from agent.tui.screens.chat_actions import ChatActions, Fork, Outgoing
from agent.tui.widgets.message import MessageView
from agent.tui.widgets.prompt import PromptInput
from agent.tui.widgets.state_panel import StatePanel
from agent.tui.widgets.status import StatusBar
from agent.tui.widgets.transcript import Transcript
from agent.tui.workers import user_message

log = logging.getLogger(__name__)

_NOT_SENT = "not sent: the model did not load"


class ChatScreen(ChatActions):
    BINDINGS = [
        Binding("escape", "cancel", "Stop", show=True),
        Binding("ctrl+o", "sessions", "Sessions"),
        Binding("ctrl+n", "new_chat", "New"),
        Binding("ctrl+r", "regenerate", "Regenerate"),
        Binding("ctrl+e", "edit_last", "Edit last", priority=True),
        Binding("ctrl+y", "copy_last", "Copy reply", priority=True),
        Binding("f2", "toggle_state", "State panel"),
    ]

    def __init__(self, launch: Launch) -> None:
        super().__init__()
        self.launch = launch
        self.sessions: SessionService | None = None
        self.engine: LoadedEngine | None = None
        self.conversation_id: int | None = None
        self.branch: list[Turn] = []
        self.head: int | None = None
        self.state = DialogueState()
        self.origins: dict[str, int] = {}
        self.queue: list[Outgoing] = []
        self.bridge: StreamBridge | None = None
        self.reply_view: MessageView | None = None
        self.fork: Fork | None = None
        self.load_failed = False
        self.sending: Outgoing | None = None
        self.ui_pieces: list[float] = []  # when each flush reached the screen (for measuring)

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="chat"):
                yield Transcript(id="transcript")
                yield PromptInput(id="prompt")
            yield StatePanel(self.launch.domain, id="state")
        yield StatusBar(self.launch.model, id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(PromptInput).focus()
        config = getattr(self.app, "config", None)
        self.query_one(StatePanel).display = getattr(config, "show_state", True)

    # ------------------------------------------------------------------ readiness

    def sessions_ready(self, sessions: SessionService) -> None:
        self.sessions = sessions
        if self.sessions_wanted:
            self.sessions_wanted = False
            self.action_sessions()
        self._send_queued()

    def engine_ready(self, engine: LoadedEngine) -> None:
        self.engine = engine
        self.query_one(StatusBar).loaded(engine.model_name)
        self._send_queued()

    def engine_failed(self, reason: str) -> None:
        self.load_failed = True
        self.query_one(StatusBar).show_loading("model not loaded (see the notification)", 0.0)
        for item in self.queue:
            item.view.set_note(_NOT_SENT)
        self.queue.clear()

    # ------------------------------------------------------------------ sending

    @on(PromptInput.Submitted)
    async def _submitted(self, event: PromptInput.Submitted) -> None:
        fork, self.fork = self.fork, None
        if fork is not None:
            await self._trim_to(fork)
        view = self.query_one(Transcript).add("user", event.text)
        if self.load_failed:
            view.set_note(_NOT_SENT)
            return
        edit_of = self.head if fork is not None else None  # a plain message may interleave
        self.queue.append(Outgoing(event.text, view, fork, expected_head=edit_of))
        if self.bridge is not None or self.engine is None or self.sessions is None:
            view.set_note("queued")
        self._send_queued()

    def _send_queued(self) -> None:
        if self.bridge is not None or self.engine is None or self.sessions is None:
            return
        if self.queue:
            item = self.queue.pop(0)
            item.view.set_note("")
            self._start_turn(item)

    def _start_turn(self, item: Outgoing) -> None:
        self.sending = item
        self.reply_view = self.query_one(Transcript).add("assistant")
        self.reply_view.set_note("thinking…")
        self.bridge = StreamBridge(self)
        self.ui_pieces = []
        self._run_turn(self.bridge, item)

    @work(thread=True, group="turn")
    def _run_turn(self, bridge: StreamBridge, item: Outgoing) -> None:
        sessions, engine = self.sessions, self.engine
        if sessions is None or engine is None:
            return
        try:
            conversation_id = self._conversation_for(item.text)
            result = _send(engine.backend, conversation_id, item, bridge)
            session = sessions.open(conversation_id)
        except ConversationChanged as error:
            text = "" if item.regenerate else item.text
            self.post_message(TurnRefused(error, text, bridge))
        except Exception as error:
            self.post_message(TurnFailed(_failure(error), bridge))
        else:
            self.post_message(TurnFinished(result, bridge, session))

    def _conversation_for(self, first_text: str) -> int:
        if self.conversation_id is None:
            title = " ".join(first_text.split())[:60]
            assert self.engine is not None  # noqa: S101 - checked by the caller
            conversation = self.engine.backend.start_conversation(title)
            self.app.call_from_thread(self._set_conversation, conversation.id)
        assert self.conversation_id is not None  # noqa: S101 - set just above
        return self.conversation_id

    def _set_conversation(self, conversation_id: int | None) -> None:
        self.conversation_id = conversation_id
        remember = getattr(self.app, "remember", None)
        if remember is not None:
            remember(last_conversation=conversation_id)

    # ------------------------------------------------------------------ streaming

    @on(StateUpdated)
    def _state_updated(self, event: StateUpdated) -> None:
        users = [m for m in self.query_one(Transcript).messages if m.role == "user"]
        sending = self.sending.view if self.sending else None
        number = users.index(sending) + 1 if sending in users else len(users)
        self.origins = advance(self.origins, self.state.slots, event.state, number)
        self.state = event.state
        self.query_one(StatePanel).show(event.state, self.origins, event.act)

    @on(TokensReady)
    async def _tokens(self, event: TokensReady) -> None:
        if event.bridge is not self.bridge or self.reply_view is None:
            return
        text = event.bridge.drain()
        if text:
            if not self.ui_pieces:
                self.reply_view.set_note("")
            await self.reply_view.append(text)
            self.ui_pieces.append(_now())

    @on(TextReplaced)
    async def _replaced(self, event: TextReplaced) -> None:
        if event.bridge is self.bridge and self.reply_view is not None:
            await self.reply_view.set_text(event.text)

    @on(TurnFinished)
    async def _finished(self, event: TurnFinished) -> None:
        view = self.reply_view
        await self._tokens(TokensReady(event.bridge))
        self.bridge, self.reply_view = None, None
        result = event.result
        if view is not None:
            await self._finish_view(view, result.reply, result.meta.cut_off, result.reply_turn_id)
        arrived = _arrived(self.branch, event)
        self.branch, self.head = list(event.session.branch), event.session.head
        self._mark_user_turn(result.user_turn_id)
        if arrived:
            await self.query_one(Transcript).show_branch(self.branch)
            plural = "s" if arrived != 1 else ""
            self.notify(f"{arrived} new turn{plural} from another window", markup=False)
        if self.state != result.state:
            self._state_updated(StateUpdated(result.state, result.act))
        self.query_one(StatePanel).show_bookings(list(event.session.bookings))
        self._show_stats(event)
        self._send_queued()

    async def _finish_view(self, view: MessageView, reply: str, cut: bool, turn_id: int) -> None:
        view.turn_id = turn_id
        if not cut and reply and reply.strip() != view.text.strip():
            await view.set_text(reply)
        view.set_note("cut off" if cut else "")

    def _mark_user_turn(self, turn_id: int) -> None:
        users = [m for m in self.query_one(Transcript).messages if m.role == "user"]
        if users and users[-1].turn_id is None:
            users[-1].turn_id = turn_id

    def _show_stats(self, event: TurnFinished) -> None:
        meta, engine = event.result.meta, self.engine
        decode_s = meta.latency_s - meta.first_token_s
        tokens = meta.completion_tokens
        if tokens < 2 or decode_s <= 0:
            tokens, decode_s = (
                event.bridge.pieces,
                event.bridge.last_piece_at - event.bridge.first_piece_at,
            )
        used = meta.prompt_tokens + meta.completion_tokens
        self.query_one(StatusBar).reply_stats(
            tokens, decode_s, used, engine.context_size if engine else 0
        )

    @on(TurnFailed)
    async def _failed(self, event: TurnFailed) -> None:
        view = self.reply_view
        await self._tokens(TokensReady(event.bridge))
        self.bridge, self.reply_view = None, None
        if view is not None:
            view.set_note("cut off" if not event.text else "failed")
        if event.text:
            self.notify(event.text, severity="error", timeout=12, markup=False)
        self._send_queued()

    @on(TurnRefused)
    async def _refused(self, event: TurnRefused) -> None:
        if self.reply_view is not None:
            await self.reply_view.remove()
        self.bridge, self.reply_view = None, None
        self.collided(event.error, event.text)


def _arrived(shown: list[Turn], event: TurnFinished) -> int:
    """Turns another window added to the branch while this window's turn ran."""
    known = {turn.id for turn in shown}
    known |= {event.result.user_turn_id, event.result.reply_turn_id}
    return sum(1 for turn in event.session.branch if turn.id not in known)


def _send(
    engine: ChatBackend, conversation_id: int, item: Outgoing, bridge: StreamBridge
) -> TurnResult:
    """The engine's door for ``item``: an edit, a regenerate or a new message."""
    head = item.expected_head
    if item.fork is not None:
        user_turn_id = item.fork.user_turn_id
        return engine.edit(
            conversation_id, user_turn_id, item.text, listener=bridge, cancel=bridge.cancel,
            expected_head=head,
        )  # fmt: skip
    if item.regenerate:
        return engine.regenerate(
            conversation_id, listener=bridge, cancel=bridge.cancel, expected_head=head
        )
    return engine.turn(
        conversation_id, item.text, listener=bridge, cancel=bridge.cancel, expected_head=head
    )


def _failure(error: Exception) -> str:
    """ "" for a cancellation (the reply is shown as cut off), else what to tell the user."""
    if isinstance(error, GenerationCancelled):
        return ""
    if not isinstance(error, SlotchatError):
        log.exception("turn failed")
    return user_message(error)


def _now() -> float:
    import time

    return time.perf_counter()
