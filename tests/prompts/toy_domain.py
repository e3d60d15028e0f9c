"""A tiny hand-made domain and bank: two restaurant services (one absent from the bank) and a
taxi service, enough to exercise retrieval, rewriting and budgeting without SGD files.

Why not the shared mini domain (tests/fakes/mini.py): retrieval is about SGD's shape, where a
bank of annotated turns covers some services and not others. This domain has SGD-style service
names, a seen restaurant service and an unseen one whose slots are named differently (``city``
vs ``location``), so rewriting an exemplar from one to the other is visible; the mini domain has
MultiWOZ's names, no bank and no unseen service."""

from __future__ import annotations

import re

from agent.domain import (
    AnnotatedTurn,
    DialogueState,
    DomainSchema,
    IntentSpec,
    ServiceSpec,
    SlotSpec,
    StateDelta,
)
from prompts.retrieval import ExemplarIndex

_WORDS = re.compile(r"\w+|[^\w\s]")


def count_words(text: str) -> int:
    """A stand-in tokenizer: words and punctuation marks."""
    return len(_WORDS.findall(text))


def _restaurants(name: str, city: str, food: str) -> ServiceSpec:
    return ServiceSpec(
        name=name,
        description="Find and reserve restaurants",
        slots=(
            SlotSpec(f"{name}-{city}", "City where the restaurant is located"),
            SlotSpec(f"{name}-{food}", "Cuisine of food served in the restaurant"),
            SlotSpec(
                f"{name}-price_range",
                "Price range for the restaurant",
                categorical=True,
                values=("cheap", "moderate", "pricey"),
            ),
            SlotSpec(f"{name}-time", "Time for the reservation"),
        ),
        intents=(
            IntentSpec("FindRestaurants", "Find restaurants by location and cuisine"),
            IntentSpec("ReserveRestaurant", "Reserve a table", transactional=True),
        ),
    )


TAXI = ServiceSpec(
    name="Taxi_1",
    description="Book a cab",
    slots=(
        SlotSpec("Taxi_1-destination", "Where the ride goes"),
        SlotSpec("Taxi_1-passengers", "Number of riders", True, ("1", "2", "3", "4")),
    ),
    intents=(IntentSpec("GetRide", "Book a cab ride", transactional=True),),
)
SEEN = _restaurants("Restaurants_1", "city", "cuisine")
UNSEEN = _restaurants("Restaurants_9", "location", "category")


def turn(
    dialogue: str,
    index: int,
    user: str,
    set_: dict[str, str],
    *,
    system: str = "",
    prev: dict[str, str] | None = None,
    intent: tuple[str, str] | None = None,
) -> AnnotatedTurn:
    prev_state = DialogueState(slots=dict(prev or {}))
    delta = StateDelta(set=set_, intents=dict([intent]) if intent else {})
    services = tuple(dict.fromkeys(k.split("-")[0] for k in [*set_, *(prev or {})])) or (
        "Restaurants_1",
    )
    return AnnotatedTurn(
        dialogue_id=dialogue,
        index=index,
        services=services,
        prev_state=prev_state,
        system=system,
        user=user,
        delta=delta,
        state=prev_state.apply(delta),
    )


BANK = (
    turn(
        "d1",
        0,
        "I want Italian food in San Jose.",
        {"Restaurants_1-cuisine": "Italian", "Restaurants_1-city": "San Jose"},
        intent=("Restaurants_1", "FindRestaurants"),
    ),
    turn(
        "d1",
        1,
        "Something cheap please, at 7 pm.",
        {"Restaurants_1-price_range": "cheap", "Restaurants_1-time": "7 pm"},
        system="Any price range?",
        prev={"Restaurants_1-city": "San Jose"},
    ),
    turn(
        "d2",
        0,
        "Find me a sushi place in Fremont.",
        {"Restaurants_1-cuisine": "sushi", "Restaurants_1-city": "Fremont"},
    ),
    turn(
        "d3",
        0,
        "I need a cab to the airport for 2.",
        {"Taxi_1-destination": "the airport", "Taxi_1-passengers": "2"},
        intent=("Taxi_1", "GetRide"),
    ),
    turn(
        "d4",
        2,
        "Also a taxi to the restaurant please.",
        {"Taxi_1-destination": "the restaurant"},
        prev={"Restaurants_1-city": "Oakland"},
    ),
)

DINING = DomainSchema("dining", (SEEN, TAXI))
BANK_SCHEMA = DINING  # the bank's own schema: the services its turns were annotated with


def toy_index() -> ExemplarIndex:
    return ExemplarIndex(BANK, BANK_SCHEMA)
