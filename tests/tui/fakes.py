"""Fakes at the TUI's seams: the real sessions service on a SQLite file and a keyword-tracking
engine streaming through the real ScriptedChatModel, so the tests exercise the UI, not a model."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from agent.domain import (
    Act,
    ActType,
    Booking,
    Conversation,
    DialogueState,
    Message,
    Turn,
    TurnResult,
)
from agent.engine.session_service import Sessions
from agent.llm.fake import ScriptedChatModel
from agent.ports import CancelToken, StepProgress, TurnListener
from agent.tui.contracts import Launch, LoadedEngine, SessionService
from storage.store import SqlMemory

_WORDS = {
    "italian": ("restaurant-food", "italian"),
    "chinese": ("restaurant-food", "chinese"),
    "cheap": ("restaurant-pricerange", "cheap"),
    "expensive": ("restaurant-pricerange", "expensive"),
    "centre": ("restaurant-area", "centre"),
    "north": ("restaurant-area", "north"),
}


def track(state: DialogueState, text: str) -> DialogueState:
    slots = dict(state.slots)
    for word in re.findall(r"\w+", text.lower()):
        if word in _WORDS:
            slot, value = _WORDS[word]
            slots[slot] = value
    people = re.search(r"(\d+) people", text)
    if people:
        slots["restaurant-bookpeople"] = people.group(1)
    intents = {"restaurant": "find_restaurant"} if slots else {}
    return DialogueState(slots=slots, intents=intents)


class FakeEngine:
    """Keyword tracker + scripted streaming responder, storing through the Memory port."""

    def __init__(self, memory: SqlMemory, model: ScriptedChatModel) -> None:
        self.memory = memory
        self.model = model

    def start_conversation(self, title: str = "New conversation") -> Conversation:
        return self.memory.create_conversation(title=title, domain="cambridge", model="fake")

    def turn(
        self,
        conversation_id: int,
        user_text: str,
        *,
        listener: TurnListener | None = None,
        cancel: CancelToken | None = None,
        expected_head: int | None = None,
    ) -> TurnResult:
        user = self.memory.append_turn(
            conversation_id, "user", user_text, expected_head=expected_head
        )
        return self._run(user, listener, cancel)

    def regenerate(
        self,
        conversation_id: int,
        *,
        listener: TurnListener | None = None,
        cancel: CancelToken | None = None,
        expected_head: int | None = None,
    ) -> TurnResult:
        branch = self.memory.active_branch(conversation_id)
        user = [t for t in branch if t.role == "user"][-1]
        return self._run(user, listener, cancel, expected_head)

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
        user = self.memory.fork(user_turn_id, text, expected_head=expected_head)
        return self._run(user, listener, cancel)

    def state(self, conversation_id: int) -> DialogueState:
        return self.memory.latest_state(conversation_id)

    def _run(
        self,
        user: Turn,
        listener: TurnListener | None,
        cancel: CancelToken | None,
        expected_head: int | None = None,
    ) -> TurnResult:
        memory, conversation_id, user_text = self.memory, user.conversation_id, user.text
        branch = memory.active_branch(conversation_id)
        before = branch[: [t.id for t in branch].index(user.id)]
        prior = [t.state for t in before if t.state]
        state = track(prior[-1] if prior else DialogueState(), user_text)
        act = Act(ActType.OFFER, service="restaurant")
        booking = None
        if "book" in user_text.lower():
            booking = Booking("restaurant", "ABCD1234", dict(state.slots), entity="pizza hut")
            act = Act(ActType.BOOK, service="restaurant", booking=booking)
        memory.save_state(user.id, state, act, expected_head=expected_head)
        if listener:
            listener.on_state(state, act)
        reply = memory.append_turn(
            conversation_id, "assistant", "", parent_id=user.id, complete=False
        )
        pieces = []
        for piece in self.model.stream([Message("user", user_text)], cancel=cancel):
            pieces.append(piece)
            if listener:
                listener.on_token(piece)
        meta = self.model.last_meta()
        text = "".join(pieces)
        memory.update_turn(reply.id, text=text, complete=not meta.cut_off, meta=meta)
        if booking:
            memory.add_booking(conversation_id, reply.id, booking)
        return TurnResult(conversation_id, user.id, reply.id, state, act, text, meta, booking)

    def set_state(
        self, conversation_id: int, state: DialogueState, *, expected_head: int | None = None
    ) -> None:
        head = self.memory.active_branch(conversation_id)[-1]
        self.memory.save_state(head.id, state, expected_head=expected_head)


def open_sessions(path: Path) -> Sessions:
    """The real sessions service over a real SQLite file (its ``memory`` is the store)."""
    from storage import open_memory

    return Sessions(open_memory(f"sqlite:///{path}"))


def make_launch(
    tmp_path: Path,
    model: ScriptedChatModel | None = None,
    *,
    sessions: Sessions | None = None,
    gate: threading.Event | None = None,
    fail_load: Exception | None = None,
    config_path: Path | None = None,
) -> Launch:
    """A Launch over a real SQLite file in ``tmp_path`` and the fake engine."""
    model = model or ScriptedChatModel(lambda m, c: "A **fine** choice: *Pizza Hut*.", name="fake")
    opened = sessions or open_sessions(tmp_path / "chat.db")

    def load(given: SessionService, progress: StepProgress) -> LoadedEngine:
        progress("assembling model", 0.5)
        if gate is not None:
            gate.wait(10)
        if fail_load is not None:
            raise fail_load
        return LoadedEngine(FakeEngine(opened.memory, model), model.name, 4096)

    return Launch(
        lambda: opened, load, "fake", "cambridge", config_path=config_path, export_dir=tmp_path
    )
