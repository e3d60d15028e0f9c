"""The memory store; the only code that imports ``sqlalchemy``.

Importing the package is free: :func:`open_memory` loads SQLAlchemy and Alembic when called.

- ``open_memory(url) -> SqlMemory`` (``storage.store``): the ``agent.ports.Memory`` port plus
  fork/regenerate/siblings/switch_branch, rename/archive/delete/restore/purge and search.
- ``storage.transfer``: ``export_json``, ``import_json``, ``dumps``;
  ``storage.markdown``: ``export_markdown``.
- ``storage.chat_history.SqlChatMessageHistory``: LangChain's chat history over the same tables.
- ``storage.bulk`` / ``storage.corpus``: fast corpus loading for ``bench memory``;
  ``storage.scratch.scratch_schema``: throwaway PostgreSQL schemas for tests and benchmarks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.store import SqlMemory


def open_memory(url: str) -> SqlMemory:
    """Open the store at a SQLAlchemy URL, creating or upgrading its schema (see storage.store)."""
    from storage.store import open_memory as _open

    return _open(url)
