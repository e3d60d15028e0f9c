"""Schema versions: Alembic revisions shipped inside the package, run programmatically.

A fresh database is created at the head revision; an older one is upgraded when it is opened
(SQLite files get a backup copy first); one stamped by a newer slotchat is refused, untouched.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, text

from agent.errors import DatabaseTooNew
from storage.engine import WRITE

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
_PG_LOCK = 0x510C4A7  # advisory lock id: one process migrates at a time


@cache
def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None  # noqa: S101 - the package ships its revisions
    return revision


def known(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(_config()).get_revision(revision) is not None
    except CommandError:
        return False


def refuse_newer(revision: str | None, where: str) -> None:
    if revision is not None and not known(revision):
        raise DatabaseTooNew(
            f"{where} was written by a newer version of slotchat (schema {revision}); "
            "upgrade slotchat (pip install -U slotchat) or use another database with --db. "
            "The database was not changed."
        )


def backup_sqlite(path: Path, revision: str) -> Path:
    """A consistent copy (WAL included) before the schema changes, next to the file."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.bak-{revision}-{stamp}")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    log.info("backed up %s to %s before upgrading its schema", path, target)
    return target


def upgrade(engine: Engine, where: str, *, revision: str = "heads") -> None:
    """Bring the schema to ``revision`` in one write transaction (a no-op when already there)."""
    with engine.execution_options(**{WRITE: True}).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK})
        refuse_newer(current(connection), where)
        config = _config()
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, revision)
        finally:
            config.attributes.pop("connection", None)


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
