"""What the user can do on the chat screen besides sending: stop, branch, edit the state,
copy and save messages, switch conversations. The turn flow itself is in :mod:`.chat`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message
from textual.screen import Screen

from agent.domain import Booking, DialogueState, Turn
from agent.ports import ConversationChanged
from agent.tui.bridge import StreamBridge
from agent.tui.contracts import Launch, LoadedEngine, SessionService
from agent.tui.provenance import EDITED, slot_origins
from agent.tui.widgets.message import MessageView
from agent.tui.widgets.prompt import PromptInput
from agent.tui.widgets.state_panel import StatePanel
from agent.tui.widgets.transcript import Transcript
from agent.tui.workers import report_errors

if TYPE_CHECKING:
    from agent.engine.session_service import Session
    from agent.tui.screens.sessions_screen import Opened


@dataclass(frozen=True)
class Fork:
    """The next message edits the user turn ``user_turn_id``: the engine's ``edit`` stores it as
    a new sibling and answers it from that point."""

    user_turn_id: int


@dataclass
class Outgoing:
    """A message to send; ``regenerate`` asks for a new reply to the already stored ``text``.
    ``expected_head`` (edits and regenerates): the head this window showed; the store refuses
    the turn if another window has changed the conversation since."""

    text: str
    view: MessageView
    fork: Fork | None = None
    regenerate: bool = False
    expected_head: int | None = None


class ConversationLoaded(Message):
    def __init__(self, session: Session, turn_id: int | None) -> None:
        super().__init__()
        self.session = session
        self.turn_id = turn_id


class ChatActions(Screen[None]):
    launch: Launch
    sessions: SessionService | None
    engine: LoadedEngine | None
    conversation_id: int | None
    branch: list[Turn]
    head: int | None  # the last turn this window showed from the store
    state: DialogueState
    origins: dict[str, int]
    bridge: StreamBridge | None
    fork: Fork | None
    queue: list[Outgoing]
    sessions_wanted: bool = False
    # Provided by ChatScreen, which owns the transcript and the workers; declared here so the
    # actions can call them.
    _set_conversation: Callable[[int | None], None]
    _send_queued: Callable[[], None]

    # ------------------------------------------------------------------ generation

    def stop_reply(self) -> bool:
        """Ask the reply being written to stop; False when there is none or it was asked."""
        if self.bridge is None or self.bridge.cancel.is_set():
            return False
        self.bridge.cancel.set()
        return True

    def action_cancel(self) -> None:
        if self.bridge is not None:
            self.bridge.cancel.set()
        elif self.fork is not None:
            self.fork = None
            self.query_one(PromptInput).clear()
            self.notify("Edit cancelled")

    def _busy(self) -> bool:
        if self.bridge is not None or self.queue:
            self.notify("A reply is being written: press Esc to stop it first")
            return True
        return False

    def _last_user_turn(self) -> Turn | None:
        turn = next((t for t in reversed(self.branch) if t.role == "user"), None)
        if turn is None:
            self.notify("Nothing to redo yet: send a message first")
        return turn

    def action_regenerate(self) -> None:
        """A new reply to the last user message; the old one stays on its own branch."""
        if self._busy() or (turn := self._last_user_turn()) is None:
            return
        transcript = self.query_one(Transcript)
        last, user = transcript.last("assistant"), transcript.last("user")
        if last is not None and last is transcript.messages[-1]:
            last.remove()
        if user is not None:
            self.queue.append(Outgoing(turn.text, user, regenerate=True, expected_head=self.head))
            self._send_queued()

    def action_edit_last(self) -> None:
        """Put the last user message back in the box; Enter sends it as a new branch."""
        if self._busy() or (turn := self._last_user_turn()) is None:
            return
        self.fork = Fork(turn.id)
        prompt = self.query_one(PromptInput)
        prompt.text = turn.text
        prompt.focus()
        self.notify("Editing your last message: Enter sends it as a new branch, Esc cancels")

    async def _trim_to(self, fork: Fork) -> None:
        """Show the branch up to the fork point; what followed stays stored on its branch."""
        ids = [turn.id for turn in self.branch]
        cut = ids.index(fork.user_turn_id) if fork.user_turn_id in ids else len(ids)
        keep = self.branch[:cut]
        self.branch = keep
        self.state = next((t.state for t in reversed(keep) if t.state), DialogueState())
        self.origins = slot_origins(keep)
        await self.query_one(Transcript).show_branch(keep)
        self.query_one(StatePanel).show(self.state, self.origins)

    # ------------------------------------------------------------------ state panel

    @on(StatePanel.EditRequested)
    def _edit_slot(self, event: StatePanel.EditRequested) -> None:
        from agent.tui.screens.dialogs import AskText

        if event.clear:
            self._change_slot(event.slot, None)
        elif not event.slot:
            ask = AskText("Add a slot as name=value", hint="e.g. restaurant-area=centre")
            self.app.push_screen(ask, self._added)
        else:
            ask = AskText(f"Value of {event.slot} (empty clears it)", event.value)
            self.app.push_screen(ask, lambda v: self._edited(event.slot, v))

    def _added(self, answer: str | None) -> None:
        if answer and "=" in answer:
            slot, value = (part.strip() for part in answer.split("=", 1))
            self._change_slot(slot.lower(), value or None)

    def _edited(self, slot: str, answer: str | None) -> None:
        if answer is not None:
            self._change_slot(slot, answer.strip() or None)

    def _change_slot(self, slot: str, value: str | None) -> None:
        if self.conversation_id is None or self.engine is None:
            self.notify("Send a first message (and let the model load) before editing the state")
            return
        slots = {k: v for k, v in self.state.slots.items() if k != slot}
        if value is not None:
            slots[slot] = value
        state = DialogueState(slots=slots, intents=self.state.intents, requested=frozenset())
        self._push_state(self.conversation_id, state, slot)

    @work(thread=True, group="state")
    @report_errors
    def _push_state(self, conversation_id: int, state: DialogueState, slot: str) -> None:
        if self.engine is not None:
            try:
                self.engine.backend.set_state(conversation_id, state, expected_head=self.head)
            except ConversationChanged as error:
                self.app.call_from_thread(self.collided, error, "")
                return
            accepted = self.engine.backend.state(conversation_id)
            self.app.call_from_thread(self._state_pushed, accepted, state, slot)

    def _state_pushed(self, state: DialogueState, asked: DialogueState, slot: str) -> None:
        self.state = state
        if slot in state.slots:
            self.origins = {**self.origins, slot: EDITED}
        self.query_one(StatePanel).show(state, self.origins)
        if slot in asked.slots and slot not in state.slots:
            self.notify(
                f"The domain has no slot {slot!r}: see the schema for its slot names",
                severity="warning",
                markup=False,
            )
        else:
            self.notify("State updated: the next turn starts from it")

    def action_toggle_state(self) -> None:
        panel = self.query_one(StatePanel)
        panel.display = not panel.display
        remember = getattr(self.app, "remember", None)
        if remember is not None:
            remember(show_state=bool(panel.display))

    # ------------------------------------------------------------------ copy and save

    @on(MessageView.CopyRequested)
    def _copy(self, event: MessageView.CopyRequested) -> None:
        self.app.copy_to_clipboard(event.view.text)
        self.notify("Copied to the clipboard")

    def action_copy_last(self) -> None:
        view = self.query_one(Transcript).last("assistant")
        if view is not None:
            view.action_copy()

    @on(MessageView.SaveRequested)
    def _save(self, event: MessageView.SaveRequested) -> None:
        name = f"slotchat-message-{event.view.turn_id or 'draft'}.md"
        default = str(self.launch.export_dir / name)
        text = event.view.text
        from agent.tui.screens.dialogs import AskText

        ask = AskText("Save the message to", default)

        def chosen(path: str | None) -> None:
            if path:
                self._write(path, text)

        self.app.push_screen(ask, chosen)

    @work(thread=True, group="files")
    @report_errors
    def _write(self, path: str, text: str) -> None:
        target = Path(path).expanduser()
        target.write_text(text + "\n", encoding="utf-8")
        self.app.call_from_thread(self.notify, f"Saved to {target}", markup=False)

    # ------------------------------------------------------------------ conversations

    def collided(self, error: ConversationChanged, text: str) -> None:
        """Another window changed the conversation first: say so, give the user's text back
        to the message box (with any still queued), and show the conversation as it is now."""
        texts = [text] if text else []
        texts += [item.text for item in self.queue if not item.regenerate]
        self.queue.clear()
        prompt = self.query_one(PromptInput)
        if texts:
            prompt.text = "\n".join([*texts, prompt.text] if prompt.text.strip() else texts)
            prompt.focus()
        self.notify(
            _collision_note(error, bool(texts)), severity="warning", timeout=12, markup=False
        )
        if self.conversation_id is not None:
            self._load(self.conversation_id, None)

    def action_sessions(self) -> None:
        from agent.tui.screens.sessions_screen import SessionsScreen

        if self.sessions is None:
            self.sessions_wanted = True  # opened as soon as the store is
            self.notify("Opening the conversation store…", timeout=2)
            return
        self.app.push_screen(SessionsScreen(self.sessions, self.launch.export_dir), self._opened)

    async def _opened(self, opened: Opened | None) -> None:
        if opened is None:
            return
        if opened.conversation_id is None:
            await self.action_new_chat()
        else:
            self.open_conversation(opened.conversation_id, opened.turn_id)

    async def action_new_chat(self) -> None:
        if self._busy():
            return
        await self._show(None, [], DialogueState(), [])

    def open_conversation(self, conversation_id: int, turn_id: int | None = None) -> None:
        if not self._busy():
            self._load(conversation_id, turn_id)

    @work(thread=True, group="load")
    @report_errors
    def _load(self, conversation_id: int, turn_id: int | None) -> None:
        if self.sessions is not None:
            self.post_message(ConversationLoaded(self.sessions.open(conversation_id), turn_id))

    @on(ConversationLoaded)
    async def _loaded(self, event: ConversationLoaded) -> None:
        session = event.session
        await self._show(
            session.conversation_id, list(session.branch), session.state,
            list(session.bookings), event.turn_id,
        )  # fmt: skip

    async def _show(
        self,
        conversation_id: int | None,
        branch: list[Turn],
        state: DialogueState,
        bookings: list[Booking],
        turn_id: int | None = None,
    ) -> None:
        self._set_conversation(conversation_id)
        self.branch, self.state, self.origins = branch, state, slot_origins(branch)
        self.head = branch[-1].id if branch else None
        transcript = self.query_one(Transcript)
        await transcript.show_branch(branch)
        panel = self.query_one(StatePanel)
        panel.show(state, self.origins)
        panel.show_bookings(bookings)
        if turn_id is not None:
            self.call_after_refresh(self._jump, turn_id)

    def _jump(self, turn_id: int) -> None:
        if not self.query_one(Transcript).jump_to(turn_id):
            self.notify("That message is on another branch of the conversation")


def _collision_note(error: ConversationChanged, kept: bool) -> str:
    if error.change == "deleted":
        what = "restore it from the sessions list (Ctrl+O) or start a new one (Ctrl+N)"
    else:
        what = "reloaded it as it is now"
    return f"{error.summary}: {what}" + ("; your text is back in the box" if kept else "")
