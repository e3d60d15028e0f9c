"""The one mini domain the unit tests share: restaurant, train and taxi services in MultiWOZ's
slot names, a few records, two exemplar turns, and the English-Korean test lexicon.

Two views of the same services:

- ``mini_schema()`` / ``mini_pack()``: intents name their slots, as a pack declares them, so
  the policy can request what a booking lacks and a restaurant's phone is a result the user
  asks for, never sets. For the policy, backend, reply and engine tests.
- ``OPEN_SCHEMA`` (and its ``OPEN_RESTAURANT``): the same slots with intents that name none;
  ``trackable_slots`` then keeps every slot, so the tracker tests reach each one (a phone, a
  departure) in the grammar. For the tracking and evaluation tests.

The restaurant's ``departure``/``destination`` pair is two free-text slots of one service whose
values look alike (a span must go to one of them); the engine's tests never set them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from agent.domain import (
    AnnotatedTurn,
    DialogueState,
    DomainPack,
    DomainSchema,
    Entity,
    IntentSpec,
    ServiceSpec,
    SlotSpec,
    StateDelta,
)
from agent.language.slot_kinds import SlotKind
from tests.lexicons import EN_KO

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
AREAS = ("centre", "north", "south")


def _slot(name: str, values: Sequence[str] = (), kind: SlotKind | None = None) -> SlotSpec:
    return SlotSpec(name, name, categorical=bool(values), values=tuple(values), kind=kind or "")


_RESTAURANT_SLOTS = (
    _slot("restaurant-food"),
    _slot("restaurant-area", AREAS),
    _slot("restaurant-pricerange", ("cheap", "moderate", "expensive")),
    _slot("restaurant-name", kind="name"),
    _slot("restaurant-bookday", DAYS),
    _slot("restaurant-bookpeople", [str(n) for n in range(1, 9)]),
    _slot("restaurant-booktime", kind="time"),
    _slot("restaurant-phone"),
    _slot("restaurant-address"),
    _slot("restaurant-postcode"),
    _slot("restaurant-departure"),
    _slot("restaurant-destination"),
)
_FIND_RESTAURANT = IntentSpec(
    "find_restaurant",
    "search",
    optional=(
        "restaurant-pricerange",
        "restaurant-area",
        "restaurant-food",
        "restaurant-name",
        "restaurant-bookday",
    ),
)
_BOOK_RESTAURANT = IntentSpec(
    "book_restaurant",
    "book",
    required=("restaurant-bookday", "restaurant-bookpeople", "restaurant-booktime"),
    transactional=True,
)
_TRAIN = ServiceSpec(
    "train",
    "trains",
    (
        _slot("train-departure"),
        _slot("train-destination"),
        _slot("train-day", DAYS),
        _slot("train-leaveat", kind="time"),
        _slot("train-arriveby", kind="time"),
        _slot("train-bookpeople", kind="number"),
    ),
    (
        IntentSpec("find_train", "search", required=("train-departure", "train-destination")),
        IntentSpec("book_train", "book", required=("train-bookpeople",), transactional=True),
    ),
)
_TAXI = ServiceSpec(
    "taxi",
    "taxis",
    (
        _slot("taxi-departure"),
        _slot("taxi-destination"),
        _slot("taxi-leaveat", kind="time"),
        SlotSpec("taxi-type", "car", result_values=("tesla", "skoda")),
        SlotSpec("taxi-phone", "phone", result_values=("07#########",)),
    ),
    (
        IntentSpec(
            "book_taxi",
            "book",
            required=("taxi-departure", "taxi-destination", "taxi-leaveat"),
            transactional=True,
            result_slots=("taxi-type", "taxi-phone"),
        ),
    ),
)
RESTAURANT = ServiceSpec(
    "restaurant", "places to eat", _RESTAURANT_SLOTS, (_FIND_RESTAURANT, _BOOK_RESTAURANT)
)
SCHEMA = DomainSchema("mini", (RESTAURANT, _TRAIN, _TAXI), lexicon=EN_KO)


def _open(service: ServiceSpec) -> ServiceSpec:
    """The service with intents that name no slots: every slot is the user's to set."""
    intents = tuple(
        IntentSpec(i.name, i.description, transactional=i.transactional) for i in service.intents
    )
    return replace(service, intents=intents)


OPEN_RESTAURANT = _open(RESTAURANT)
OPEN_SCHEMA = replace(SCHEMA, services=tuple(_open(s) for s in SCHEMA.services))


def mini_schema() -> DomainSchema:
    return SCHEMA


def _restaurant(name: str, food: str, area: str, price: str, phone: str, postcode: str) -> Entity:
    attributes = {
        "food": food,
        "area": area,
        "pricerange": price,
        "phone": phone,
        "postcode": postcode,
        "address": f"{len(name)} {name.split()[0]} street",
    }
    return Entity("restaurant", name, attributes)


def _train(train_id: str, leave: str, arrive: str, day: str = "friday") -> Entity:
    attributes = {
        "departure": "cambridge",
        "destination": "london kings cross",
        "day": day,
        "leaveAt": leave,
        "arriveBy": arrive,
        "price": "23.60 pounds",
    }
    return Entity("train", train_id, attributes)


def _exemplar(
    index: int, system: str, user: str, delta: StateDelta, prev: DialogueState
) -> AnnotatedTurn:
    return AnnotatedTurn(
        "mini-1", index, ("restaurant",), prev, system, user, delta, prev.apply(delta)
    )


def exemplars() -> tuple[AnnotatedTurn, ...]:
    """A search, then a booking: one short annotated dialogue."""
    search = StateDelta(
        set={"restaurant-food": "italian", "restaurant-area": "centre"},
        intents={"restaurant": "find_restaurant"},
    )
    first = _exemplar(0, "", "Italian food in the centre, please.", search, DialogueState())
    book = StateDelta(
        set={"restaurant-bookpeople": "2", "restaurant-bookday": "friday"},
        intents={"restaurant": "book_restaurant"},
    )
    system = "Pizza Hut City Centre is a cheap Italian place in the centre."
    return first, _exemplar(1, system, "Book it for 2 on Friday.", book, first.state)


def mini_pack() -> DomainPack:
    """The mini schema over six restaurants and four trains (a fresh pack per call)."""
    restaurants = (
        _restaurant("pizza hut city centre", "italian", "centre", "cheap", "01223323737", "cb21ab"),
        _restaurant("zizzi cambridge", "italian", "centre", "cheap", "01223365599", "cb21ab"),
        _restaurant("ask restaurant", "italian", "centre", "cheap", "01223364917", "cb21uf"),
        _restaurant("da vinci pizzeria", "italian", "north", "cheap", "01223351707", "cb43bl"),
        _restaurant("the golden curry", "indian", "centre", "expensive", "01223329432", "cb58aa"),
        _restaurant("curry prince", "indian", "south", "moderate", "01223566388", "cb58jj"),
    )
    trains = (
        _train("TR1000", "05:00", "05:51"),
        _train("TR1001", "09:00", "09:51"),
        _train("TR1002", "13:00", "13:51"),
        _train("TR1003", "17:00", "17:51"),
    )
    database = {"restaurant": restaurants, "train": trains}
    return DomainPack(SCHEMA, exemplars(), database)
