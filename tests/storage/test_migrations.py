"""Schema versions: created at head, an old database upgraded (with a backup), a newer one
refused without being touched."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from agent.errors import DatabaseTooNew
from storage import engine as engines
from storage import migrate, open_memory

OLD_ROWS = (
    "INSERT INTO conversations (id, title, domain, model, created_at, updated_at, archived, "
    "head_turn_id) VALUES (1, 'old one', 'cambridge', 'tiny', :now, :now, false, NULL)",
    "INSERT INTO turns (id, conversation_id, parent_id, role, text, created_at, complete) "
    "VALUES (1, 1, NULL, 'user', 'an old saffron question', :now, true)",
    "INSERT INTO turns (id, conversation_id, parent_id, role, text, created_at, complete) "
    "VALUES (2, 1, 1, 'assistant', 'an old reply', :now, false)",
    "UPDATE conversations SET head_turn_id = 2 WHERE id = 1",
)


def _make_first_revision_db(url: str) -> None:
    parsed = engines.parse_url(url)
    path = engines.sqlite_path(parsed)
    if path is not None:
        engines.prepare_sqlite_file(path)
    engine = engines.create(parsed)
    migrate.upgrade(engine, url, revision="0001")
    with engine.begin() as connection:
        for statement in OLD_ROWS:
            connection.execute(text(statement), {"now": datetime(2026, 1, 1)})
        if connection.dialect.name == "postgresql":  # explicit ids bypassed the sequences
            for table in ("conversations", "turns"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 10)")
                )
    engine.dispose()


def test_first_revision_database_is_upgraded(db_url: str) -> None:
    _make_first_revision_db(db_url)
    with open_memory(db_url) as memory:
        branch = memory.active_branch(1)
        assert [t.text for t in branch] == ["an old saffron question", "an old reply"]
        assert branch[1].complete is False
        assert [h.turn_id for h in memory.search("saffron")] == [1]  # indexed by the upgrade
        memory.append_turn(1, "user", "a new saffron question")
        assert len(memory.search("saffron")) == 2
    path = engines.sqlite_path(engines.parse_url(db_url))
    if path is not None:
        backups = list(path.parent.glob(f"{path.name}.bak-0001-*"))
        assert len(backups) == 1 and engines.sqlite_revision(backups[0]) == "0001"


def test_fresh_database_is_at_head(db_url: str) -> None:
    with open_memory(db_url) as memory, memory.read() as connection:
        assert migrate.current(connection) == migrate.head()
    with open_memory(db_url) as memory:  # opening again changes nothing
        assert memory.list_conversations() == []


def test_newer_database_is_refused_and_untouched(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/new.db"
    open_memory(url).close()
    engine = engines.create(engines.parse_url(url))
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    path = tmp_path / "new.db"
    before = path.read_bytes()
    with pytest.raises(DatabaseTooNew, match="newer version of slotchat.*upgrade slotchat"):
        open_memory(url)
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("new.db.bak-*"))


@pytest.mark.postgres
def test_newer_postgres_database_is_refused(pg_scratch_url: str) -> None:
    open_memory(pg_scratch_url).close()
    engine = engines.create(engines.parse_url(pg_scratch_url))
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(DatabaseTooNew, match="newer version"):
        open_memory(pg_scratch_url)
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    assert version == "9999_future"


def _outside_search_index(diff: object) -> bool:
    text_ = repr(diff)
    return not any(name in text_ for name in ("turns_fts", "search_vector", "ix_turns_search"))


def test_models_match_the_migrated_schema(memory) -> None:  # noqa: ANN001
    """The ORM models and the migrations describe the same tables (the search index aside)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.tables import Base

    with memory.read() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diffs if _outside_search_index(d)] == []
