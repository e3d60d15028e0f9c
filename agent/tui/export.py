"""A conversation's active branch as Markdown or JSON, for sharing or archiving."""

from __future__ import annotations

import json
from collections.abc import Sequence

from agent.domain import Booking, Conversation, DialogueState, Turn

_SPEAKER = {"user": "You", "assistant": "slotchat", "system": "System"}


def to_markdown(
    conversation: Conversation,
    branch: Sequence[Turn],
    state: DialogueState,
    bookings: Sequence[Booking],
) -> str:
    lines = [f"# {conversation.title}", ""]
    lines.append(
        f"*{conversation.domain} · {conversation.model} · {conversation.created_at:%Y-%m-%d %H:%M}*"
    )
    for turn in branch:
        cut = "" if turn.complete else " *(cut off)*"
        lines += ["", f"**{_SPEAKER.get(turn.role, turn.role)}:**{cut}", "", turn.text]
    if state.slots:
        lines += ["", "## State", ""]
        lines += [f"- `{slot}`: {value}" for slot, value in sorted(state.slots.items())]
    if bookings:
        lines += ["", "## Bookings", ""]
        lines += [f"- {b.service} **{b.reference}** {b.entity}".rstrip() for b in bookings]
    return "\n".join(lines) + "\n"


def to_json(
    conversation: Conversation,
    branch: Sequence[Turn],
    state: DialogueState,
    bookings: Sequence[Booking],
) -> str:
    document = {
        "id": conversation.id,
        "title": conversation.title,
        "domain": conversation.domain,
        "model": conversation.model,
        "created_at": conversation.created_at.isoformat(),
        "turns": [_turn(turn) for turn in branch],
        "state": {"slots": dict(state.slots), "intents": dict(state.intents)},
        "bookings": [_booking(b) for b in bookings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _turn(turn: Turn) -> dict[str, object]:
    return {
        "id": turn.id,
        "parent_id": turn.parent_id,
        "role": turn.role,
        "text": turn.text,
        "created_at": turn.created_at.isoformat(),
        "complete": turn.complete,
        "state": dict(turn.state.slots) if turn.state else None,
    }


def _booking(booking: Booking) -> dict[str, object]:
    return {
        "service": booking.service,
        "reference": booking.reference,
        "entity": booking.entity,
        "slots": dict(booking.slots),
    }
