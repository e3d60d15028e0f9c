from __future__ import annotations

from pathlib import Path

import pytest

from agent.delta_text import parse_delta, render_delta
from agent.domain import (
    Act,
    ActType,
    Booking,
    DialogueState,
    DomainSchema,
    Entity,
    ServiceSpec,
    SlotSpec,
)
from agent.errors import DomainError, UsageError
from prompts.manager import PromptManager
from prompts.manager_factory import build_tracker_prompts
from prompts.template_files import load_responder_templates, load_tracker_templates
from tests.prompts.toy_domain import BANK, BANK_SCHEMA, DINING, count_words, toy_index


def _manager(strategy: str = "dialogue", budget: int = 1536) -> PromptManager:
    return build_tracker_prompts(
        DINING, toy_index(), count_words, strategy=strategy, k=2, budget=budget
    )


def test_static_messages_lead_and_the_turn_comes_last() -> None:
    messages = _manager().tracker_messages(DialogueState(), "", "Italian food in San Jose")
    flags = [m.cache for m in messages]
    assert flags == sorted(flags, reverse=True)  # one leading run of cache=True
    assert messages[0].role == "system" and "Restaurants_1-cuisine" in messages[0].content
    assert messages[-1].role == "user" and messages[-1].content.endswith("Italian food in San Jose")
    assert not messages[-1].cache


def test_exemplar_outputs_are_render_delta_lines() -> None:
    manager = _manager()
    messages = manager.tracker_messages(DialogueState(), "", "Italian food in San Jose")
    answers = [m.content for m in messages if m.role == "assistant"]
    assert answers == [render_delta(t.delta) for t in manager.last_selection.static]
    assert all(parse_delta(a).set for a in answers)


def test_per_dialogue_exemplars_keep_the_prefix_byte_identical() -> None:
    manager = _manager()
    first = manager.tracker_messages(DialogueState(), "", "Italian food in San Jose")
    state = DialogueState(slots={"Restaurants_1-city": "San Jose"})
    second = manager.tracker_messages(state, "What time?", "At 7 pm")
    assert [m for m in first if m.cache] == [m for m in second if m.cache]


def test_bm25_exemplars_sit_in_the_uncached_tail() -> None:
    messages = _manager("bm25").tracker_messages(DialogueState(), "", "sushi in Fremont")
    assert [m.cache for m in messages] == [True] + [False] * (len(messages) - 1)
    assert len(messages) > 2


def test_over_budget_drops_exemplars_but_never_the_turn() -> None:
    roomy = _manager(budget=1536)
    tight = _manager(budget=roomy._system_cost + 200)  # room for the tail, not for exemplars
    user = "Italian food in San Jose"
    assert len(roomy.tracker_messages(DialogueState(), "", user)) > 2
    messages = tight.tracker_messages(DialogueState(), "", user)
    assert [m.role for m in messages] == ["system", "user"]
    assert messages[-1].content.endswith(user)


def test_least_useful_exemplars_go_first() -> None:
    manager = _manager("bm25")
    manager.tracker_messages(DialogueState(), "", "sushi in Fremont")
    full = manager.last_selection.dynamic
    one = manager._render(full[-1])[2]
    manager.budget = manager._system_cost + 40 + one  # the turn plus one exemplar
    manager.tracker_messages(DialogueState(), "", "sushi in Fremont")
    assert manager.last_selection.dynamic == full[-1:]


def test_schema_too_large_for_the_budget_is_a_domain_error() -> None:
    slots = tuple(SlotSpec(f"Big_1-slot{i}", "a long description " * 10) for i in range(40))
    big = DomainSchema("big", (ServiceSpec("Big_1", "huge", slots),))
    with pytest.raises(DomainError, match="too many for the tracker's prompt budget"):
        build_tracker_prompts(big, BANK, count_words, budget=1000)


def test_the_turn_is_used_as_given_never_dropped() -> None:
    """The engine clips the user's text (tests/agent/engine/test_clipping.py); the manager
    trusts it: a long turn costs exemplars, never its own words."""
    turn = "word " * 240 + "the end"
    messages = _manager(budget=600).tracker_messages(DialogueState(), "", turn)
    assert turn in messages[-1].content


def test_unknown_strategy_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="choose one of fixed, bm25, dialogue, hybrid"):
        build_tracker_prompts(DINING, BANK, count_words, strategy="magic")


def test_a_bank_sequence_builds_its_own_index() -> None:
    manager = build_tracker_prompts(DINING, BANK, count_words, bank_schema=BANK_SCHEMA)
    assert manager.tracker_messages(DialogueState(), "", "a cab to the airport")[1].cache


def test_responder_prompt_is_grounded_in_the_act() -> None:
    act = Act(
        ActType.OFFER,
        "restaurant",
        entities=(Entity("restaurant", "Golden Wok", {"restaurant-area": "north"}),),
        total=1,
    )
    history = [("user", "Chinese food?"), ("assistant", "Where?"), ("user", "North.")]
    messages = _manager().responder_messages(act, DialogueState(), history, "North.")
    assert messages[0].role == "system" and "never invent" in messages[0].content
    assert all(m.cache for m in messages[:-1]) and not messages[-1].cache
    tail = messages[-1].content
    assert "Golden Wok (area=north)" in tail and "act: offer (restaurant)" in tail
    assert tail.count("North.") == 1  # the stored current turn is not repeated


def test_responder_offer_shows_what_sets_entities_apart_and_only_the_service_in_play() -> None:
    blurb = "a long introduction that nobody reads in a one-sentence offer, twice over"
    attributes = {
        "restaurant-area": "north",
        "restaurant-food": "chinese",
        "restaurant-introduction": blurb,
        "restaurant-pricerange": "cheap",
        "restaurant-address": "12 Mill Road",
        "restaurant-postcode": "cb11aa",
    }
    act = Act(
        ActType.OFFER,
        "restaurant",
        slots=("restaurant-area",),
        entities=(Entity("restaurant", "Golden Wok", attributes),),
        total=1,
    )
    state = DialogueState(
        slots={"restaurant-area": "north", "train-day": "friday"},
        intents={"train": "find_train", "restaurant": "find_restaurant"},
    )
    tail = _manager().responder_messages(act, state, [], "North.")[-1].content
    assert "Golden Wok (food=chinese, pricerange=cheap, address=12 Mill Road)" in tail
    assert "restaurant: intent=find_restaurant, area=north" in tail
    assert "train" not in tail


def test_responder_answers_show_what_was_asked_and_bookings_their_own_details() -> None:
    wok = Entity(
        "restaurant",
        "Golden Wok",
        {
            "restaurant-area": "north",
            "restaurant-phone": "01223350688",
            "restaurant-postcode": "cb43hl",
        },
    )
    state = DialogueState(
        slots={"restaurant-area": "north", "restaurant-bookpeople": "2"},
        intents={"restaurant": "book_restaurant"},
    )
    inform = Act(ActType.INFORM, "restaurant", slots=("restaurant-phone",), entities=(wok,))
    tail = _manager().responder_messages(inform, state, [], "Phone?")[-1].content
    assert "- Golden Wok (phone=01223350688)" in tail and "cb43hl" not in tail
    confirm = Act(ActType.CONFIRM, "restaurant", slots=("restaurant-bookpeople",), entities=(wok,))
    tail = _manager().responder_messages(confirm, state, [], "For 2.")[-1].content
    assert "- Golden Wok\n" in tail + "\n" and "01223350688" not in tail
    slots = {"restaurant-area": "north", "restaurant-bookpeople": "2", "restaurant-extra": "x"}
    booking = Booking("restaurant", "AB12CD34", slots, "Golden Wok")
    book = Act(ActType.BOOK, "restaurant", slots=("restaurant-bookpeople",), booking=booking)
    tail = _manager().responder_messages(book, state, [], "Yes.")[-1].content
    assert "bookpeople: 2" in tail and "extra: x" in tail and "area: north" not in tail


def test_state_only_keeps_the_services_asked_for() -> None:
    state = DialogueState(
        slots={"a-x": "1", "b-y": "2"},
        intents={"a": "find_a", "b": "find_b"},
        requested=frozenset({"a-z", "b-z"}),
    )
    assert state.only(["a"]) == DialogueState({"a-x": "1"}, {"a": "find_a"}, frozenset({"a-z"}))
    assert state.only([]) == DialogueState()


def test_responder_shows_the_booking_reference() -> None:
    booking = Booking("restaurant", "AB12CD34", {"restaurant-bookpeople": "2"}, "Golden Wok")
    messages = _manager().responder_messages(
        Act(ActType.BOOK, "restaurant", booking=booking), DialogueState(), [], "yes"
    )
    assert "booking reference: AB12CD34" in messages[-1].content


def test_built_in_templates_load() -> None:
    assert "{schema}" in load_tracker_templates().system
    assert len(load_responder_templates().examples) >= 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("system: [unclosed\n", "not valid YAML"),
        ("system: x\nexemplar_input: x\n", "field 'exemplar_output'"),
        (
            "system: '{schema}'\nexemplar_input: '{state} {system} {user}'\n"
            "exemplar_output: '{delta}'\nturn: '{state} {user}'\n",
            "field 'turn' uses placeholders",
        ),
        (
            "system: 'Write {} if nothing changed. {schema}'\n"
            "exemplar_input: '{state} {system} {user}'\nexemplar_output: '{delta}'\n"
            "turn: '{state} {system} {user}'\n",
            "field 'system'",
        ),
    ],
)
def test_broken_templates_are_rejected_with_file_and_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "tracker.yaml"
    path.write_text(text)
    with pytest.raises(DomainError, match=message) as caught:
        load_tracker_templates(path)
    assert str(path) in str(caught.value)


def test_for_evaluation_shares_one_index_and_estimates_tokens_without_a_tokenizer() -> None:
    index = toy_index()
    first = PromptManager.for_evaluation(DINING, index, strategy="fixed", k=2)
    second = PromptManager.for_evaluation(DINING, index, strategy="bm25", k=2)
    assert first.selector is not None and second.selector is not None
    assert first.selector.index is second.selector.index
    assert len(second.tracker_messages(DialogueState(), "", "sushi in Fremont")) > 2
    with pytest.raises(UsageError):
        PromptManager.for_evaluation(DINING, index, strategy="magic")


def test_warm_messages_are_the_prefix_of_the_first_turn() -> None:
    for strategy in ("fixed", "dialogue"):
        manager = _manager(strategy)
        warm = manager.warm_messages()
        first = manager.tracker_messages(DialogueState(), "", "Italian food in San Jose")
        assert first[: len(warm)] == warm and all(m.cache for m in warm)
    assert len(_manager("fixed").warm_messages()) > 1
