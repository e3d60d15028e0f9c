"""Export a conversation to Markdown (to read) or JSON (to keep), and import JSON back.

The JSON holds the whole turn tree (every branch), each turn's state snapshot, act and
generation metadata, the bookings and which branch is active. Turn ids in the file are local
(1, 2, …, in the order the turns were added) so an export of an import is identical to the
original export. Imported files are validated first: they come from users.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import Connection, insert, update

from agent.domain import Conversation, Turn
from agent.errors import UsageError
from storage.codec import (
    Json,
    act_from_json,
    act_to_json,
    booking_to_json,
    meta_to_json,
    naive_utc,
    now,
    state_from_json,
    state_to_json,
)
from storage.store import SqlMemory
from storage.tables import BookingRow, ConversationRow, GenerationRow, TurnRow, TurnStateRow

FORMAT = "slotchat.conversation"
VERSION = 1


def export_json(memory: SqlMemory, conversation_id: int) -> Json:
    conversation = memory.get_conversation(conversation_id)
    turns = memory.all_turns(conversation_id)
    local = {turn.id: index for index, turn in enumerate(turns, start=1)}
    bookings = memory.bookings_with_turns(conversation_id)
    head = local.get(conversation.head_turn_id) if conversation.head_turn_id else None
    return {
        "format": FORMAT,
        "version": VERSION,
        "conversation": {
            "title": conversation.title,
            "domain": conversation.domain,
            "model": conversation.model,
            "created_at": conversation.created_at.isoformat(),
            "updated_at": conversation.updated_at.isoformat(),
            "archived": conversation.archived,
            "head": head,
        },
        "turns": [_turn_json(turn, local) for turn in turns],
        "bookings": [
            {"turn": local.get(turn_id) if turn_id else None, **booking_to_json(booking)}
            for turn_id, booking in bookings
        ],
    }


def _turn_json(turn: Turn, local: dict[int, int]) -> Json:
    return {
        "id": local[turn.id],
        "parent": local[turn.parent_id] if turn.parent_id else None,
        "role": turn.role,
        "text": turn.text,
        "created_at": turn.created_at.isoformat(),
        "complete": turn.complete,
        "meta": meta_to_json(turn.meta) if turn.meta else None,
        "state": state_to_json(turn.state) if turn.state else None,
        "act": act_to_json(turn.act) if turn.act else None,
    }


def dumps(data: Json) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# ----------------------------------------------------------------------------- import


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class _ConversationIn(_Model):
    title: str
    domain: str
    model: str
    created_at: datetime
    updated_at: datetime
    archived: bool = False
    head: int | None = None


class _MetaIn(_Model):
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    latency_s: float = 0.0
    first_token_s: float = 0.0
    cut_off: bool = False


class _TurnIn(_Model):
    id: int
    parent: int | None
    role: Literal["system", "user", "assistant"]
    text: str
    created_at: datetime
    complete: bool = True
    meta: _MetaIn | None = None
    state: dict[str, Any] | None = None
    act: dict[str, Any] | None = None


class _BookingIn(_Model):
    turn: int | None = None
    service: str
    reference: str
    slots: dict[str, str] = {}
    entity: str = ""
    created_at: datetime | None = None


class _ExportIn(_Model):
    format: Literal["slotchat.conversation"]
    version: Literal[1]
    conversation: _ConversationIn
    turns: list[_TurnIn]
    bookings: list[_BookingIn] = []


def import_json(memory: SqlMemory, data: object, source: str = "the file") -> Conversation:
    """Add the exported conversation as a new one (new ids); returns it."""
    try:
        parsed = _ExportIn.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise UsageError(
            f"{source} is not a slotchat conversation export: {where}: {first['msg']}"
        ) from error
    _check_tree(parsed, source)
    for turn in parsed.turns:
        if turn.act is not None and turn.state is None:
            raise UsageError(f"{source}: turn {turn.id} has an act but no state")
        if turn.state is not None:
            _state_and_act(turn)
    with memory.write() as connection:
        conversation_id = _insert(connection, parsed)
    return memory.get_conversation(conversation_id)


def _check_tree(parsed: _ExportIn, source: str) -> None:
    seen: set[int] = set()
    for turn in parsed.turns:
        if turn.parent is not None and turn.parent not in seen:
            raise UsageError(f"{source}: turn {turn.id} comes before its parent {turn.parent}")
        if turn.id in seen:
            raise UsageError(f"{source}: turn id {turn.id} appears twice")
        seen.add(turn.id)
    refs = [parsed.conversation.head] + [b.turn for b in parsed.bookings]
    if any(ref is not None and ref not in seen for ref in refs):
        raise UsageError(f"{source}: the head or a booking names a turn that is not in the file")


def _insert(connection: Connection, parsed: _ExportIn) -> int:
    conv = parsed.conversation
    values = conv.model_dump(exclude={"head"})
    values |= {"created_at": naive_utc(conv.created_at), "updated_at": naive_utc(conv.updated_at)}
    key = connection.execute(insert(ConversationRow).values(**values)).inserted_primary_key
    assert key is not None  # noqa: S101
    conversation_id = int(key[0])
    ids: dict[int, int] = {}
    for turn in parsed.turns:
        ids[turn.id] = _insert_turn(connection, conversation_id, turn, ids)
    for booking in parsed.bookings:
        _insert_booking(connection, conversation_id, booking, ids)
    head = ids.get(conv.head) if conv.head is not None else None
    where = ConversationRow.id == conversation_id
    connection.execute(update(ConversationRow).where(where).values(head_turn_id=head))
    return conversation_id


def _insert_turn(
    connection: Connection, conversation_id: int, turn: _TurnIn, ids: dict[int, int]
) -> int:
    values = {
        "conversation_id": conversation_id,
        "parent_id": ids[turn.parent] if turn.parent is not None else None,
        "role": turn.role,
        "text": turn.text,
        "created_at": naive_utc(turn.created_at),
        "complete": turn.complete,
    }
    key = connection.execute(insert(TurnRow).values(**values)).inserted_primary_key
    assert key is not None  # noqa: S101
    turn_id = int(key[0])
    if turn.meta is not None:
        connection.execute(insert(GenerationRow).values(turn_id=turn_id, **turn.meta.model_dump()))
    if turn.state is not None:
        row = {"turn_id": turn_id, **_state_and_act(turn)}
        connection.execute(insert(TurnStateRow).values(**row))
    return turn_id


def _state_and_act(turn: _TurnIn) -> Json:
    """Through the domain values and back: what cannot be read back is refused now."""
    try:
        state = state_to_json(state_from_json(turn.state or {}))
        act = act_to_json(act_from_json(turn.act)) if turn.act else None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise UsageError(f"turn {turn.id}: invalid state or act ({error!r})") from error
    return {"state": state, "act": act}


def _insert_booking(
    connection: Connection, conversation_id: int, booking: _BookingIn, ids: dict[int, int]
) -> None:
    values = booking.model_dump(exclude={"turn"})
    values["created_at"] = naive_utc(booking.created_at) if booking.created_at else now()
    values |= {"conversation_id": conversation_id, "turn_id": ids.get(booking.turn or -1)}
    connection.execute(insert(BookingRow).values(**values))
