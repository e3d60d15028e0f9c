"""Full-text search over every turn of every conversation that is not deleted.

User text never reaches the SQL: it is a bound parameter, and on SQLite it is first reduced to
its words, each quoted as an FTS5 string, so ``"``, ``*``, ``NEAR``, ``-`` or ``:`` are searched
for as words instead of being read as query syntax. PostgreSQL parses it with ``plainto_tsquery``,
which has no syntax at all. Other backends fall back to an escaped ``LIKE``.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, bindparam, text

from agent.domain import SearchHit
from storage.snippets import snippet

_WORD = re.compile(r"\w+", re.UNICODE)

# Ranking first, on the index alone; the joins and snippets only for the few rows shown (FTS5's
# snippet() re-walks the whole match list per row: for a common word, slower than the search).
_SQLITE_RANK = text(
    "SELECT rowid, bm25(turns_fts) AS score FROM turns_fts "
    "WHERE turns_fts MATCH :query ORDER BY score LIMIT :limit"
)
_SQLITE_SHOW = text(
    "SELECT t.id, t.conversation_id, t.role, c.title, t.text "
    "FROM turns t JOIN conversations c ON c.id = t.conversation_id "
    "WHERE t.id IN :ids AND c.deleted_at IS NULL"
).bindparams(bindparam("ids", expanding=True))

_POSTGRES = text(
    "WITH q AS (SELECT plainto_tsquery('english', :query) AS query), "
    "top AS (SELECT t.id, ts_rank(t.search_vector, q.query) AS score FROM turns t, q "
    "WHERE t.search_vector @@ q.query ORDER BY score DESC, t.id DESC LIMIT :wanted) "
    "SELECT t.id, t.conversation_id, t.role, c.title, "
    "ts_headline('english', t.text, q.query, "
    "'StartSel=[, StopSel=], MaxWords=24, MinWords=8, MaxFragments=1'), top.score, "
    "(SELECT count(*) FROM top) "
    "FROM top JOIN turns t ON t.id = top.id JOIN conversations c ON c.id = t.conversation_id, q "
    "WHERE c.deleted_at IS NULL ORDER BY top.score DESC, t.id DESC LIMIT :limit"
)

_POSTGRES_COUNT = text(
    "SELECT count(*) FROM (SELECT 1 FROM turns "
    "WHERE search_vector @@ plainto_tsquery('english', :query) LIMIT :wanted) AS matches"
)

_LIKE = text(
    "SELECT t.id, t.conversation_id, t.role, c.title, t.text, 0.0 "
    "FROM turns t JOIN conversations c ON c.id = t.conversation_id "
    "WHERE t.text LIKE :query ESCAPE '\\' AND c.deleted_at IS NULL "
    "ORDER BY t.id DESC LIMIT :limit"
)


def fts5_query(query: str) -> str:
    """Every word of ``query`` as a quoted FTS5 string; all must occur. Empty if no words."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in _WORD.findall(query))


def _like_pattern(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(connection: Connection, query: str, limit: int) -> list[SearchHit]:
    if not query.strip() or limit <= 0:
        return []
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return _search_sqlite(connection, query, limit)
    if dialect == "postgresql":
        return _search_postgres(connection, query, limit)
    return search_like(connection, query, limit)


def search_like(connection: Connection, query: str, limit: int) -> list[SearchHit]:
    """The fallback for backends without a full-text index: newest turns containing the text."""
    rows = connection.execute(_LIKE, {"query": _like_pattern(query), "limit": limit}).all()
    return [_hit(row, snippet(row[4], query), 0.0) for row in rows]


def _search_sqlite(connection: Connection, query: str, limit: int) -> list[SearchHit]:
    """Top matches by bm25; asks for more when some belong to deleted conversations."""
    words = fts5_query(query)
    if not words:
        return []
    wanted = limit + 10
    while True:
        ranked = connection.execute(_SQLITE_RANK, {"query": words, "limit": wanted}).all()
        scores = {int(rowid): -float(score) for rowid, score in ranked}
        shown = connection.execute(_SQLITE_SHOW, {"ids": list(scores)}).all() if scores else []
        if len(shown) >= limit or len(ranked) < wanted:
            hits = [_hit(row, snippet(row[4], query), scores[int(row[0])]) for row in shown]
            return sorted(hits, key=lambda hit: (-hit.rank, -hit.turn_id))[:limit]
        wanted *= 4


def _search_postgres(connection: Connection, query: str, limit: int) -> list[SearchHit]:
    """Ranked on ``turns`` alone, then joined; asks for more when deleted ones drop out."""
    wanted = limit + 10
    while True:
        params = {"query": query, "limit": limit, "wanted": wanted}
        rows = connection.execute(_POSTGRES, params).all()
        ranked = int(rows[0][6]) if rows else _pg_matches(connection, query, wanted)
        if len(rows) >= limit or ranked < wanted:
            return [_hit(row, row[4], float(row[5])) for row in rows]
        wanted *= 4


def _pg_matches(connection: Connection, query: str, at_most: int) -> int:
    return int(
        connection.execute(_POSTGRES_COUNT, {"query": query, "wanted": at_most}).scalar_one()
    )


def _hit(row: Any, excerpt: str, rank: float) -> SearchHit:
    """``row`` is (turn id, conversation id, role, title, …)."""
    return SearchHit(int(row[1]), str(row[3]), int(row[0]), row[2], excerpt, rank)
