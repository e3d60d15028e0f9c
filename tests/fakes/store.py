"""The real store on in-memory SQLite, so the tests exercise ``SqlMemory`` and not a stand-in.

``sqlite://`` is one connection shared by every thread (``storage.engine`` uses a StaticPool
for in-memory databases), migrated to the head revision when opened; each call is a new,
empty database.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage import open_memory
from storage.store import SqlMemory

IN_MEMORY = "sqlite://"


def memory() -> SqlMemory:
    """A fresh, empty store; close it when done (or use the ``memory`` fixture)."""
    return open_memory(IN_MEMORY)


@pytest.fixture(name="memory")
def memory_fixture() -> Iterator[SqlMemory]:
    """A fresh store per test, closed afterwards. tests/agent/conftest.py offers it to the stage
    tests; another folder's conftest can import it the same way."""
    with memory() as store:
        yield store
