"""The policy and backend over the real built-in `cambridge` pack (schema and database)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from agent.backend.records import DomainBackend
from agent.domain import Act, ActType, DialogueState, DomainPack, StateDelta
from agent.policy.choose import Situation, decide
from agent.reply.templates import template_reply
from tests.fakes.turns import delta


@pytest.fixture(scope="module")
def pack() -> DomainPack:
    from prompts.packs import load_pack

    return load_pack("cambridge")


@pytest.fixture(scope="module")
def backend(pack: DomainPack) -> DomainBackend:
    return DomainBackend(pack, rng_seed=11)


def decide_for(
    backend: DomainBackend,
    slots: dict[str, str],
    change: StateDelta | None = None,
    text: str = "",
    *,
    intents: dict[str, str] | None = None,
    previous: Act | None = None,
) -> Act:
    state = DialogueState(slots=slots, intents=intents or {})
    change = change if change is not None else delta(slots, intents=intents)
    first = previous.entities[0] if previous and previous.entities else None
    entities = {first.service: first} if first else {}
    situation = Situation(backend.schema, state, change, text, backend.find, previous, entities)
    return decide(situation)


CHEAP_ITALIAN = {
    "restaurant-food": "italian",
    "restaurant-pricerange": "cheap",
    "restaurant-area": "centre",
}
TABLE = {
    "restaurant-bookpeople": "2",
    "restaurant-bookday": "friday",
    "restaurant-booktime": "18:00",
}


def test_restaurant_search_confirm_book(backend: DomainBackend) -> None:
    offer = decide_for(backend, CHEAP_ITALIAN, intents={"restaurant": "find_restaurant"})
    assert offer.type is ActType.OFFER
    assert offer.total >= 3
    slots = {**CHEAP_ITALIAN, **TABLE}
    intents = {"restaurant": "book_restaurant"}
    confirm = decide_for(
        backend, slots, delta(TABLE, intents=intents), intents=intents, previous=offer
    )
    assert confirm.type is ActType.CONFIRM
    assert confirm.entities == offer.entities[:1]  # the offered place, name not repeated
    assert "restaurant-name" not in confirm.slots
    booked = decide_for(backend, slots, StateDelta(), "Yes please.", previous=confirm)
    assert booked.type is ActType.BOOK
    booking = backend.book("restaurant", slots, booked.entities[0])
    assert booking.slots["restaurant-name"] == offer.entities[0].name
    assert re.fullmatch(r"[A-Z0-9]{8}", booking.reference)


def test_train_needs_route_and_day_then_books_the_offered_train(backend: DomainBackend) -> None:
    route = {"train-departure": "cambridge", "train-destination": "london kings cross"}
    ask = decide_for(backend, route, intents={"train": "find_train"})
    assert ask.type is ActType.REQUEST
    assert ask.slots == ("train-day",)
    search = {**route, "train-day": "saturday", "train-leaveat": "10:00"}
    offer = decide_for(backend, search, intents={"train": "find_train"})
    assert offer.type is ActType.OFFER
    leave = [e.attributes["leaveat"] for e in offer.entities]
    assert leave == sorted(leave) and leave[0] >= "10:00"
    intents = {"train": "book_train"}
    people = {"train-bookpeople": "2"}
    confirm = decide_for(
        backend, {**search, **people}, delta(people, intents=intents), intents=intents,
        previous=offer,
    )  # fmt: skip
    assert confirm.type is ActType.CONFIRM
    assert confirm.entities[0].name == offer.entities[0].name
    assert "train-trainid" not in confirm.slots
    booked = decide_for(backend, {**search, **people}, StateDelta(), "yes", previous=confirm)
    assert booked.type is ActType.BOOK


def test_named_train_is_found_by_its_id(backend: DomainBackend) -> None:
    act = decide_for(backend, {"train-trainid": "tr7075"}, intents={"train": "find_train"})
    assert act.type in (ActType.OFFER, ActType.REQUEST)
    found = backend.find("train", {"train-trainid": "TR7075"})
    assert [e.name for e in found] == ["TR7075"]


def test_taxi_is_booked_without_a_database(backend: DomainBackend) -> None:
    slots = {"taxi-departure": "the golden curry", "taxi-destination": "cambridge station"}
    confirm = decide_for(backend, slots, intents={"taxi": "book_taxi"})
    assert confirm.type is ActType.CONFIRM
    booked = decide_for(backend, slots, StateDelta(), "yes please", previous=confirm)
    assert booked.type is ActType.BOOK
    booking = backend.book("taxi", slots, None)
    assert booking.slots["taxi-type"] and booking.slots["taxi-phone"]


def test_attraction_inform(backend: DomainBackend) -> None:
    slots = {"attraction-type": "museum", "attraction-area": "centre"}
    offer = decide_for(backend, slots, intents={"attraction": "find_attraction"})
    assert offer.type is ActType.OFFER
    state = DialogueState(slots=slots, requested=frozenset({"attraction-phone"}))
    situation = Situation(
        backend.schema, state, delta(requested=["attraction-phone"]), "phone?", backend.find,
        offer, {"attraction": offer.entities[0]},
    )  # fmt: skip
    inform = decide(situation)
    assert inform.type is ActType.INFORM
    phone = offer.entities[0].attributes["phone"]
    assert phone in template_reply(inform, state)


def test_fifty_people_cannot_be_booked(backend: DomainBackend) -> None:
    slots = {**CHEAP_ITALIAN, **TABLE, "restaurant-bookpeople": "50"}
    intents = {"restaurant": "book_restaurant"}
    act = decide_for(backend, slots, intents=intents)
    assert act.type is ActType.REQUEST
    assert act.slots == ("restaurant-bookpeople",)
    assert '"50"' in template_reply(act, DialogueState(slots=slots))


def test_no_match_relaxes_on_the_real_database(backend: DomainBackend) -> None:
    slots = {
        "restaurant-food": "italian",
        "restaurant-area": "north",
        "restaurant-pricerange": "expensive",
    }
    act = decide_for(backend, slots)
    assert act.type is ActType.NO_MATCH
    assert act.relax


def test_a_booking_turn_with_junk_requests_asks_for_the_booking(backend: DomainBackend) -> None:
    """A weak tracker may add a list of "requested" slots to "book it for 2 …"."""
    offer = decide_for(backend, CHEAP_ITALIAN, intents={"restaurant": "find_restaurant"})
    intents = {"restaurant": "book_restaurant"}
    junk = ["restaurant-name", "restaurant-ref", "train-departure", "taxi-phone"]
    state = DialogueState(slots=CHEAP_ITALIAN, intents=intents, requested=frozenset(junk))
    situation = Situation(
        backend.schema, state, delta(intents=intents, requested=junk), "book it for 2",
        backend.find, offer, {"restaurant": offer.entities[0]},
    )  # fmt: skip
    act = decide(situation)
    assert act.type is ActType.REQUEST
    assert set(act.slots) == set(TABLE)


def test_unanswerable_requests_are_ignored(backend: DomainBackend) -> None:
    offer = decide_for(backend, CHEAP_ITALIAN, intents={"restaurant": "find_restaurant"})
    state = DialogueState(slots=CHEAP_ITALIAN, requested=frozenset({"restaurant-ref"}))
    situation = Situation(
        backend.schema, state, delta(requested=["restaurant-ref"]), "ref?", backend.find,
        offer, {"restaurant": offer.entities[0]},
    )  # fmt: skip
    assert decide(situation).type is not ActType.INFORM


def test_train_id_and_name_are_informed_from_the_record(backend: DomainBackend) -> None:
    train = backend.find("train", {"train-trainid": "TR7075"})[0]
    act = Act(ActType.INFORM, "train", ("train-trainid", "train-duration"), (train,))
    text = template_reply(act, DialogueState())
    assert "TR7075" in text and "51 minutes" in text


def test_naming_a_place_is_not_a_booking_request(backend: DomainBackend) -> None:
    slots = {"restaurant-name": "pizza hut city centre"}
    act = decide_for(backend, slots, intents={"restaurant": "find_restaurant"})
    assert act.type is ActType.OFFER
    assert act.entities[0].name == "pizza hut city centre"


def test_a_wider_search_offers_the_place_in_focus_once(backend: DomainBackend) -> None:
    intents = {"restaurant": "find_restaurant"}
    offer = decide_for(backend, CHEAP_ITALIAN, intents=intents)
    first = dataclasses.replace(offer.entities[0])  # the focus comes from an earlier turn
    earlier = dataclasses.replace(offer, entities=(first,))
    wider = {**CHEAP_ITALIAN, "restaurant-pricerange": "dontcare"}
    again = decide_for(backend, wider, intents=intents, previous=earlier)
    names = [e.name for e in again.entities]
    assert names[0] == first.name and len(names) == len(set(names)) == 3
