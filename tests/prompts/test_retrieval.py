from __future__ import annotations

import pytest

from agent.domain import DialogueState, DomainSchema
from prompts.bm25 import BM25Index, tokenize
from prompts.retrieval import ExemplarIndex, fit_to_services, key_tokens
from prompts.schema_match import ServiceRewriter, similar_services, slot_mapping
from prompts.selectors import (
    BM25Selector,
    DialogueSelector,
    FixedSelector,
    HybridSelector,
)
from tests.prompts.toy_domain import BANK, DINING, SEEN, TAXI, UNSEEN, toy_index, turn


def test_tokenize_drops_stopwords_and_splits_names() -> None:
    assert tokenize("I want the price_range, please!") == ["price", "range"]


@pytest.fixture
def index() -> ExemplarIndex:
    return toy_index()


@pytest.fixture
def schema() -> DomainSchema:
    return DINING


def test_bm25_ranks_the_matching_document_first() -> None:
    index = BM25Index([["sushi", "fremont"], ["taxi", "airport"], ["italian", "food"]])
    assert index.top(["taxi", "cab"], 2) == [(1, pytest.approx(index.scores(["taxi"])[1]))]
    assert index.top(["nothing"], 3) == []


def test_bm25_scores_rare_terms_higher() -> None:
    index = BM25Index([["food", "sushi"], ["food", "pizza"], ["food", "tacos"]])
    assert index.scores(["sushi"])[0] > index.scores(["food"])[0]


def test_search_returns_nearest_turns_of_a_service(index: ExemplarIndex) -> None:
    hits = index.search("Restaurants_1", tokenize("sushi in Fremont"), 2)
    assert hits[0][0].dialogue_id == "d2"


def test_a_turn_is_indexed_under_each_of_its_services(index: ExemplarIndex) -> None:
    assert [t.dialogue_id for t in index.turns("Taxi_1")] == ["d3", "d4"]
    assert len(index) == len(BANK)


def test_key_uses_short_slot_names_and_values() -> None:
    state = DialogueState(slots={"Restaurants_1-city": "San Jose"})
    assert key_tokens(state, "Which cuisine?", "Thai") == [
        "city",
        "san",
        "jose",
        "which",
        "cuisine",
        "thai",
    ]


def test_turns_changing_other_services_are_not_exemplars() -> None:
    taxi_turn = BANK[4]
    assert fit_to_services(taxi_turn, frozenset({"Restaurants_1"})) is None
    fitted = fit_to_services(taxi_turn, frozenset({"Taxi_1"}))
    assert fitted is not None and fitted.prev_state.slots == {}


def test_unseen_service_borrows_from_its_family() -> None:
    assert similar_services(UNSEEN, [TAXI, SEEN]) == [SEEN]
    assert slot_mapping(SEEN, UNSEEN) == {
        "Restaurants_1-city": "Restaurants_9-location",
        "Restaurants_1-cuisine": "Restaurants_9-category",
        "Restaurants_1-price_range": "Restaurants_9-price_range",
        "Restaurants_1-time": "Restaurants_9-time",
    }


def test_rewritten_exemplar_speaks_the_target_schema() -> None:
    rewritten = ServiceRewriter(SEEN, UNSEEN).rewrite(BANK[0])
    assert rewritten is not None
    assert rewritten.user == BANK[0].user
    assert rewritten.delta.set == {
        "Restaurants_9-category": "Italian",
        "Restaurants_9-location": "San Jose",
    }
    assert rewritten.delta.intents == {"Restaurants_9": "FindRestaurants"}


def test_unseen_service_gets_rewritten_candidates(index: ExemplarIndex) -> None:
    found = index.candidates(UNSEEN, tokenize("sushi Fremont"), 2, frozenset({"Restaurants_9"}))
    assert found[0][0].delta.set == {
        "Restaurants_9-category": "sushi",
        "Restaurants_9-location": "Fremont",
    }


def test_fixed_selector_covers_slots_and_never_changes(index: ExemplarIndex) -> None:
    selector = FixedSelector(index, DomainSchema("d", (SEEN,)), k=2)
    first = selector.select(DialogueState(), "", "hello")
    again = selector.select(DialogueState(), "Anything else?", "Book a taxi")
    assert first == again and not first.dynamic
    covered = {slot for t in first.static for slot in t.delta.set}
    assert len(covered) == 4


def test_bm25_selector_puts_the_nearest_exemplar_last(
    index: ExemplarIndex, schema: DomainSchema
) -> None:
    chosen = BM25Selector(index, schema, k=3).select(
        DialogueState(), "", "a sushi place in Fremont"
    )
    assert not chosen.static
    assert chosen.dynamic[-1].dialogue_id == "d2"
    assert len({t.dialogue_id for t in chosen.dynamic}) == len(chosen.dynamic)


def test_dialogue_selector_pins_exemplars_until_a_new_service_appears(
    index: ExemplarIndex, schema: DomainSchema
) -> None:
    selector = DialogueSelector(index, schema, k=2)
    first = selector.select(DialogueState(), "", "Italian food in San Jose")
    assert {t.services[0] for t in first.static} == {"Restaurants_1"}
    state = DialogueState(slots={"Restaurants_1-city": "San Jose"})
    assert selector.select(state, "Which time?", "7 pm") == first
    with_taxi = selector.select(state, "Done.", "Now a cab to the airport")
    assert with_taxi.static[: len(first.static)] == first.static
    assert any(t.services == ("Taxi_1",) for t in with_taxi.static[len(first.static) :])
    selector.reset()
    assert selector.select(DialogueState(), "", "a cab to the airport") != with_taxi


def test_hybrid_adds_one_dynamic_exemplar(index: ExemplarIndex, schema: DomainSchema) -> None:
    chosen = HybridSelector(index, schema, k=2).select(DialogueState(), "", "sushi in Fremont")
    assert len(chosen.dynamic) <= 1 and chosen.static


def test_langchain_interface(index: ExemplarIndex, schema: DomainSchema) -> None:
    selector = BM25Selector(index, schema, k=1)
    examples = selector.select_examples({"state": DialogueState(), "system": "", "user": "cab"})
    assert set(examples[0]) == {"state", "system", "user", "delta"}
    selector.add_example(
        {"turn": turn("d9", 0, "A cab to the zoo", {"Taxi_1-destination": "the zoo"})}
    )
    assert selector.select(DialogueState(), "", "cab to the zoo").dynamic[-1].dialogue_id == "d9"
    with pytest.raises(TypeError):
        selector.add_example({"user": "text"})


def test_detect_weighs_words_across_the_whole_bank(index: ExemplarIndex) -> None:
    assert index.detect(tokenize("also a cab to the airport"), [SEEN, TAXI]) == TAXI
    assert index.detect(tokenize("sushi in Fremont"), [SEEN, TAXI]) == SEEN
    assert index.detect(tokenize("sushi in Fremont"), [UNSEEN, TAXI]) == UNSEEN
    assert index.detect(tokenize("zebra"), [SEEN, TAXI]) is None
