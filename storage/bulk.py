"""Fast loading of many whole conversations (benchmark corpora): core ``executemany`` inserts
with ids assigned up front, so a 100,000-turn corpus loads in seconds instead of one transaction
per turn. The search index is kept in step by the same triggers/generated column as always."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, text, update

from agent.domain import Role
from storage.codec import naive_utc
from storage.store import SqlMemory
from storage.tables import ConversationRow, TurnRow

C, T = ConversationRow, TurnRow


@dataclass(frozen=True)
class CorpusConversation:
    """One linear conversation; turns are (role, text), the first is the root."""

    title: str
    turns: Sequence[tuple[Role, str]]
    started: datetime
    domain: str = "cambridge"
    model: str = "bench"


def bulk_load(memory: SqlMemory, conversations: Iterable[CorpusConversation]) -> list[int]:
    """Insert the conversations in one transaction; returns their ids."""
    with memory.write() as connection:
        next_conv = _next_id(connection, C.id)
        next_turn = _next_id(connection, T.id)
        conv_rows, turn_rows, heads = _rows(conversations, next_conv, next_turn)
        if not conv_rows:
            return []
        connection.execute(insert(C), conv_rows)
        connection.execute(insert(T), turn_rows)
        head = update(C).where(C.id == bindparam("cid")).values(head_turn_id=bindparam("head"))
        connection.execute(head, heads)
        if connection.dialect.name == "postgresql":
            _advance_sequences(connection)
        return [row["id"] for row in conv_rows]


def _next_id(connection: Connection, column: Any) -> int:
    return int(connection.execute(select(func.coalesce(func.max(column), 0))).scalar_one()) + 1


def _rows(
    conversations: Iterable[CorpusConversation], conv_id: int, turn_id: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    conv_rows: list[dict[str, Any]] = []
    turn_rows: list[dict[str, Any]] = []
    heads: list[dict[str, Any]] = []
    for conversation in conversations:
        start = naive_utc(conversation.started)
        parent = None
        for index, (role, body) in enumerate(conversation.turns):
            stamp = start + timedelta(seconds=20 * index)
            turn_rows.append(_turn(turn_id, conv_id, parent, role, body, stamp))
            parent, turn_id = turn_id, turn_id + 1
        conv_rows.append(_conversation(conv_id, conversation, start, stamp))
        heads.append({"cid": conv_id, "head": parent})
        conv_id += 1
    return conv_rows, turn_rows, heads


def _turn(
    turn_id: int, conv_id: int, parent: int | None, role: Role, body: str, stamp: datetime
) -> dict[str, Any]:
    return {
        "id": turn_id,
        "conversation_id": conv_id,
        "parent_id": parent,
        "role": role,
        "text": body,
        "created_at": stamp,
        "complete": True,
    }


def _conversation(
    conv_id: int, conversation: CorpusConversation, start: datetime, end: datetime
) -> dict[str, Any]:
    return {
        "id": conv_id,
        "title": conversation.title,
        "domain": conversation.domain,
        "model": conversation.model,
        "created_at": start,
        "updated_at": end,
        "archived": False,
        "deleted_at": None,
    }


def _advance_sequences(connection: Connection) -> None:
    """Explicit ids bypass PostgreSQL's sequences; move them past the new rows."""
    for table in ("conversations", "turns"):
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        )
