"""The memory store; the only code that imports ``sqlalchemy``.

Importing the package is free: :func:`open_memory` loads SQLAlchemy and Alembic when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.store import SqlMemory


def open_memory(url: str) -> SqlMemory:
    """Open the store at a SQLAlchemy URL, creating or upgrading its schema (see storage.store)."""
    from storage.store import open_memory as _open

    return _open(url)
