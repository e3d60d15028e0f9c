"""WAL checkpoints off the critical path.

SQLite's automatic checkpoint runs inside whichever commit crosses the threshold, adding several
milliseconds (an fsync) to that one append: the p99 a user feels as a stutter when a reply is
saved. Connections therefore set a high ``wal_autocheckpoint`` (a backstop only) and this daemon
thread copies the WAL back into the database shortly after writes, on its own connection, with
``PASSIVE`` checkpoints that never block readers or writers. Keeping the WAL small also lets
SQLite reuse the file from its start instead of growing it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

BACKSTOP_PAGES = 5000  # the automatic checkpoint only if this thread falls far behind
EVERY_WRITES = 32
IDLE_S = 1.0


class Checkpointer:
    """Call :meth:`wrote` after each commit; :meth:`close` stops the thread (final checkpoint)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._pending = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="slotchat-checkpoint", daemon=True)
        self._thread.start()

    def wrote(self) -> None:
        with self._lock:
            self._pending += 1
            due = self._pending >= EVERY_WRITES
        if due:
            self._wake.set()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        connection = sqlite3.connect(self._path, timeout=10, check_same_thread=False)
        try:
            while not self._stop.is_set():
                self._wake.wait(IDLE_S)
                self._wake.clear()
                self._checkpoint(connection)
            self._checkpoint(connection)
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        with self._lock:
            if not self._pending:
                return
            self._pending = 0
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as error:  # never fatal: the backstop checkpoint still runs
            log.warning("background WAL checkpoint of %s failed: %s", self._path, error)
