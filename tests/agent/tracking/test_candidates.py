"""The candidate grammar: what one turn of the cambridge pack lets the tracker write."""

from __future__ import annotations

import pytest

from agent.backend.records import DomainBackend
from agent.domain import DialogueState, DomainSchema, StateDelta
from agent.llm.fake import ScriptedChatModel
from agent.tracking.candidate_words import candidate_words
from agent.tracking.candidates import TurnCandidates, mentions, times_in, turn_candidates
from agent.tracking.completion import settled_by_words, swap_routes
from agent.tracking.delta_checks import says_dontcare
from agent.tracking.state_grammar import trackable_slots, turn_grammar, utterance_spans
from agent.tracking.tracker import StateTracker, TrackerOptions
from prompts.packs import load_pack
from tests.agent.tracking.gbnf_match import accepts
from tests.fakes.turns import EchoPrompts

PACK = load_pack("cambridge")
SCHEMA: DomainSchema = PACK.schema
VOCABULARY = DomainBackend(PACK).vocabulary()
RESTAURANT = DialogueState(
    slots={"restaurant-area": "centre"}, intents={"restaurant": "find_restaurant"}
)
AFTER_TRAIN = DialogueState(
    slots={"restaurant-area": "centre", "train-departure": "cambridge"},
    intents={"restaurant": "book_restaurant", "train": "find_train"},
)


def _found(state: DialogueState, user: str, system: str = "") -> TurnCandidates:
    spans = utterance_spans([user], 8, trim=True, lexicon=SCHEMA.lexicon)
    return turn_candidates(
        SCHEMA,
        trackable_slots(SCHEMA),
        state,
        user,
        spans=spans,
        context_text=system,
        dontcare=says_dontcare(user),
        vocabulary=VOCABULARY,
    )


def _grammar(state: DialogueState, user: str, system: str = "") -> str:
    grammar = turn_grammar(SCHEMA, _found(state, user, system))
    assert grammar is not None
    return grammar


@pytest.mark.parametrize("user", ["Hello!", "Do you like music?", "Thanks, that's all."])
def test_chat_without_a_task_needs_no_model_call(user: str) -> None:
    assert turn_grammar(SCHEMA, _found(DialogueState(), user)) is None


def test_a_first_request_may_start_the_named_service_only() -> None:
    grammar = _grammar(DialogueState(), "I'm looking for a cheap restaurant in the centre.")
    gold = (
        '{"intent": "find_restaurant", "restaurant-area": "centre", '
        '"restaurant-pricerange": "cheap"}'
    )
    assert accepts(grammar, gold)
    assert not accepts(grammar, '{"intent": "find_hotel", "hotel-area": "centre"}')
    assert not accepts(grammar, '{"intent": "find_restaurant", "restaurant-area": "north"}')
    assert not accepts(grammar, '{"intent": "find_restaurant", "restaurant-food": "restaurant"}')


def test_the_state_is_never_written_again() -> None:
    grammar = _grammar(RESTAURANT, "Something cheap in the centre, Italian food.")
    assert accepts(grammar, '{"restaurant-food": "italian", "restaurant-pricerange": "cheap"}')
    assert not accepts(grammar, '{"restaurant-area": "centre"}')  # already the state
    assert not accepts(grammar, '{"intent": "find_restaurant"}')  # already the intent


def test_booking_details_switch_to_the_booking_intent() -> None:
    grammar = _grammar(RESTAURANT, "Book a table for 2 people on Friday at 6pm.")
    gold = (
        '{"intent": "book_restaurant", "restaurant-bookday": "friday", '
        '"restaurant-bookpeople": "2", "restaurant-booktime": "18:00"}'
    )
    assert accepts(grammar, gold)
    assert not accepts(grammar, '{"restaurant-bookpeople": "6"}')  # "6pm" is a time


def test_a_question_offers_only_the_slots_it_names() -> None:
    grammar = _grammar(RESTAURANT, "What is the phone number?")
    assert accepts(grammar, '{"requested": ["restaurant-phone"]}')
    assert not accepts(grammar, '{"requested": ["restaurant-address"]}')
    assert not accepts(grammar, '{"intent": "book_restaurant"}')


def test_the_service_started_last_is_the_one_in_play() -> None:
    grammar = _grammar(AFTER_TRAIN, "I want to leave after 10:00.")
    assert accepts(grammar, '{"train-leaveat": "10:00"}')
    assert not accepts(grammar, '{"restaurant-booktime": "10:00"}')
    assert not accepts(grammar, '{"intent": "book_restaurant"}')


def test_names_on_file_and_new_cuisines() -> None:
    named = _found(DialogueState(), "Can you tell me the postcode of Loch Fyne?")
    assert named.values["restaurant-name"] == ("loch fyne",)
    assert "restaurant" in named.services
    assert "restaurant-postcode" in named.requestable
    polish = _found(RESTAURANT, "I'm looking for a Polish restaurant.")
    assert polish.values["restaurant-food"] == ("polish",)
    pizza = _found(RESTAURANT, "Pizza Hut City Centre sounds good.")
    assert "pizza hut city centre" in pizza.values["restaurant-name"]
    assert "restaurant-food" not in pizza.values  # the words of a name are no cuisine


def test_dontcare_goes_to_the_slot_named_or_asked_about() -> None:
    named = _found(RESTAURANT, "Any price range is fine.")
    assert named.values == {"restaurant-pricerange": ("dontcare",)}
    asked = _found(RESTAURANT, "I don't mind.", system="What price range would you like?")
    assert "dontcare" in asked.values["restaurant-pricerange"]
    assert "restaurant-food" not in asked.values


def test_dropping_needs_a_word_that_drops() -> None:
    assert not _found(RESTAURANT, "Italian food.").deletable
    assert "restaurant-area" in _found(RESTAURANT, "Forget the area.").deletable


@pytest.mark.parametrize(
    ("value", "text", "expected"),
    [
        ("centre", "somewhere central", True),
        ("centre", "in the center", True),
        ("guesthouse", "a guest house", True),
        ("museum", "any museums?", True),
        ("2", "for two people", True),
        ("2", "at 12:30", False),
        ("6", "at 6pm", False),
        ("cheap", "not too expensive", False),
    ],
)
def test_mentions(value: str, text: str, expected: bool) -> None:
    """Through the cambridge pack's aliases ("central" for centre) and lexicon ("6pm")."""
    slot = next(s for service in SCHEMA.services for s in service.slots if value in s.values)
    words = candidate_words(SCHEMA.lexicon)
    assert mentions(value, text, slot.aliases_of(value), words) is expected


def test_a_value_is_mentioned_by_its_aliases_only_when_the_pack_gives_them() -> None:
    assert not mentions("centre", "somewhere central")
    assert mentions("centre", "somewhere central", ("central",))


def test_the_tracker_skips_the_model_when_nothing_can_change() -> None:
    model = ScriptedChatModel(['{"intent": "find_restaurant"}'])
    options = TrackerOptions(open_start=False)
    tracker = StateTracker(model, EchoPrompts(), SCHEMA, options, VOCABULARY)
    delta, state = tracker.track(DialogueState(), "", "Hello!")
    assert delta.empty and not state.intents
    assert not model.calls
    delta, state = tracker.track(DialogueState(), "", "A restaurant in the north, please.")
    assert state.intents == {"restaurant": "find_restaurant"}
    assert model.last_call.constraint is not None
    assert accepts(model.last_call.constraint.gbnf or "", '{"intent": "find_restaurant"}')


def test_what_the_model_left_out_is_added_when_only_one_slot_can_take_it() -> None:
    from agent.domain import StateDelta
    from agent.tracking.completion import complete_unique

    user = "Can you find me a cheap guesthouse in the south?"
    found = _found(DialogueState(), user)
    written = StateDelta(set={"hotel-area": "south"}, intents={"hotel": "find_hotel"})
    completed = complete_unique(written, found, SCHEMA, user)
    assert completed.set == {
        "hotel-area": "south",
        "hotel-pricerange": "cheap",
        "hotel-type": "guesthouse",
    }
    user = "A hotel room, 2 of us."  # 2 fits people, nights and stars: left alone
    found = _found(DialogueState(), user)
    assert ("hotel-bookpeople", "2") in found.certain
    written = StateDelta(intents={"hotel": "book_hotel"})
    assert complete_unique(written, found, SCHEMA, user).set == {"hotel-type": "hotel"}


def test_names_inside_a_name_do_not_cue_a_service_and_places_can_be_names_on_file() -> None:
    user = "Book a table at the Lucky Star for 2 people on Thursday at 19:00."
    found = _found(RESTAURANT, user)
    assert found.services == ("restaurant",)  # "star" is a hotel word, but part of a name
    assert ("restaurant-name", "the lucky star") in found.certain
    taxi = _found(DialogueState(), "A taxi from Trinity College to the Lucky Star, please.")
    assert "the lucky star" in taxi.values["taxi-destination"]
    assert "the taxi" not in _found(taxi_state(), "Yes, book the taxi.").values.get(
        "taxi-departure", ()
    )


def taxi_state() -> DialogueState:
    return DialogueState(intents={"taxi": "book_taxi"})


@pytest.mark.parametrize(
    ("user", "written", "expected"),
    [
        (  # the model wrote nothing about the stars: "2 star" leaves no doubt
            "I'd like a 2 star hotel in the east.",
            {"hotel-area": "east"},
            {"hotel-area": "east", "hotel-stars": "2"},
        ),
        (  # the model swapped the numbers: the words after them say which is which
            "Book the Acorn Guest House for 3 people for 2 nights from Wednesday.",
            {"hotel-bookpeople": "3", "hotel-bookstay": "3"},
            {"hotel-bookpeople": "3", "hotel-bookstay": "2"},
        ),
    ],
)
def test_numbers_belong_to_the_slot_named_after_them(
    user: str, written: dict[str, str], expected: dict[str, str]
) -> None:
    from agent.domain import StateDelta
    from agent.tracking.completion import complete_unique

    found = _found(DialogueState(intents={"hotel": "find_hotel"}), user)
    delta = StateDelta(set=written)
    completed = complete_unique(delta, found, SCHEMA, user).set
    assert {k: v for k, v in completed.items() if k in expected} == expected


def test_from_and_to_decide_origin_and_destination() -> None:
    from agent.domain import StateDelta
    from agent.tracking.completion import complete_unique

    user = "I need a train from Cambridge to Ely on Sunday."
    found = _found(DialogueState(intents={"train": "find_train"}), user)
    swapped = StateDelta(set={"train-departure": "ely", "train-destination": "cambridge"})
    fixed = complete_unique(swapped, found, SCHEMA, user).set
    assert fixed["train-departure"] == "cambridge" and fixed["train-destination"] == "ely"


@pytest.mark.parametrize(
    ("state", "user", "expected"),
    [
        (
            DialogueState(intents={"train": "find_train"}),
            "I need a train from Peterborough to Cambridge on Saturday, arriving by 18:00.",
            {"train-departure": "peterborough", "train-destination": "cambridge"},
        ),
        (
            DialogueState(intents={"taxi": "book_taxi"}),
            "Now I need a taxi from Cityroomz to Cambridge Station at 07:30.",
            {"taxi-departure": "cityroomz", "taxi-destination": "cambridge station"},
        ),
        (
            DialogueState(intents={"taxi": "book_taxi"}),
            "I also need a taxi from Trinity College to the Lucky Star, arriving by 19:00.",
            {"taxi-departure": "trinity college", "taxi-destination": "the lucky star"},
        ),
    ],
)
def test_routes_follow_from_and_to(
    state: DialogueState, user: str, expected: dict[str, str]
) -> None:
    from agent.domain import StateDelta
    from agent.tracking.completion import complete_unique

    service = next(iter(state.intents))
    wrong = {f"{service}-departure": "x", f"{service}-destination": "x"}
    fixed = complete_unique(StateDelta(set=wrong), _found(state, user), SCHEMA, user).set
    assert {k: fixed.get(k, "").lower() for k in expected} == expected


def test_a_first_turn_searches_unless_it_asks_to_book() -> None:
    search = _found(DialogueState(), "I want a cheap Chinese restaurant in the south.")
    assert search.intents == ("find_restaurant",)
    book = _found(DialogueState(), "Book a table at Curry Garden for 2 on Friday at 18:00.")
    assert "book_restaurant" in book.intents
    assert "book_taxi" in _found(DialogueState(), "I need a taxi to the station.").intents
    place = _found(DialogueState(), "Is there a concert hall in Cambridge?")
    assert place.services == ("attraction",)


@pytest.mark.parametrize(
    ("user", "time", "expected"),
    [
        ("A taxi from Trinity College to the Lucky Star, arriving by 19:00.", "19:00", "arriveby"),
        ("I want to get there by 6pm.", "18:00", "arriveby"),
        ("I want to leave after 10:00.", "10:00", "leaveat"),
    ],
)
def test_times_go_to_arriving_or_leaving_as_the_user_says(
    user: str, time: str, expected: str
) -> None:
    from agent.domain import StateDelta
    from agent.tracking.completion import complete_unique

    found = _found(DialogueState(intents={"taxi": "book_taxi"}), user)
    wrong = "leaveat" if expected == "arriveby" else "arriveby"
    written = StateDelta(set={f"taxi-{wrong}": time})
    fixed = complete_unique(written, found, SCHEMA, user).set
    assert {k: v for k, v in fixed.items() if k.endswith(("leaveat", "arriveby"))} == {
        f"taxi-{expected}": time
    }


def test_completion_starts_the_search_the_model_left_out() -> None:
    from agent.domain import StateDelta
    from agent.tracking.completion import complete_unique

    state = DialogueState(slots={"hotel-pricerange": "cheap"}, intents={"hotel": "find_hotel"})
    user = "I also need a train from Cambridge to London Kings Cross on Friday after 9am."
    found = _found(state, user)
    completed = complete_unique(StateDelta(), found, SCHEMA, user)
    assert completed.intents == {"train": "find_train"}
    assert completed.set == {
        "train-day": "friday",
        "train-departure": "cambridge",
        "train-destination": "london kings cross",
        "train-leaveat": "09:00",
    }


def test_negated_values_and_bare_words_are_no_candidates() -> None:
    found = _found(DialogueState(), "Find me a cheap hotel, not a guesthouse.")
    assert found.values["hotel-type"] == ("hotel",)
    taxi = _found(DialogueState(intents={"taxi": "book_taxi"}), "Yes, book the taxi.")
    assert "taxi-departure" not in taxi.values
    stars = _found(DialogueState(), "I'd like a 2 star hotel in the east.")
    assert stars.intents == ("find_hotel",)  # "2" is the stars, not a booking for 2


def test_places_of_a_trip_do_not_start_their_own_service() -> None:
    taxi = DialogueState(slots={"taxi-leaveat": "17:45"}, intents={"taxi": "book_taxi"})
    found = _found(taxi, "From Pizza Express to Churchill College.")
    assert found.services == ("taxi",)
    assert "churchill college" in found.values["taxi-destination"]
    named = _found(DialogueState(), "Where is Churchill College?")
    assert "attraction" in named.services


def test_a_question_naming_a_slot_requests_it_even_if_the_model_does_not() -> None:
    from agent.domain import StateDelta
    from agent.tracking.completion import complete_unique

    user = "Can you tell me the postcode of Loch Fyne?"
    found = _found(DialogueState(), user)
    completed = complete_unique(StateDelta(), found, SCHEMA, user)
    assert completed.requested == {"restaurant-postcode"}
    assert completed.set == {"restaurant-name": "loch fyne"}


def test_completion_starts_a_booking_when_booking_details_were_said() -> None:
    from agent.domain import StateDelta
    from agent.tracking.completion import complete_unique

    user = "Book a table at Zizzi Cambridge for 2 people on Friday at 18:00."
    completed = complete_unique(StateDelta(), _found(DialogueState(), user), SCHEMA, user)
    assert completed.intents == {"restaurant": "book_restaurant"}
    assert completed.set == {
        "restaurant-bookday": "friday",
        "restaurant-bookpeople": "2",
        "restaurant-booktime": "18:00",
        "restaurant-name": "zizzi cambridge",
    }


def test_a_place_said_after_from_is_never_the_destination() -> None:
    from agent.domain import StateDelta
    from agent.tracking.completion import complete_unique

    state = DialogueState(slots={"train-destination": "ely"}, intents={"train": "find_train"})
    user = "From Cambridge on Sunday, leaving after 10am."
    written = StateDelta(set={"train-destination": "cambridge"})
    fixed = complete_unique(written, _found(state, user), SCHEMA, user).set
    assert fixed.get("train-departure") == "cambridge"
    assert "train-destination" not in fixed


def test_a_clock_time_is_no_number_of_tickets() -> None:
    state = DialogueState(intents={"train": "find_train"})
    found = _found(state, "I want to leave after 10:00.")
    assert "train-bookpeople" not in found.values


def test_a_name_said_in_full_hides_the_names_inside_it() -> None:
    found = _found(RESTAURANT, "Pizza Hut City Centre sounds good. Book it for 2 people.")
    assert "hotel" not in found.services
    assert "hotel-name" not in found.values


def test_settled_slots_and_named_requests_are_left_to_completion() -> None:
    found = _found(RESTAURANT, "What is the phone number?")
    assert turn_grammar(SCHEMA, found) is not None
    # "phone" names the slot outright: completion writes it, and "number" alone must not let
    # the model pick the reference number instead
    assert turn_grammar(SCHEMA, found, omit_settled=True) is None
    vague = _found(RESTAURANT, "How much does it cost?")
    assert not vague.asked
    assert turn_grammar(SCHEMA, vague, omit_settled=True) == turn_grammar(SCHEMA, vague)


def test_a_question_the_grammar_leaves_out_is_requested_without_a_model_call() -> None:
    model = ScriptedChatModel(['{"requested": ["restaurant-ref"]}'])
    options = TrackerOptions(omit_settled=True, system_values=False)  # as in the chat
    tracker = StateTracker(model, EchoPrompts(), SCHEMA, options, VOCABULARY)
    _, state = tracker.track(RESTAURANT, "Zizzi Cambridge is in the centre.", "Phone number?")
    assert state.requested == {"restaurant-phone"}
    assert not model.calls


def test_the_model_sees_only_the_state_of_the_services_in_play() -> None:
    model = ScriptedChatModel(['{"train-leaveat": "10:00"}'] * 2)
    for focus, shown in ((True, False), (False, True)):
        options = TrackerOptions(focus_state=focus)
        tracker = StateTracker(model, EchoPrompts(), SCHEMA, options, VOCABULARY)
        _, state = tracker.track(AFTER_TRAIN, "", "I want to leave after 10:00.")
        assert state.slots["train-leaveat"] == "10:00"
        prompt = model.last_call.messages[-1].content
        assert "train-departure" in prompt
        assert ("restaurant-area" in prompt) is shown


def test_all_services_puts_every_service_in_play() -> None:
    text = "Something in the south, please."
    assert _found(AFTER_TRAIN, text).services == ("train",)
    spans = utterance_spans([text], 8, trim=True, lexicon=SCHEMA.lexicon)
    found = turn_candidates(
        SCHEMA, trackable_slots(SCHEMA), AFTER_TRAIN, text, spans=spans, all_services=True
    )
    assert set(found.services) == {s.name for s in SCHEMA.services}
    assert "south" in found.values["hotel-area"]


def test_a_set_free_text_slot_changes_only_to_the_users_words() -> None:
    state = DialogueState(
        slots={"taxi-departure": "the golden curry"}, intents={"taxi": "book_taxi"}
    )
    system = "Your taxi from Pizza Hut City Centre will pick you up."
    user = "That seems nice."
    spans = utterance_spans([user, system], 8, trim=True, lexicon=SCHEMA.lexicon)

    def departures(user_changes: bool) -> tuple[str, ...]:
        found = turn_candidates(
            SCHEMA, trackable_slots(SCHEMA), state, user, spans=spans,
            context_text=system, vocabulary=VOCABULARY, user_changes=user_changes,
        )  # fmt: skip
        return found.values.get("taxi-departure", ())

    assert "pizza hut city centre" in departures(False)
    assert "pizza hut city centre" not in departures(True)


def test_a_trip_said_with_from_and_to_is_left_to_completion() -> None:
    text = "I also need a train from cambridge to london kings cross on saturday."
    found = _found(RESTAURANT, text)
    also = settled_by_words(found, SCHEMA, text)
    assert {"train-departure", "train-destination"} <= also
    grammar = turn_grammar(SCHEMA, found, omit_settled=True, also_settled=also)
    assert grammar is not None
    assert accepts(grammar, '{"intent": "find_train"}')
    assert not accepts(grammar, '{"intent": "find_train", "train-departure": "cambridge"}')
    model = ScriptedChatModel(['{"intent": "find_train"}'])
    options = TrackerOptions(omit_settled=True, system_values=False)
    tracker = StateTracker(model, EchoPrompts(), SCHEMA, options, VOCABULARY)
    _, state = tracker.track(RESTAURANT, "", text)
    assert state.slots["train-departure"] == "cambridge"
    assert state.slots["train-destination"] == "london kings cross"
    assert state.intents["train"] == "find_train"


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("i'd like to leave at 4:45 in the evening on the 7th of march.", ["16:45"]),
        ("pick it up at around half past 6 in the evening", ["18:30"]),
        ("leave after 10:00 and arrive by 12:30", ["10:00", "12:30"]),
        ("a table for 2 people on friday at 18:00.", ["18:00"]),
    ],
)
def test_the_longest_reading_of_a_time_wins(text: str, times: list[str]) -> None:
    assert times_in(text) == times


@pytest.mark.parametrize(
    ("origin", "destination", "text", "expected"),
    [
        (
            "Las Vegas",
            "Toronto",
            "going to Las Vegas, flying from Toronto",
            ("Toronto", "Las Vegas"),
        ),
        (
            "Toronto",
            "Las Vegas",
            "going to Las Vegas, flying from Toronto",
            ("Toronto", "Las Vegas"),
        ),
        ("SF", "LA", "from LA to SF, then from SF to LA", ("SF", "LA")),
    ],
)
def test_a_trip_written_the_wrong_way_round_is_swapped_back(
    origin: str, destination: str, text: str, expected: tuple[str, str]
) -> None:
    delta = StateDelta(
        set={"Flights_3-origin_city": origin, "Flights_3-destination_city": destination}
    )
    fixed = swap_routes(delta, text).set
    assert (fixed["Flights_3-origin_city"], fixed["Flights_3-destination_city"]) == expected


def test_spans_naming_the_schema_are_no_values_of_slots_without_records() -> None:
    """Without records behind a place (SGD's schemas), "golden stars bar" holds a slot's name
    (``hotel-stars``): with ``spans_name_nothing`` such a span is no destination, "golden" still
    is."""
    text = "I need a taxi to the golden stars bar."
    spans = utterance_spans([text], 8, trim=True, lexicon=SCHEMA.lexicon)

    def destinations(spans_name_nothing: bool) -> tuple[str, ...]:
        found = turn_candidates(
            SCHEMA, trackable_slots(SCHEMA), DialogueState(), text, spans=spans,
            spans_name_nothing=spans_name_nothing,
        )  # fmt: skip
        return found.values.get("taxi-destination", ())

    assert "golden stars bar" in destinations(False)
    assert "golden stars bar" not in destinations(True)
    assert "golden" in destinations(True)


def test_a_held_free_text_value_changes_only_to_a_name_like_span() -> None:
    """With ``steady_text`` a taxi destination already set changes to "Long Beach" but not to
    the chatter of a question ("how long will it take")."""
    text = "Make it Long Beach then, and how long will it take?"
    spans = utterance_spans([text], 8, trim=True, lexicon=SCHEMA.lexicon)
    taking = {"taxi": "book_taxi"}
    held = DialogueState(slots={"taxi-destination": "the golden curry"}, intents=taking)

    def destinations(state: DialogueState, steady_text: bool) -> tuple[str, ...]:
        found = turn_candidates(
            SCHEMA, trackable_slots(SCHEMA), state, text, spans=spans, steady_text=steady_text,
        )  # fmt: skip
        return found.values.get("taxi-destination", ())

    assert "long will it take" in destinations(held, False)
    assert destinations(held, True) == ("Long", "Long Beach", "Beach")
    assert "long will it take" in destinations(
        DialogueState(intents=taking), True
    )  # a first value: as before
