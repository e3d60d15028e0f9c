"""Conversation lifecycle: create, list, rename, archive, soft delete with undo, purge."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select, update

from agent.domain import Conversation
from storage import rows
from storage.base import StoreBase
from storage.codec import clean_text, now
from storage.tables import ConversationRow, TurnRow

C, T = ConversationRow, TurnRow


class ConversationStore(StoreBase):
    def create_conversation(self, *, title: str, domain: str, model: str) -> Conversation:
        stamp = now()
        values = {"title": clean_text(title), "domain": domain, "model": model, "archived": False}
        values |= {"created_at": stamp, "updated_at": stamp}
        with self.write() as connection:
            key = connection.execute(insert(C).values(**values)).inserted_primary_key
            assert key is not None  # noqa: S101
            return self._conversation(connection, int(key[0]))

    def get_conversation(self, conversation_id: int) -> Conversation:
        with self.read() as connection:
            return self._conversation(connection, conversation_id)

    def list_conversations(
        self, *, include_archived: bool = False, include_deleted: bool = False
    ) -> list[Conversation]:
        query = select(C).order_by(C.updated_at.desc(), C.id.desc())
        if not include_archived:
            query = query.where(C.archived.is_(False))
        if not include_deleted:
            query = query.where(C.deleted_at.is_(None))
        with self.read() as connection:
            return [rows.to_conversation(row) for row in connection.execute(query)]

    def turn_counts(self, conversation_id: int | None = None) -> dict[int, int]:
        """Stored turns per conversation (or just one), every branch included."""
        query = select(T.conversation_id, func.count()).group_by(T.conversation_id)
        if conversation_id is not None:
            query = query.where(T.conversation_id == conversation_id)
        with self.read() as connection:
            return {int(cid): int(n) for cid, n in connection.execute(query)}

    def rename(self, conversation_id: int, title: str) -> Conversation:
        return self._set(conversation_id, title=clean_text(title))

    def archive(self, conversation_id: int, archived: bool = True) -> Conversation:
        return self._set(conversation_id, archived=archived)

    def delete(self, conversation_id: int) -> Conversation:
        """Hide the conversation; :meth:`restore` undoes it, :meth:`purge` makes it final."""
        return self._set(conversation_id, deleted_at=now(), touch=False)

    def restore(self, conversation_id: int) -> Conversation:
        return self._set(conversation_id, deleted_at=None, touch=False)

    def _set(self, conversation_id: int, *, touch: bool = True, **values: Any) -> Conversation:
        if touch:
            values["updated_at"] = now()
        with self.write() as connection:
            self._conversation(connection, conversation_id)
            connection.execute(update(C).where(C.id == conversation_id).values(**values))
            return self._conversation(connection, conversation_id)

    def purge(self, conversation_id: int) -> None:
        """Delete a conversation with all its turns, states and bookings, for good."""
        with self.write() as connection:
            self._conversation(connection, conversation_id)
            connection.execute(update(C).where(C.id == conversation_id).values(head_turn_id=None))
            connection.execute(delete(C).where(C.id == conversation_id))

    def purge_deleted(self) -> int:
        """Purge every soft-deleted conversation; returns how many."""
        with self.read() as connection:
            ids = connection.execute(select(C.id).where(C.deleted_at.is_not(None))).scalars()
            targets = list(ids)
        for conversation_id in targets:
            self.purge(conversation_id)
        return len(targets)
