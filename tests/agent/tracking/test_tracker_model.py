"""The tracker with real weights (the ``tiny`` pack) on a cambridge turn: whatever the model
writes, the result is a valid state of the schema."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent.domain import DONTCARE, DialogueState
from agent.language.normalize import allowed_values
from agent.tracking.tracker import StateTracker

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def tracker() -> StateTracker:
    from agent.llm.model_factory import open_model
    from prompts.manager_factory import build_tracker_prompts
    from prompts.packs.loader import load_pack

    cache = Path(os.environ.get("SLOTCHAT_CACHE_DIR", Path.home() / ".cache" / "slotchat"))
    model = open_model("tiny", cache_dir=cache, threads=2, n_ctx=2048)
    pack = load_pack("cambridge")
    prompts = build_tracker_prompts(pack.schema, pack.exemplars, model.count_tokens, k=2)
    return StateTracker(model, prompts, pack.schema)


def test_a_cambridge_turn_yields_a_valid_state(tracker: StateTracker) -> None:
    user = "I'm looking for a cheap Italian restaurant in the centre."
    result = tracker.track_turn(DialogueState(), "", user)
    state = result.state
    schema = tracker.schema
    assert set(state.slots) <= set(schema.slot_names)
    for slot, value in state.slots.items():
        spec = schema.slot(slot)
        assert spec is not None and value == value.strip().lower()
        if spec.categorical and spec.values:
            assert value in {*allowed_values(spec), DONTCARE}
    assert state.requested <= set(schema.slot_names)
    assert result.output.startswith("{")
    _, after = tracker.track(state, "What day would you like?", "Not Italian actually.")
    assert (
        after.slots.get("restaurant-food") != "italian"
        or state.slots.get("restaurant-food") == "italian"
    )
