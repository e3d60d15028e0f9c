"""A conversation as Markdown: the active branch as a transcript, with the state after each
tracked turn, reply metadata, cut-off replies marked, and the bookings made."""

from __future__ import annotations

import json
from collections import Counter

from agent.domain import Act, Booking, Conversation, Turn
from storage.store import SqlMemory

ROLE_NAMES = {"user": "User", "assistant": "Assistant", "system": "System"}


def export_markdown(memory: SqlMemory, conversation_id: int) -> str:
    conversation = memory.get_conversation(conversation_id)
    branch = memory.active_branch(conversation_id)
    tree = memory.all_turns(conversation_id)
    lines = _header(conversation, len(branch), len(tree))
    children = Counter(turn.parent_id for turn in tree)
    for turn in branch:
        lines += _turn(turn, children[turn.parent_id] - 1)
    lines += _bookings(memory.bookings(conversation_id))
    return "\n".join(lines).rstrip() + "\n"


def _header(conversation: Conversation, shown: int, stored: int) -> list[str]:
    flags = [
        f
        for f, on in (("archived", conversation.archived), ("deleted", conversation.deleted))
        if on
    ]
    lines = [
        f"# {' '.join(conversation.title.split()) or 'Untitled conversation'}",
        "",
        f"- conversation: {conversation.id}{' (' + ', '.join(flags) + ')' if flags else ''}",
        f"- domain: {conversation.domain} · model: {conversation.model}",
        f"- created: {conversation.created_at:%Y-%m-%d %H:%M} UTC · "
        f"updated: {conversation.updated_at:%Y-%m-%d %H:%M} UTC",
    ]
    if stored > shown:
        lines.append(
            f"- showing the active branch ({shown} of {stored} turns); "
            "export as JSON for every branch"
        )
    return [*lines, ""]


def _turn(turn: Turn, alternatives: int) -> list[str]:
    notes = [f"{turn.created_at:%H:%M:%S}"]
    if turn.meta is not None:
        meta = turn.meta
        notes.append(f"{meta.model}, {meta.completion_tokens} tokens, {meta.latency_s:.1f} s")
    if not turn.complete or (turn.meta and turn.meta.cut_off):
        notes.append("**cut off**")
    if alternatives:
        notes.append(f"{alternatives} other version{'s' * (alternatives > 1)}")
    body = turn.text if turn.text.strip() else "_(no text)_"
    lines = [f"**{ROLE_NAMES.get(turn.role, turn.role)}** ({'; '.join(notes)})", "", body, ""]
    if turn.state is not None:
        lines.append(f"> state: `{json.dumps(dict(turn.state.slots), ensure_ascii=False)}`")
        if turn.act is not None:
            lines.append(f"> act: `{_act(turn.act)}`")
        lines.append("")
    return lines


def _act(act: Act) -> str:
    detail = ", ".join(act.slots)
    return f"{act.type.value}({act.service}{': ' + detail if detail else ''})"


def _bookings(bookings: list[Booking]) -> list[str]:
    if not bookings:
        return []
    lines = ["## Bookings", "", "| service | reference | entity | details |", "|---|---|---|---|"]
    for booking in bookings:
        details = ", ".join(f"{k}={v}" for k, v in booking.slots.items())
        lines.append(f"| {booking.service} | {booking.reference} | {booking.entity} | {details} |")
    return [*lines, ""]
