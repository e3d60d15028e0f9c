"""Engines for SQLite files and PostgreSQL, and the checks that make a bad URL fail clearly.

SQLite: WAL (readers never block the writer), foreign keys on, a busy timeout, and write
transactions that start with ``BEGIN IMMEDIATE`` so two processes queue for the lock instead of
failing with "database is locked" when a read transaction tries to upgrade. Before SQLAlchemy
touches an existing file it is inspected through a read-only connection, so that a corrupt,
read-only or too-new file is reported and left byte-for-byte as it was.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import StaticPool

from agent.errors import DatabaseUnavailable, StorageError
from storage.checkpoint import BACKSTOP_PAGES

BUSY_TIMEOUT_MS = 10_000
WRITE = "slotchat_write"  # execution option: this transaction writes (BEGIN IMMEDIATE on SQLite)


def parse_url(url: str) -> URL:
    """A SQLAlchemy URL; bare ``postgresql://`` and ``postgres://`` are routed to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    try:
        return make_url(url)
    except ArgumentError as error:
        raise StorageError(
            f"'{url}' is not a database URL; use sqlite:///PATH or "
            "postgresql://USER@HOST:PORT/DB (--db or SLOTCHAT_DB_URL)"
        ) from error


_DRIVERS = {"sqlite": ("pysqlite",), "postgresql": ("psycopg",)}


def check_user_url(url: str) -> None:
    """Refuse, in one line, a URL that a user gave (``--db``, ``SLOTCHAT_DB_URL``) and the store
    cannot use: another database, a driver that is not installed with slotchat, or an in-memory
    SQLite database, which would silently keep nothing."""
    parsed = parse_url(url)
    backend = parsed.get_backend_name()
    driver = parsed.get_driver_name() if backend in _DRIVERS else parsed.drivername
    if driver not in _DRIVERS.get(backend, ()):
        raise StorageError(
            f"slotchat stores conversations in SQLite or in PostgreSQL through psycopg 3, not in "
            f"'{parsed.drivername if backend not in _DRIVERS else backend + '+' + driver}' "
            f"({describe(parsed)}); use sqlite:///PATH or postgresql://USER@HOST:PORT/DB"
        )
    if backend == "sqlite" and sqlite_path(parsed) is None:
        raise StorageError(
            f"'{url}' is an in-memory database: nothing would be kept after slotchat "
            "exits; give a file, e.g. sqlite:///conversations.db"
        )


def describe(url: URL) -> str:
    """The URL for messages, without its password."""
    return url.render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL; None for in-memory databases and other backends."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if str(url.database).startswith("file:"):
        return None
    return Path(str(url.database)).expanduser()


def create(url: URL) -> Engine:
    """An engine whose first connection proved the database reachable. For a SQLite file, call
    :func:`prepare_sqlite_file` first."""
    if url.get_backend_name() == "sqlite":
        engine = _sqlite_engine(url)
        _install_sqlite_events(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, **_connect_args(url))
    _probe(engine, url)
    return engine


def _sqlite_engine(url: URL) -> Engine:
    args: dict[str, Any] = {"timeout": BUSY_TIMEOUT_MS / 1000}
    if sqlite_path(url) is None:  # in memory: one shared connection, or each thread sees its own
        args["check_same_thread"] = False
        return create_engine(url, connect_args=args, poolclass=StaticPool)
    return create_engine(url, connect_args=args)


def _connect_args(url: URL) -> dict[str, Any]:
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        return {"connect_args": {"connect_timeout": 5}}
    return {}


def _probe(engine: Engine, url: URL) -> None:
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except DBAPIError as error:
        engine.dispose()
        raise unavailable(url, error) from error


def unavailable(url: URL, error: BaseException) -> DatabaseUnavailable:
    reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
    if url.get_backend_name() == "postgresql":
        fix = "start the server or fix the URL (--db or SLOTCHAT_DB_URL)"
        return DatabaseUnavailable(f"cannot connect to {describe(url)}: {reason}; {fix}")
    fix = "check the path and permissions, or move the file aside and start again"
    return DatabaseUnavailable(f"cannot open {describe(url)}: {reason}; {fix}")


def prepare_sqlite_file(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseUnavailable(
            f"cannot create the folder for {path}: {error.strerror}; "
            "choose another file with --db sqlite:///PATH"
        ) from error
    if path.exists():
        _check_writable(path)
        check_sqlite_file(path)


def _check_writable(path: Path) -> None:
    """Read-only files are refused even for root, who could write them anyway."""
    mode = path.stat().st_mode
    if not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise DatabaseUnavailable(
            f"the database {path} is read-only; make it writable (chmod u+w '{path}') "
            "or use another file with --db sqlite:///PATH"
        )
    if not os.access(path.parent, os.W_OK):
        raise DatabaseUnavailable(
            f"the folder of {path} is read-only (SQLite needs to write its journal there); "
            "make it writable or move the database"
        )


def check_sqlite_file(path: Path) -> None:
    """Open read-only and read the catalogue: fails on anything that is not a SQLite database."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise DatabaseUnavailable(
            f"{path} is not a readable slotchat database ({error}); it was left untouched: "
            "move it aside (or restore a .bak copy next to it) and start again"
        ) from error


def sqlite_revision(path: Path) -> str | None:
    """The Alembic revision stamped in a SQLite file, read without writing to it."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = connection.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchall()
        if not tables:
            return None
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None
    finally:
        connection.close()


def _switch_to_wal(cursor: sqlite3.Cursor) -> None:
    """Switching needs a moment alone with the file; when several processes create the database
    at once, SQLite reports "locked" at once instead of waiting, so wait here."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _install_sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to the "begin" hook below (the pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] not in ("memory", "wal"):
            _switch_to_wal(cursor)
        # In WAL mode NORMAL loses nothing when the process dies, only on power loss.
        cursor.execute("PRAGMA synchronous = NORMAL")
        # Checkpoints normally run in storage.checkpoint's thread; this is the backstop.
        cursor.execute(f"PRAGMA wal_autocheckpoint = {BACKSTOP_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
