"""Retrieval and prompts on real SGD files (a few train files as the bank, dev dialogues)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.domain import AnnotatedDialogue, DialogueState, DomainSchema
from prompts.manager_factory import build_exemplar_index, build_tracker_prompts
from prompts.measure import measure_prompts
from prompts.retrieval import ExemplarIndex
from prompts.sgd import load_sgd_dialogues, load_sgd_schema, schema_for_services, sgd_dialogue_files
from tests.prompts.toy_domain import count_words

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "sgd"
pytestmark = pytest.mark.skipif(not (DATA / "train").is_dir(), reason="SGD data not present")


@pytest.fixture(scope="module")
def train_index() -> ExemplarIndex:
    files = sgd_dialogue_files(DATA, "train")[:6]
    bank = [t for d in load_sgd_dialogues(files) for t in d.turns]
    return build_exemplar_index(bank, load_sgd_schema(DATA / "train"))


@pytest.fixture(scope="module")
def dev() -> tuple[DomainSchema, list[AnnotatedDialogue]]:
    schema = load_sgd_schema(DATA / "dev")
    return schema, load_sgd_dialogues(sgd_dialogue_files(DATA, "dev")[:1], limit=12)


def test_unseen_dev_service_gets_train_exemplars_in_its_own_names(
    train_index: ExemplarIndex, dev: tuple[DomainSchema, list[AnnotatedDialogue]]
) -> None:
    schema = schema_for_services(dev[0], ["Restaurants_2"])
    assert "Restaurants_2" not in train_index.services
    manager = build_tracker_prompts(schema, train_index, count_words)
    manager.tracker_messages(DialogueState(), "", "Dinner in Oakland?")
    chosen = manager.last_selection.static
    assert chosen
    for turn in chosen:
        assert all(slot.startswith("Restaurants_2-") for slot in turn.delta.set)
        assert turn.dialogue_id.split("_")[0] != "dev"  # train dialogue ids, never dev


def test_every_strategy_renders_real_dialogues(
    train_index: ExemplarIndex, dev: tuple[DomainSchema, list[AnnotatedDialogue]]
) -> None:
    schema, dialogues = dev
    for strategy in ("fixed", "bm25", "dialogue", "hybrid"):
        result = measure_prompts(train_index, schema, dialogues, count_words, strategy=strategy)
        assert result.turns == sum(len(d.turns) for d in dialogues)
        assert result.exemplars_mean > 0
        assert result.tail_p50 <= result.prompt_p50


def test_cached_strategies_evaluate_far_fewer_tokens_per_turn(
    train_index: ExemplarIndex, dev: tuple[DomainSchema, list[AnnotatedDialogue]]
) -> None:
    schema, dialogues = dev
    per_turn = measure_prompts(train_index, schema, dialogues, count_words, strategy="bm25")
    pinned = measure_prompts(train_index, schema, dialogues, count_words, strategy="dialogue")
    assert pinned.uncached_p50 * 2 < per_turn.uncached_p50
