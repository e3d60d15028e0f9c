"""The domain backend: lookups over the pack's records and guarded bookings."""

from __future__ import annotations

import re

import pytest

from agent.backend.records import BookingRefused, DomainBackend
from agent.backend.transactions import booking_problems
from agent.domain import DomainSchema, IntentSpec, ServiceSpec, SlotSpec
from prompts.packs import load_pack
from tests.fakes.mini import mini_pack

BOOKING = {
    "restaurant-bookday": "friday",
    "restaurant-bookpeople": "2",
    "restaurant-booktime": "18:00",
}


@pytest.fixture
def backend() -> DomainBackend:
    return DomainBackend(mini_pack(), rng_seed=7)


def names(entities: list) -> list[str]:
    return [e.name for e in entities]


def test_find_filters_case_insensitively(backend: DomainBackend) -> None:
    found = backend.find("restaurant", {"restaurant-food": "Italian", "restaurant-area": "NORTH"})
    assert names(found) == ["da vinci pizzeria"]


def test_dontcare_and_unknown_slots_are_ignored(backend: DomainBackend) -> None:
    found = backend.find(
        "restaurant",
        {"restaurant-food": "indian", "restaurant-area": "dontcare", **BOOKING},
    )
    assert names(found) == ["the golden curry", "curry prince"]


def test_other_services_slots_are_ignored(backend: DomainBackend) -> None:
    found = backend.find("restaurant", {"restaurant-food": "indian", "train-day": "monday"})
    assert len(found) == 2


def test_name_matches_by_substring(backend: DomainBackend) -> None:
    assert names(backend.find("restaurant", {"restaurant-name": "Pizza Hut"})) == [
        "pizza hut city centre"
    ]
    assert names(backend.find("restaurant", {"restaurant-name": "the zizzi cambridge"})) == [
        "zizzi cambridge"
    ]
    assert names(backend.find("restaurant", {"restaurant-name": "golden dragon"})) == []


def test_train_times(backend: DomainBackend) -> None:
    leave = backend.find("train", {"train-leaveat": "9:00"})
    assert names(leave) == ["TR1001", "TR1002", "TR1003"]
    arrive = backend.find("train", {"train-arriveby": "14:00", "train-day": "friday"})
    assert names(arrive) == ["TR1002", "TR1001", "TR1000"]
    assert len(backend.find("train", {"train-leaveat": "after lunch"})) == 4


def test_service_without_records(backend: DomainBackend) -> None:
    assert backend.find("taxi", {"taxi-destination": "zizzi"}) == []
    assert backend.find("nothing", {}) == []


def test_book_gives_a_reference(backend: DomainBackend) -> None:
    entity = backend.find("restaurant", {"restaurant-name": "zizzi"})[0]
    booking = backend.book("restaurant", {**BOOKING, "taxi-leaveat": "17:00"}, entity)
    assert re.fullmatch(r"[A-Z0-9]{8}", booking.reference)
    assert booking.entity == "zizzi cambridge"
    assert booking.slots == {**BOOKING, "restaurant-name": "zizzi cambridge"}
    assert booking.created_at is not None


def test_seeded_references_are_reproducible() -> None:
    refs = []
    for _ in range(2):
        backend = DomainBackend(mini_pack(), rng_seed=3)
        refs.append(backend.book("taxi", _taxi(), None).reference)
    assert refs[0] == refs[1]
    unseeded = DomainBackend(mini_pack())
    assert re.fullmatch(r"[A-Z0-9]{8}", unseeded.book("taxi", _taxi(), None).reference)


def _taxi() -> dict[str, str]:
    return {"taxi-departure": "a", "taxi-destination": "b", "taxi-leaveat": "10:00"}


def test_taxi_booking_has_car_and_phone(backend: DomainBackend) -> None:
    booking = backend.book("taxi", _taxi(), None)
    assert booking.slots["taxi-type"]
    assert re.fullmatch(r"07\d{9}", booking.slots["taxi-phone"])


@pytest.mark.parametrize(
    ("slots", "missing", "invalid"),
    [
        ({}, ("restaurant-bookday", "restaurant-bookpeople", "restaurant-booktime"), ()),
        ({**BOOKING, "restaurant-bookpeople": "50"}, (), ("restaurant-bookpeople",)),
        ({**BOOKING, "restaurant-booktime": "dontcare"}, (), ("restaurant-booktime",)),
        ({**BOOKING, "restaurant-booktime": "evening"}, (), ("restaurant-booktime",)),
        ({**BOOKING, "restaurant-bookday": "someday"}, (), ("restaurant-bookday",)),
    ],
)
def test_refuses_incomplete_or_invalid_bookings(
    backend: DomainBackend,
    slots: dict[str, str],
    missing: tuple[str, ...],
    invalid: tuple[str, ...],
) -> None:
    entity = backend.find("restaurant", {})[0]
    assert booking_problems(backend.schema, "restaurant", slots) == (missing, invalid)
    with pytest.raises(BookingRefused) as refused:
        backend.book("restaurant", slots, entity)
    assert refused.value.missing == missing
    assert refused.value.invalid == invalid
    assert "booking" in str(refused.value)


def test_refuses_a_venue_booking_without_a_venue(backend: DomainBackend) -> None:
    with pytest.raises(BookingRefused, match="which restaurant"):
        backend.book("restaurant", BOOKING, None)


def test_entity_names(backend: DomainBackend) -> None:
    assert "zizzi cambridge" in backend.entity_names()
    assert "TR1000" in backend.entity_names()


def test_lookups_compare_through_the_slots_aliases() -> None:
    """cambridge says "free" is a "yes" for parking: the user's free parking finds the records
    that say yes (it found none before the pack declared it)."""
    backend = DomainBackend(load_pack("cambridge"))
    free = backend.find("hotel", {"hotel-parking": "free", "hotel-area": "north"})
    assert free and free == backend.find("hotel", {"hotel-parking": "yes", "hotel-area": "north"})


def test_counts_and_times_are_checked_by_kind_not_by_slot_name() -> None:
    slots = (SlotSpec("x-party", "how many", kind="number"), SlotSpec("x-when", "at", kind="time"))
    book = IntentSpec("book_x", "book", required=("x-party", "x-when"), transactional=True)
    schema = DomainSchema("x", (ServiceSpec("x", "x", slots, (book,)),))
    assert booking_problems(schema, "x", {"x-party": "2", "x-when": "18:00"}) == ((), ())
    bad = {"x-party": "two hundred", "x-when": "evening"}
    assert booking_problems(schema, "x", bad) == ((), ("x-party", "x-when"))
