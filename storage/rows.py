"""Reading turns: the tree walk of the active branch and rows to domain values."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, literal, select

from agent.domain import Conversation, Turn
from storage.codec import META_FIELDS, act_from_json, meta_from_json, state_from_json, utc
from storage.tables import ConversationRow, GenerationRow, TurnRow, TurnStateRow

C, T, G, S = ConversationRow, TurnRow, GenerationRow, TurnStateRow

TURN_COLUMNS = (
    T.id,
    T.conversation_id,
    T.parent_id,
    T.role,
    T.text,
    T.created_at,
    T.complete,
    S.state,
    S.act,
    G.model,
    G.prompt_tokens,
    G.completion_tokens,
    G.cached_tokens,
    G.latency_s,
    G.first_token_s,
    G.cut_off,
)


def turns_select() -> Select[Any]:
    """Turns with their state snapshot and generation metadata, when they have them."""
    return select(*TURN_COLUMNS).outerjoin(S, S.turn_id == T.id).outerjoin(G, G.turn_id == T.id)


def to_turn(row: Any) -> Turn:
    state, act, model = row[7], row[8], row[9]
    meta = None
    if model is not None:
        meta = meta_from_json(dict(zip(META_FIELDS, row[9:16], strict=True)))
    return Turn(
        id=row[0],
        conversation_id=row[1],
        parent_id=row[2],
        role=row[3],
        text=row[4],
        created_at=utc(row[5]),
        complete=bool(row[6]),
        state=state_from_json(state) if state is not None else None,
        act=act_from_json(act) if act is not None else None,
        meta=meta,
    )


def to_conversation(row: Any) -> Conversation:
    return Conversation(
        id=row.id,
        title=row.title,
        domain=row.domain,
        model=row.model,
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
        archived=bool(row.archived),
        deleted=row.deleted_at is not None,
        head_turn_id=row.head_turn_id,
    )


def branch(connection: Connection, head_id: int) -> list[Turn]:
    """The path from the root down to ``head_id``: one recursive query up the parent links."""
    return _path(connection, T.id == head_id)


def active_branch(connection: Connection, conversation_id: int) -> list[Turn]:
    """The path from the root down to the conversation's head, the head read by the same query
    (empty without a head, or without the conversation)."""
    head = select(C.head_turn_id).where(C.id == conversation_id).scalar_subquery()
    return _path(connection, T.id == head)


def _path(connection: Connection, anchor_where: ColumnElement[bool]) -> list[Turn]:
    anchor = select(T.id, T.parent_id, literal(0).label("depth")).where(anchor_where)
    path = anchor.cte("path", recursive=True)
    step = select(T.id, T.parent_id, (path.c.depth + 1).label("depth")).join(
        path, T.id == path.c.parent_id
    )
    path = path.union_all(step)
    query = turns_select().join(path, path.c.id == T.id).order_by(path.c.depth.desc())
    return [to_turn(row) for row in connection.execute(query)]


def newest_leaf(connection: Connection, turn_id: int) -> int:
    """The most recently added turn in the subtree below ``turn_id`` (itself if a leaf)."""
    anchor = select(T.id).where(T.id == turn_id)
    tree = anchor.cte("tree", recursive=True)
    tree = tree.union_all(select(T.id).join(tree, T.parent_id == tree.c.id))
    return int(
        connection.execute(select(tree.c.id).order_by(tree.c.id.desc()).limit(1)).scalar_one()
    )
