"""Fakes for one turn's seams: a scripted tracker, prompts that show the model the turn plainly,
a listener that records what the user was shown, and ``delta(...)`` to write a change briefly."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from agent.domain import NO_MOVE, Act, DialogueState, Message, Role, StateDelta, SystemMove


@dataclass
class ScriptedTracker:
    """Returns the scripted deltas in order (an empty delta when the script runs out)."""

    deltas: list[StateDelta] = field(default_factory=list)
    calls: list[tuple[DialogueState, str, str]] = field(default_factory=list)

    def track(
        self,
        state: DialogueState,
        system_text: str,
        user_text: str,
        move: SystemMove = NO_MOVE,
    ) -> tuple[StateDelta, DialogueState]:
        self.calls.append((state, system_text, user_text))
        delta = self.deltas.pop(0) if self.deltas else StateDelta()
        return delta, state.apply(delta)


class EchoPrompts:
    """TrackerPrompts that write the turn plainly, so tests can see what the model saw; the
    responder gets the engine's own local prompt (``local_responder_messages``)."""

    def tracker_messages(
        self, state: DialogueState, system_text: str, user_text: str
    ) -> list[Message]:
        return [
            Message("system", "track the state", cache=True),
            Message(
                "user", f"state: {dict(state.slots)}\nsystem: {system_text}\nuser: {user_text}"
            ),
        ]

    def responder_messages(
        self,
        act: Act,
        state: DialogueState,
        history: Sequence[tuple[Role, str]],
        user_text: str,
    ) -> list[Message]:
        from agent.reply.writer import local_responder_messages

        return local_responder_messages(act, state, history, user_text)


@dataclass
class RecordingListener:
    """A TurnListener that keeps the states, the tokens and the replacements it was given."""

    states: list[tuple[DialogueState, Act]] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)

    def on_state(self, state: DialogueState, act: Act) -> None:
        self.states.append((state, act))

    def on_token(self, text: str) -> None:
        self.tokens.append(text)

    def on_replace(self, text: str) -> None:
        self.replaced.append(text)

    @property
    def shown(self) -> str:
        return self.replaced[-1] if self.replaced else "".join(self.tokens)


def delta(
    set_: Mapping[str, str] | None = None,
    *,
    intents: Mapping[str, str] | None = None,
    requested: Sequence[str] = (),
    deleted: Sequence[str] = (),
) -> StateDelta:
    """A StateDelta from plain mappings and sequences."""
    return StateDelta(
        set=dict(set_ or {}),
        deleted=frozenset(deleted),
        intents=dict(intents or {}),
        requested=frozenset(requested),
    )


_KEYWORDS = {
    "italian": ("restaurant-food", "italian"),
    "chinese": ("restaurant-food", "chinese"),
    "cheap": ("restaurant-pricerange", "cheap"),
    "expensive": ("restaurant-pricerange", "expensive"),
    "centre": ("restaurant-area", "centre"),
    "north": ("restaurant-area", "north"),
    "friday": ("restaurant-bookday", "friday"),
}


class KeywordTracker:
    """A Tracker that reads the mini domain's restaurant slots from keywords ("cheap",
    "italian", "centre", "2 people", "at 18:00", "friday"); "book" asks to book. For tests that
    drive the engine from free text (the TUI's), where a script of deltas would not fit."""

    def track(
        self,
        state: DialogueState,
        system_text: str,
        user_text: str,
        move: SystemMove = NO_MOVE,
    ) -> tuple[StateDelta, DialogueState]:
        text = user_text.lower()
        found = dict(_KEYWORDS[w] for w in re.findall(r"\w+", text) if w in _KEYWORDS)
        for pattern, slot in (
            (r"(\d+) people", "restaurant-bookpeople"),
            (r"at (\d\d:\d\d)", "restaurant-booktime"),
        ):
            match = re.search(pattern, text)
            if match:
                found[slot] = match.group(1)
        if not found and "book" not in text:
            return StateDelta(), state
        intent = "book_restaurant" if "book" in text else "find_restaurant"
        change = delta(found, intents={"restaurant": intent})
        return change, state.apply(change)
