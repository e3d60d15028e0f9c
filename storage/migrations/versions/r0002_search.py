"""Full-text search over turns: an FTS5 index on SQLite, a tsvector + GIN index on PostgreSQL.

The SQLite index is an external-content FTS5 table kept in step by triggers, so the text is
stored once and every write to ``turns`` updates the index in the same transaction.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_UP = (
    "CREATE VIRTUAL TABLE turns_fts USING fts5(text, content='turns', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER turns_fts_insert AFTER INSERT ON turns BEGIN "
    "INSERT INTO turns_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER turns_fts_delete AFTER DELETE ON turns BEGIN "
    "INSERT INTO turns_fts(turns_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER turns_fts_update AFTER UPDATE OF text ON turns BEGIN "
    "INSERT INTO turns_fts(turns_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO turns_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO turns_fts(turns_fts) VALUES ('rebuild')",
)
SQLITE_DOWN = (
    "DROP TRIGGER turns_fts_update",
    "DROP TRIGGER turns_fts_delete",
    "DROP TRIGGER turns_fts_insert",
    "DROP TABLE turns_fts",
)
POSTGRES_UP = (
    "ALTER TABLE turns ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', text)) STORED",
    "CREATE INDEX ix_turns_search ON turns USING GIN (search_vector)",
)
POSTGRES_DOWN = ("DROP INDEX ix_turns_search", "ALTER TABLE turns DROP COLUMN search_vector")


def _run(statements: tuple[str, ...]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UP)
    elif dialect == "postgresql":
        _run(POSTGRES_UP)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DOWN)
    elif dialect == "postgresql":
        _run(POSTGRES_DOWN)
