"""Which conversations have a turn being answered right now, by any process.

A turn in progress holds a lock that the operating system or the database server drops when
the process dies: so "the last reply was cut off" (answer it again) can be told apart from "another
session is still writing it" (leave it alone), with no lease to wait out after a kill.

- SQLite file: a POSIX byte-range lock (``fcntl.lockf``) on byte ``conversation id`` of a sidecar
  file ``<db>.turns``; the kernel releases it when the process ends, however it ends.
- PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) held on a connection of its own
  for the turn; the server releases it when that connection closes.

Taking the lock waits while another process holds it (a blocking ``F_SETLKW`` /
``pg_advisory_lock``): two windows' turns of one conversation run one after the other, so a
message sent while the other window's reply streams goes below that reply instead of between
the other window's question and its answer. POSIX locks do not conflict within one process, so
a process never sees (or waits for) its own turn as another's (one process runs one turn of a
conversation at a time). Elsewhere (Windows, in-memory SQLite, other dialects) nothing is locked
and no turn is ever "in progress".
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, text

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_PG_CLASS = 0x5107  # the first key of slotchat's advisory locks (the second: the conversation)
_TRY = text("SELECT pg_try_advisory_lock(:k, :c)")
_LOCK = text("SELECT pg_advisory_lock(:k, :c)")
_UNLOCK = text("SELECT pg_advisory_unlock(:k, :c)")


class TurnLocks:
    """``hold(conversation_id)`` while a turn runs (waiting for another process's turn of the
    same conversation to end first); ``busy(conversation_id)`` asks whether another process
    holds it."""

    def __init__(self, engine: Engine, sqlite_path: Path | None) -> None:
        self._engine = engine
        self._path = sqlite_path.with_name(sqlite_path.name + ".turns") if sqlite_path else None
        self._file: IO[bytes] | None = None
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, conversation_id: int) -> Iterator[None]:
        if self._engine.dialect.name == "postgresql":
            with self._pg_hold(conversation_id):
                yield
        elif self._sidecar() is not None:
            self._lockf(conversation_id, fcntl.LOCK_EX)  # waits for another process's turn
            try:
                yield
            finally:
                self._lockf(conversation_id, fcntl.LOCK_UN)
        else:
            yield

    def busy(self, conversation_id: int) -> bool:
        if self._engine.dialect.name == "postgresql":
            return self._pg_busy(conversation_id)
        if self._sidecar() is None or not self._try(conversation_id):
            return self._sidecar() is not None
        self._lockf(conversation_id, fcntl.LOCK_UN)
        return False

    def close(self) -> None:
        with self._guard:
            if self._file is not None:
                self._file.close()
                self._file = None

    # ----------------------------------------------------------------- SQLite

    def _sidecar(self) -> IO[bytes] | None:
        """The one open handle on the sidecar file (closing any handle of a file drops all of
        the process's POSIX locks on it, so there is exactly one)."""
        if self._path is None or fcntl is None:
            return None
        with self._guard:
            if self._file is None:
                fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                self._file = os.fdopen(fd, "r+b", buffering=0)
            return self._file

    def _try(self, conversation_id: int) -> bool:
        try:
            self._lockf(conversation_id, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _lockf(self, conversation_id: int, how: int) -> None:
        handle = self._sidecar()
        assert handle is not None  # noqa: S101 - callers checked
        fcntl.lockf(handle, how, 1, conversation_id, os.SEEK_SET)

    # ----------------------------------------------------------------- PostgreSQL

    @contextmanager
    def _pg_hold(self, conversation_id: int) -> Iterator[None]:
        keys: dict[str, Any] = {"k": _PG_CLASS, "c": _key(conversation_id)}
        with self._engine.connect() as connection:
            connection.execute(_LOCK, keys)  # waits for another process's turn
            connection.commit()
            try:
                yield
            finally:
                connection.execute(_UNLOCK, keys)
                connection.commit()

    def _pg_busy(self, conversation_id: int) -> bool:
        keys: dict[str, Any] = {"k": _PG_CLASS, "c": _key(conversation_id)}
        with self._engine.connect() as connection:
            got = bool(connection.execute(_TRY, keys).scalar())
            if got:
                connection.execute(_UNLOCK, keys)
            connection.commit()
        return not got


def _key(conversation_id: int) -> int:
    """The advisory lock's second key is an int4."""
    return conversation_id % (2**31)
