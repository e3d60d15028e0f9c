"""What the turns before this one left behind, as the engine needs it for the next turn.

The previous state (or the one the user edited), the previous act, the last system utterance,
the entity in focus per service, a short history; and the two helpers that keep model input
bounded (:func:`clip`) and changes real (:func:`changes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent.domain import Act, Booking, DialogueState, Entity, Role, StateDelta, Turn

MODEL_TEXT_CHARS = 1200  # what of a long paste the models see (all of it is stored)
HISTORY_TURNS = 4


@dataclass(frozen=True)
class TurnContext:
    """What the turns before this one left behind."""

    state: DialogueState  # state to track from
    baseline: DialogueState  # what the user last confirmed against (differs after set_state)
    previous: Act | None
    system_text: str
    entities: dict[str, Entity]  # service -> entity last offered, informed or booked
    bookings: dict[str, Booking]  # service -> the last booking made
    history: list[tuple[Role, str]]
    booking: Booking | None = None  # the booking of a reply being regenerated


def context_of(
    prior: Sequence[Turn],
    edited: DialogueState | None = None,
    baseline: DialogueState | None = None,
    made: Sequence[Booking] = (),
) -> TurnContext:
    """The context after the turns ``prior`` (oldest first); ``edited`` replaces their state.
    ``made`` are the conversation's stored bookings, oldest first (every branch's: a booking
    made is made), besides those the acts of ``prior`` carry."""
    state = edited if edited is not None else last_state(prior)
    replies = [t for t in prior if t.role == "assistant"]
    entities: dict[str, Entity] = {}
    acts = [t.act for t in replies if t.act is not None]
    bookings = {b.service: b for b in made}
    for act in acts:
        for entity in act.entities[:1]:
            entities[entity.service] = entity
        if act.booking is not None:
            bookings.setdefault(act.booking.service, act.booking)
    return TurnContext(
        state=state,
        baseline=baseline if baseline is not None else state,
        previous=replies[-1].act if replies else None,
        system_text=clip(replies[-1].text) if replies else "",
        entities=entities,
        bookings=bookings,
        history=[(t.role, clip(t.text)) for t in prior[-HISTORY_TURNS:]],
    )


def clip(text: str, limit: int = MODEL_TEXT_CHARS) -> str:
    """The head and tail of a long text: enough for the models, bounded for the context.

    The one clip of what the models see of a turn: the engine clips the user's text once per
    turn, and the system turn and history here; the tracker, the responder and their prompts
    (``prompts.manager``) take what they are given."""
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    return f"{text[:head]} … {text[-(limit - head) :]}"


def changes(before: DialogueState, after: DialogueState) -> StateDelta:
    """What really changed between two states (a slot set to its old value is no change)."""
    changed = {k: v for k, v in after.slots.items() if before.slots.get(k) != v}
    intents = {s: i for s, i in after.intents.items() if before.intents.get(s) != i}
    return StateDelta(
        set=changed,
        deleted=frozenset(k for k in before.slots if k not in after.slots),
        intents=intents,
        requested=after.requested,
    )


def last_state(turns: Sequence[Turn]) -> DialogueState:
    return next((t.state for t in reversed(turns) if t.state is not None), DialogueState())
