"""Fixtures for the engine's stage tests: ``memory``, the real store on in-memory SQLite
(tests/fakes/store.py), fresh for each test."""

from __future__ import annotations

from tests.fakes.store import memory_fixture

__all__ = ["memory_fixture"]
