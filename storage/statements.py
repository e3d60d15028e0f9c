"""The statements of the hot path (append a turn, stream a reply), built once.

Building a SQLAlchemy statement costs more than running it on SQLite (coercion, cache key);
prebuilt statements with bound parameters keep an append near one millisecond.
"""

from __future__ import annotations

from sqlalchemy import bindparam, insert, select, update

from storage.models import ConversationRow, GenerationRow, TurnRow

C, T, G = ConversationRow, TurnRow, GenerationRow

LOCK_HEAD = select(C.head_turn_id, C.deleted_at).where(C.id == bindparam("cid")).with_for_update()
TURN_OWNER = select(T.conversation_id).where(T.id == bindparam("tid"))
INSERT_TURN = insert(T)
INSERT_META = insert(G)
MOVE_HEAD = (
    update(C)
    .where(C.id == bindparam("cid"))
    .values(head_turn_id=bindparam("new_head"), updated_at=bindparam("stamp"))
)
SET_TEXT = update(T).where(T.id == bindparam("tid")).values(text=bindparam("new_text"))
SET_COMPLETE = update(T).where(T.id == bindparam("tid")).values(complete=bindparam("done"))
