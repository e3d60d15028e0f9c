"""The lexical checks on predicted deltas: negation, dontcare cues, one span per slot, support."""

from __future__ import annotations

import pytest

from agent.domain import DialogueState, DomainSchema, IntentSpec, ServiceSpec, SlotSpec
from agent.llm.fake import ScriptedChatModel
from agent.tracking.delta_checks import (
    negated,
    one_slot_per_span,
    only_acknowledges,
    says_dontcare,
    supported,
)
from agent.tracking.state_grammar import delta_grammar, trackable_slots
from agent.tracking.tracker import StateTracker, TrackerOptions
from prompts.packs import load_pack
from tests.agent.tracking.gbnf_match import accepts
from tests.fakes.mini import OPEN_SCHEMA as SCHEMA
from tests.fakes.turns import EchoPrompts


@pytest.mark.parametrize(
    ("value", "text", "expected"),
    [
        ("italian", "Not Italian, please.", True),
        ("italian", "I don't want Italian food", True),
        ("italian", "no italian", True),
        ("chinese", "Not Italian but Chinese", False),
        ("italian", "No, I want Italian.", False),
        ("italian", "Italian please, not Chinese", False),
        ("italian", "I said not italian. Actually, italian is fine", False),
        ("cheap", "something cheap", False),
        ("thai", "Korean food", False),
    ],
)
def test_negation(value: str, text: str, expected: bool) -> None:
    assert negated(value, text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Any area is fine.", True),
        ("I don't care about the price", True),
        ("It doesn’t matter", True),
        ("no preference", True),
        ("I'm flexible", True),
        ("A cheap place in the north", False),
        ("Can you check my balance?", False),
    ],
)
def test_dontcare_cues(text: str, expected: bool) -> None:
    assert says_dontcare(text) is expected


def test_dontcare_without_a_cue_is_dropped_and_not_in_the_grammar() -> None:
    model = ScriptedChatModel(['{"restaurant-area": "dontcare", "restaurant-food": "thai"}'])
    tracker = StateTracker(model, EchoPrompts(), SCHEMA)
    _, state = tracker.track(DialogueState(), "", "Thai food please.")
    assert state.slots == {"restaurant-food": "thai"}
    grammar = model.last_call.constraint.gbnf or ""
    assert not accepts(grammar, '{"restaurant-area": "dontcare"}')
    assert accepts(grammar, '{"restaurant-food": "Thai"}')


WEATHER = ServiceSpec(
    name="Weather_1",
    description="weather",
    slots=(
        SlotSpec("Weather_1-city", "city"),
        SlotSpec("Weather_1-temperature", "temperature"),
    ),
    intents=(IntentSpec("GetWeather", "get weather", required=("Weather_1-city",)),),
)


def test_result_only_slots_are_not_trackable() -> None:
    schema = DomainSchema(name="w", services=(WEATHER,))
    assert set(trackable_slots(schema)) == {"Weather_1-city"}
    assert set(trackable_slots(SCHEMA)) == set(SCHEMA.slot_names)  # intents name no slots
    grammar = delta_grammar(schema, DialogueState(), ["Paris", "82 degrees"])
    assert accepts(grammar, '{"Weather_1-city": "Paris"}')
    assert not accepts(grammar, '{"Weather_1-temperature": "82 degrees"}')
    assert accepts(grammar, '{"requested": ["Weather_1-temperature"]}')


def test_one_span_per_slot_prefers_a_time_slot_for_a_time() -> None:
    kept = one_slot_per_span(
        {"restaurant-food": "7pm", "restaurant-booktime": "7pm", "restaurant-area": "north"},
        SCHEMA,
    )
    assert kept == {"restaurant-booktime": "7pm", "restaurant-area": "north"}


def test_support_needs_the_value_or_a_slot_word_in_the_text() -> None:
    assert supported("cheap", "restaurant-pricerange", "something cheap")
    assert not supported("expensive", "restaurant-pricerange", "something cheap")
    assert supported("True", "Restaurants_2-has_vegetarian_options", "any vegetarian options?")


@pytest.mark.parametrize(
    ("slot", "value", "expected"),
    [
        ("RentalCars_1-pickup_date", "4:30 pm", False),
        ("RentalCars_1-pickup_time", "4:30 pm", True),
        ("Buses_1-from_location", "March 4th", False),
        ("Buses_1-leaving_date", "March 4th", True),
        ("restaurant-bookday", "friday", True),
        ("Buses_1-from_location", "Long Beach, CA", True),
        ("Events_1-event_name", "Mets vs Braves", True),
    ],
)
def test_times_and_dates_only_in_slots_of_their_type(slot: str, value: str, expected: bool) -> None:
    from agent.tracking.delta_checks import well_typed

    assert well_typed(slot, value, KINDS) is expected


@pytest.mark.parametrize(
    ("slot", "value", "expected"),
    [
        ("taxi-leaveat", "lane", False),
        ("taxi-leaveat", "11:15", True),
        ("taxi-leaveat", "dontcare", True),
        ("restaurant-booktime", "today", False),
        ("train-trainid", "23:30", False),
    ],
)
def test_a_time_slot_takes_only_a_time(slot: str, value: str, expected: bool) -> None:
    from agent.tracking.delta_checks import well_typed

    assert well_typed(slot, value, KINDS) is expected


def test_the_kind_decides_not_the_name() -> None:
    from agent.tracking.delta_checks import well_typed

    assert not well_typed("RentalCars_1-pickup_time", "4:30 pm")  # no schema: text slots
    assert not well_typed("Buses_1-leaving_date", "March 4th")
    odd = DomainSchema("odd", (_service("x", ("x-when", "time"), ("x-about", "date")),))
    assert well_typed("x-when", "4:30 pm", odd) and not well_typed("x-when", "lane", odd)
    assert well_typed("x-about", "March 4th", odd)


def _service(name: str, *slots: tuple[str, str]) -> ServiceSpec:
    return ServiceSpec(name, name, tuple(_kinded(slot, kind) for slot, kind in slots))


def _kinded(slot: str, kind: str) -> SlotSpec:
    if slot.endswith("trainid"):
        return SlotSpec(slot, slot, examples=("TR7075",), kind="name")
    return SlotSpec(slot, slot, kind=kind)  # type: ignore[arg-type]


KINDS = DomainSchema(
    "kinds",
    (
        _service(
            "RentalCars_1",
            ("RentalCars_1-pickup_date", "date"),
            ("RentalCars_1-pickup_time", "time"),
        ),
        _service("Buses_1", ("Buses_1-from_location", "text"), ("Buses_1-leaving_date", "date")),
        _service("restaurant", ("restaurant-bookday", "date"), ("restaurant-booktime", "time")),
        _service("Events_1", ("Events_1-event_name", "name")),
        _service("taxi", ("taxi-leaveat", "time")),
        _service("train", ("train-trainid", "name")),
    ),
)


def test_support_accepts_number_words_spacing_and_yes_no_by_slot_name() -> None:
    assert supported("2", "restaurant-bookpeople", "a table for two")
    assert not supported("1", "restaurant-bookpeople", "How are you today?")
    assert supported("guesthouse", "hotel-type", "a guest house in the center")
    cambridge = load_pack("cambridge").schema  # "center" is the pack's alias of centre
    assert supported("centre", "hotel-area", "a guest house in the center", cambridge)
    assert not supported("centre", "hotel-area", "a guest house in the center")
    assert supported("yes", "hotel-parking", "with free parking")
    assert not supported("monday", "train-day", "Hello!")


def test_a_free_text_value_that_one_categorical_slot_allows_moves_there() -> None:
    from agent.tracking.delta_checks import to_categorical_slot

    assert to_categorical_slot({"restaurant-food": "North"}, SCHEMA) == {"restaurant-area": "north"}
    both = {"restaurant-food": "north", "restaurant-area": "south"}
    assert to_categorical_slot(both, SCHEMA) == both
    assert to_categorical_slot({"restaurant-food": "thai"}, SCHEMA) == {"restaurant-food": "thai"}


def test_an_id_slot_needs_a_digit() -> None:
    from agent.tracking.delta_checks import well_typed

    assert well_typed("train-trainid", "TR1234", KINDS)
    assert not well_typed("train-trainid", "taxi", KINDS)


@pytest.mark.parametrize(
    ("text", "only"),
    [
        ("Alright.", True),
        ("Okay. That will be all for now. Goodbye!", True),
        ("Yes, that will work.", True),
        ("Thanks, and a taxi please.", False),
        ("I want Italian food.", False),
    ],
)
def test_turns_that_only_acknowledge(text: str, only: bool) -> None:
    assert only_acknowledges(text) is only


def test_an_acknowledgement_of_a_statement_copies_none_of_its_words() -> None:
    model = ScriptedChatModel(["{}"] * 3)
    system = "The train leaves from Kings Cross."
    for quiet, asks, copyable in ((True, "", False), (False, "", True), (True, " Ok?", True)):
        options = TrackerOptions(candidates=False, quiet_acknowledgements=quiet)
        tracker = StateTracker(model, EchoPrompts(), SCHEMA, options)
        tracker.track(DialogueState(), system + asks, "Alright, thanks.")
        gbnf = model.last_call.constraint.gbnf if model.last_call.constraint else ""
        assert accepts(gbnf or "", '{"restaurant-departure": "Kings Cross"}') is copyable
