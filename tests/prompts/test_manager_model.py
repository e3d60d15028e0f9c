"""The prompt layout against the real runtime (tiny pack): the chat template is applied by
llama.cpp, the static messages form the cached prefix, and only the turn is evaluated anew."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.domain import DialogueState, GenerationParams
from prompts.manager_factory import build_tracker_prompts
from tests.prompts.toy_domain import DINING, toy_index

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from agent.llm import packs
    from agent.llm.runtime import LlamaRuntime

    path: Path = packs.resolve("tiny", tmp_path_factory.mktemp("models"))
    model = LlamaRuntime(path, name="tiny", threads=2, n_ctx=2048)
    yield model
    model.close()


def test_second_turn_reuses_the_static_prefix(runtime: object) -> None:
    model = runtime  # LlamaRuntime
    manager = build_tracker_prompts(DINING, toy_index(), model.count_tokens)  # type: ignore[attr-defined]
    first = manager.tracker_messages(DialogueState(), "", "Italian food in San Jose")
    params = GenerationParams(max_tokens=8)
    model.complete(first, params)  # type: ignore[attr-defined]
    state = DialogueState(slots={"Restaurants_1-city": "San Jose"})
    second = manager.tracker_messages(state, "What time?", "At 7 pm please")
    prepared = model.prepare(second)  # type: ignore[attr-defined]
    meta = model.complete(second, params).meta  # type: ignore[attr-defined]
    assert len(prepared.tail) < 60
    assert meta.cached_tokens >= len(prepared.prefix)
