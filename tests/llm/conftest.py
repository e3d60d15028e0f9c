"""Fixtures for the model runtime tests: one assembled ``tiny`` pack and one loaded runtime per
session, so the real-model tests pay for loading once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def tiny_path(model_cache: Path) -> Path:
    from agent.llm import packs

    return packs.resolve("tiny", model_cache, progress=lambda done, total: None)


@pytest.fixture(scope="session")
def tiny(tiny_path: Path) -> Iterator[object]:
    from agent.llm.runtime import LlamaRuntime

    runtime = LlamaRuntime(tiny_path, name="tiny", threads=2, n_ctx=1024)
    yield runtime
    runtime.close()
