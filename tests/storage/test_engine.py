"""URLs, SQLite settings, and a package import that costs nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from storage.engine import parse_url
from storage.store import SqlMemory

REPO = Path(__file__).resolve().parents[2]


def test_plain_postgres_urls_use_psycopg_3() -> None:
    for url in ("postgresql://u@h:5/db", "postgres://u@h:5/db"):
        assert parse_url(url).drivername == "postgresql+psycopg"
    assert parse_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    assert parse_url("sqlite:////tmp/x.db").drivername == "sqlite"


def test_importing_storage_loads_no_database_code() -> None:
    code = "import sys, storage; print('sqlalchemy' in sys.modules, 'alembic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_sqlite_connections_are_configured(memory: SqlMemory) -> None:
    if memory.dialect != "sqlite":
        return
    with memory.read() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10_000}


def test_in_memory_sqlite_is_one_database_for_every_thread() -> None:
    import threading

    from storage import open_memory

    with open_memory("sqlite://") as memory:
        cid = memory.create_conversation(title="t", domain="d", model="m").id
        seen: list[int] = []
        worker = threading.Thread(target=lambda: seen.append(len(memory.list_conversations())))
        worker.start()
        worker.join()
        memory.append_turn(cid, "user", "hello there")
        assert seen == [1] and len(memory.search("hello")) == 1
