"""The plumbing every store operation shares: transactions, error messages, lookups.

Writes go through :meth:`StoreBase.write`, one short transaction each (``BEGIN IMMEDIATE`` on
SQLite, so concurrent writers queue instead of failing), committed before it returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import DBAPIError

from agent.domain import Conversation, Turn
from agent.errors import NotFound, StorageError
from storage import rows
from storage.checkpoint import Checkpointer
from storage.engine import WRITE
from storage.tables import ConversationRow, TurnRow
from storage.turn_lock import TurnLocks

_OUT_OF_RANGE = "22003"  # PostgreSQL: numeric value out of range


def _too_large(error: BaseException) -> NotFound:
    reason = str(error).strip().splitlines()[0]
    return NotFound(f"no such record ({reason}): ids and limits are at most {2**63 - 1}")


class StoreBase:
    """An engine plus the transaction helpers; the mixins above it add the operations."""

    def __init__(
        self,
        engine: Engine,
        url: str,
        *,
        checkpointer: Checkpointer | None = None,
        sqlite_path: Path | None = None,
    ) -> None:
        self.engine = engine
        self.url = url
        self._checkpointer = checkpointer
        self._writer = engine.execution_options(**{WRITE: True})
        self.turn_locks = TurnLocks(engine, sqlite_path)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def optimize(self) -> None:
        """Refresh the planner's statistics (after a bulk load, or now and then)."""
        with self.write() as connection:
            if self.dialect == "sqlite":
                connection.exec_driver_sql("PRAGMA optimize")
            elif self.dialect == "postgresql":
                connection.exec_driver_sql("ANALYZE")

    def close(self) -> None:
        self.turn_locks.close()
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction, committed on exit (``BEGIN IMMEDIATE`` on SQLite)."""
        with self._errors(), self._writer.begin() as connection:
            yield connection
        if self._checkpointer is not None:
            self._checkpointer.wrote()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._errors(), self.engine.connect() as connection:
            yield connection

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except OverflowError as error:  # an id or a limit past what the database can hold
            raise _too_large(error) from error
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) == _OUT_OF_RANGE:
                raise _too_large(error.orig or error) from error
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            fix = "check that the database is writable and not in use by a stuck process"
            raise StorageError(f"the database {self.url} failed: {reason}; {fix}") from error

    def _conversation(self, connection: Connection, conversation_id: int) -> Conversation:
        query = select(ConversationRow).where(ConversationRow.id == conversation_id)
        row = connection.execute(query).one_or_none()
        if row is None:
            raise NotFound(f"no conversation {conversation_id}; list them with `sessions list`")
        return rows.to_conversation(row)

    def _turn(self, connection: Connection, turn_id: int) -> Turn:
        query = rows.turns_select().where(TurnRow.id == turn_id)
        row = connection.execute(query).one_or_none()
        if row is None:
            raise NotFound(f"no turn {turn_id}")
        return rows.to_turn(row)
