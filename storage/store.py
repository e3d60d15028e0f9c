"""``SqlMemory``: the ``Memory`` port on SQLAlchemy, for SQLite files and PostgreSQL.

Every write is one short transaction committed before the method returns, so what the user has
seen is on disk. A streamed reply is appended with ``complete=False`` when generation starts and
marked complete at the end: if the process dies in between, the turn stays as a cut-off reply.
"""

from __future__ import annotations

import dataclasses
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import DBAPIError

from agent.domain import (
    Act,
    Booking,
    Conversation,
    DialogueState,
    GenerationMeta,
    Role,
    SearchHit,
    Turn,
)
from agent.errors import NotFound
from storage import engine as engines
from storage import migrate, rows, search
from storage import statements as sql
from storage.checkpoint import Checkpointer
from storage.codec import (
    act_to_json,
    booking_to_json,
    clean_text,
    meta_to_json,
    naive_utc,
    now,
    state_to_json,
    utc,
)
from storage.conversations import ConversationStore
from storage.heads import Head, check
from storage.tables import BookingRow, ConversationRow, GenerationRow, TurnRow, TurnStateRow

C, T, G, S, B = ConversationRow, TurnRow, GenerationRow, TurnStateRow, BookingRow


def open_memory(url: str) -> SqlMemory:
    """Open (creating or upgrading as needed) the store at ``url``: ``sqlite:///PATH``,
    ``postgresql://…`` (psycopg 3) or any SQLAlchemy URL."""
    parsed = engines.parse_url(url)
    where = engines.describe(parsed)
    path = engines.sqlite_path(parsed)
    existing = path is not None and path.exists() and path.stat().st_size > 0
    if path is not None:
        engines.prepare_sqlite_file(path)
    if path is not None and existing:
        revision = engines.sqlite_revision(path)
        migrate.refuse_newer(revision, where)
        if revision is not None and revision != migrate.head():
            migrate.backup_sqlite(path, revision)
    engine = engines.create(parsed)
    try:
        migrate.upgrade(engine, where)
    except DBAPIError as error:
        engine.dispose()
        raise engines.unavailable(parsed, error) from error
    except BaseException:
        engine.dispose()
        raise
    checkpointer = Checkpointer(path) if path else None
    return SqlMemory(engine, where, checkpointer=checkpointer, sqlite_path=path)


class SqlMemory(ConversationStore):
    """Conversations as trees of turns, with state snapshots, metadata and bookings."""

    # ----------------------------------------------------------------- turns

    def append_turn(
        self,
        conversation_id: int,
        role: Role,
        text: str,
        *,
        parent_id: int | None = None,
        complete: bool = True,
        meta: GenerationMeta | None = None,
        expected_head: int | None = None,
    ) -> Turn:
        """Add a turn below ``parent_id`` (default: the head of the active branch) and make it the
        head. Committed before it returns. Refused (``ConversationChanged``, nothing written)
        when the conversation is deleted or its head is not ``expected_head`` (when given)."""
        if parent_id is None and meta is None:
            try:
                with self.write() as connection:
                    return self._append_below_head(
                        connection, conversation_id, role, text, complete, expected_head
                    )
            except _HeadMoved:
                pass  # rolled back: the locked path below says why, or writes it
        with self.write() as connection:
            head = self._lock_head(connection, conversation_id)
            check(connection, head, expected_head, "message")
            parent = (
                head.turn_id
                if parent_id is None
                else self._own_turn(connection, conversation_id, parent_id)
            )
            return self._insert_turn(
                connection, conversation_id, parent, role, text, complete, meta
            )

    def _append_below_head(
        self,
        connection: Connection,
        conversation_id: int,
        role: Role,
        text: str,
        complete: bool,
        expected_head: int | None,
    ) -> Turn:
        """The common case in two statements: insert below the head the INSERT itself reads,
        move the head if it is still that one. Raises :class:`_HeadMoved` (the transaction rolls
        back) when the conversation is missing or deleted, the head is not ``expected_head``,
        or another writer moved it in between (PostgreSQL's UPDATE waits for that writer's row
        lock, then sees its head)."""
        stamp, clean = now(), clean_text(text)
        values = {"cid": conversation_id, "role": role, "text": clean, "complete": complete}
        row = connection.execute(sql.INSERT_BELOW_HEAD, {**values, "created_at": stamp}).first()
        if row is None or (expected_head is not None and row.parent_id != expected_head):
            raise _HeadMoved
        head = {"cid": conversation_id, "old_head": row.parent_id, "new_head": row.id}
        if connection.execute(sql.MOVE_HEAD_FROM, {**head, "stamp": stamp}).rowcount != 1:
            raise _HeadMoved
        return Turn(
            row.id, conversation_id, row.parent_id, role, clean, utc(stamp), complete=complete
        )

    def _lock_head(self, connection: Connection, conversation_id: int) -> Head:
        """The head, locking the conversation row so concurrent writes queue (PostgreSQL; on
        SQLite the write transaction is ``BEGIN IMMEDIATE`` already)."""
        row = connection.execute(sql.LOCK_HEAD, {"cid": conversation_id}).one_or_none()
        if row is None:
            raise NotFound(f"no conversation {conversation_id}; list them with `sessions list`")
        return Head(conversation_id, row[0], row[1])

    def _own_turn(self, connection: Connection, conversation_id: int, turn_id: int) -> int:
        owner = connection.execute(sql.TURN_OWNER, {"tid": turn_id}).scalar()
        if owner != conversation_id:
            raise NotFound(f"no turn {turn_id} in conversation {conversation_id}")
        return turn_id

    def _insert_turn(
        self,
        connection: Connection,
        conversation_id: int,
        parent_id: int | None,
        role: Role,
        text: str,
        complete: bool,
        meta: GenerationMeta | None,
    ) -> Turn:
        stamp = now()
        values: dict[str, Any] = {"conversation_id": conversation_id, "parent_id": parent_id}
        values |= {"role": role, "text": clean_text(text), "created_at": stamp}
        values["complete"] = complete
        key = connection.execute(sql.INSERT_TURN, values).inserted_primary_key
        assert key is not None  # noqa: S101
        turn_id = int(key[0])
        if meta is not None:
            connection.execute(sql.INSERT_META, {"turn_id": turn_id, **meta_to_json(meta)})
        head = {"cid": conversation_id, "new_head": turn_id, "stamp": stamp}
        connection.execute(sql.MOVE_HEAD, head)
        return Turn(
            turn_id,
            conversation_id,
            parent_id,
            role,
            values["text"],
            utc(stamp),
            meta=meta,
            complete=complete,
        )

    def begin_reply(
        self,
        user_turn: Turn,
        state: DialogueState,
        act: Act,
        booking: Booking | None = None,
        *,
        expected_head: int | None = None,
    ) -> Turn:
        """The reply to ``user_turn``, empty and incomplete, with the turn's state, its act and
        the booking the act made: one transaction, so no booking exists that the conversation's
        acts do not announce, and none is announced that was not stored. The turn's only state
        snapshot (the user turn keeps none). Refused as :meth:`append_turn` is only when
        ``expected_head`` is given (a regenerate: its user turn was there before); a new turn's
        own user turn was checked when it was written, and its turn lock is held."""
        conversation_id = user_turn.conversation_id
        with self.write() as connection:
            if expected_head is not None:
                head = self._lock_head(connection, conversation_id)
                check(connection, head, expected_head, "reply")
            turn = self._insert_turn(
                connection, conversation_id, user_turn.id, "assistant", "", False, None
            )
            self._insert_state(connection, turn.id, state, act)
            if booking is not None:
                self._insert_booking(connection, conversation_id, turn.id, booking)
            return dataclasses.replace(turn, state=state, act=act)

    def get_turn(self, turn_id: int) -> Turn:
        with self.read() as connection:
            return self._turn(connection, turn_id)

    def update_turn(
        self,
        turn_id: int,
        *,
        text: str | None = None,
        complete: bool | None = None,
        meta: GenerationMeta | None = None,
    ) -> None:
        """Change a streamed reply: its text so far, whether it finished, its metadata. Reads
        nothing back (:meth:`get_turn` does)."""
        with self.write() as connection:
            changed = sql.set_reply(None if text is None else clean_text(text), complete)
            if changed is None:
                found = connection.execute(sql.TURN_OWNER, {"tid": turn_id}).scalar() is not None
            else:
                statement, values = changed
                found = connection.execute(statement, {"tid": turn_id, **values}).rowcount > 0
            if not found:
                raise NotFound(f"no turn {turn_id}")
            if meta is not None:
                upsert = sql.upsert_meta(self.dialect)
                connection.execute(upsert, {"turn_id": turn_id, **meta_to_json(meta)})

    def fork(
        self,
        turn_id: int,
        text: str,
        *,
        complete: bool = True,
        meta: GenerationMeta | None = None,
        expected_head: int | None = None,
    ) -> Turn:
        """A new sibling of ``turn_id`` (same parent and role) that becomes the head: an edited
        user message or a regenerated reply. The old branch is kept. Refused as
        :meth:`append_turn` is (the view ``expected_head`` names is stale, or deleted)."""
        with self.write() as connection:
            old = self._turn(connection, turn_id)
            head = self._lock_head(connection, old.conversation_id)
            kind = "edit" if old.role == "user" else "reply"
            check(connection, head, expected_head, kind)
            return self._insert_turn(
                connection, old.conversation_id, old.parent_id, old.role, text, complete, meta
            )

    def regenerate(self, turn_id: int, *, expected_head: int | None = None) -> Turn:
        """An empty, incomplete sibling of a reply for the engine to stream into."""
        return self.fork(turn_id, "", complete=False, expected_head=expected_head)

    def siblings(self, turn_id: int) -> list[Turn]:
        """The alternatives at this point of the tree (``turn_id`` included), oldest first."""
        with self.read() as connection:
            turn = self._turn(connection, turn_id)
            same = T.parent_id == turn.parent_id if turn.parent_id else T.parent_id.is_(None)
            query = rows.turns_select().where(T.conversation_id == turn.conversation_id, same)
            return [rows.to_turn(row) for row in connection.execute(query.order_by(T.id))]

    def switch_branch(self, turn_id: int, *, expected_head: int | None = None) -> Conversation:
        """Make the newest branch through ``turn_id`` the active one (``expected_head``: see
        :meth:`append_turn`)."""
        with self.write() as connection:
            turn = self._turn(connection, turn_id)
            head = self._lock_head(connection, turn.conversation_id)
            check(connection, head, expected_head, "branch")
            leaf = rows.newest_leaf(connection, turn_id)
            values = {"head_turn_id": leaf, "updated_at": now()}
            connection.execute(update(C).where(C.id == turn.conversation_id).values(**values))
            return self._conversation(connection, turn.conversation_id)

    def active_branch(self, conversation_id: int) -> list[Turn]:
        """The path from the root to the head: one query (and a second one to tell "no turns
        yet" from "no such conversation" when it finds none)."""
        with self.read() as connection:
            found = rows.active_branch(connection, conversation_id)
            if not found:
                self._conversation(connection, conversation_id)
            return found

    def all_turns(self, conversation_id: int) -> list[Turn]:
        """The whole tree, every branch, in the order the turns were added."""
        query = rows.turns_select().where(T.conversation_id == conversation_id).order_by(T.id)
        with self.read() as connection:
            self._conversation(connection, conversation_id)
            return [rows.to_turn(row) for row in connection.execute(query)]

    # ----------------------------------------------------------------- turns in progress

    def answering(self, conversation_id: int) -> AbstractContextManager[None]:
        """Held while this process answers a turn of the conversation (``storage.turn_lock``)."""
        return self.turn_locks.hold(conversation_id)

    def being_answered(self, conversation_id: int) -> bool:
        """Some other live process is answering a turn of this conversation right now."""
        return self.turn_locks.busy(conversation_id)

    # ----------------------------------------------------------------- state and bookings

    def save_state(
        self,
        turn_id: int,
        state: DialogueState,
        act: Act | None = None,
        *,
        expected_head: int | None = None,
    ) -> None:
        """Replace the turn's state snapshot. With ``expected_head``, refused as
        :meth:`append_turn` is when the conversation moved on or was deleted."""
        with self.write() as connection:
            turn = self._turn(connection, turn_id)
            if expected_head is not None:
                head = self._lock_head(connection, turn.conversation_id)
                check(connection, head, expected_head, "state")
            connection.execute(delete(S).where(S.turn_id == turn_id))
            self._insert_state(connection, turn_id, state, act)

    def _insert_state(
        self, connection: Connection, turn_id: int, state: DialogueState, act: Act | None
    ) -> None:
        values = {"state": state_to_json(state), "act": act_to_json(act) if act else None}
        connection.execute(insert(S).values(turn_id=turn_id, **values))

    def latest_state(self, conversation_id: int) -> DialogueState:
        """The snapshot of the newest turn on the active branch that has one (empty if none)."""
        for turn in reversed(self.active_branch(conversation_id)):
            if turn.state is not None:
                return turn.state
        return DialogueState()

    def add_booking(self, conversation_id: int, turn_id: int | None, booking: Booking) -> None:
        with self.write() as connection:
            self._conversation(connection, conversation_id)
            if turn_id is not None:
                self._own_turn(connection, conversation_id, turn_id)
            self._insert_booking(connection, conversation_id, turn_id, booking)

    def _insert_booking(
        self, connection: Connection, conversation_id: int, turn_id: int | None, booking: Booking
    ) -> None:
        values = booking_to_json(booking)
        values["created_at"] = naive_utc(booking.created_at) if booking.created_at else now()
        row = {"conversation_id": conversation_id, "turn_id": turn_id, **values}
        connection.execute(insert(B).values(**row))

    def bookings(self, conversation_id: int) -> list[Booking]:
        return [booking for _turn_id, booking in self.bookings_with_turns(conversation_id)]

    def bookings_with_turns(self, conversation_id: int) -> list[tuple[int | None, Booking]]:
        query = select(B).where(B.conversation_id == conversation_id).order_by(B.id)
        with self.read() as connection:
            found = connection.execute(query).all()
        return [(row.turn_id, _booking(row)) for row in found]

    def search(self, query: str, *, limit: int = 20) -> list[SearchHit]:
        with self.read() as connection:
            return search.search(connection, query, limit)


class _HeadMoved(Exception):
    """The two-statement append found no head to write below: take the locked path."""


def _booking(row: Any) -> Booking:
    return Booking(row.service, row.reference, dict(row.slots), row.entity, utc(row.created_at))
