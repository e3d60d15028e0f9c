"""One engine fixture for the whole storage suite: a real SQLite file and, when
SLOTCHAT_TEST_PG_URL is set (always in CI), a fresh schema on the real PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import open_memory
from storage.scratch import scratch_schema
from storage.store import SqlMemory

PG_URL = os.environ.get("SLOTCHAT_TEST_PG_URL")
REPO = Path(__file__).resolve().parents[2]

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pg_url_or_skip() -> str:
    if not PG_URL:
        pytest.skip(
            "SLOTCHAT_TEST_PG_URL is not set (CI starts a server with scripts/pg-test-server)"
        )
    return PG_URL


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/memory.db"
        return
    with scratch_schema(pg_url_or_skip(), "slotchat_test") as url:
        yield url


@pytest.fixture
def pg_scratch_url() -> Iterator[str]:
    with scratch_schema(pg_url_or_skip(), "slotchat_test") as url:
        yield url


@pytest.fixture
def memory(db_url: str) -> Iterator[SqlMemory]:
    store = open_memory(db_url)
    try:
        yield store
    finally:
        store.close()
