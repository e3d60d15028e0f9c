"""A small restaurant schema and a prompt builder, shared by the tracker and evaluation tests."""

from __future__ import annotations

from collections.abc import Sequence

from agent.domain import (
    Act,
    DialogueState,
    DomainSchema,
    IntentSpec,
    Message,
    Role,
    ServiceSpec,
    SlotSpec,
)
from tests.lexicons import EN_KO

RESTAURANT = ServiceSpec(
    name="restaurant",
    description="find and book restaurants",
    slots=(
        SlotSpec("restaurant-food", "cuisine"),
        SlotSpec("restaurant-area", "area", categorical=True, values=("centre", "north", "south")),
        SlotSpec(
            "restaurant-pricerange",
            "price",
            categorical=True,
            values=("cheap", "moderate", "expensive"),
        ),
        SlotSpec("restaurant-booktime", "time", kind="time"),
        SlotSpec("restaurant-bookpeople", "people", categorical=True, values=tuple("12345678")),
        SlotSpec("restaurant-destination", "where to"),
        SlotSpec("restaurant-departure", "where from"),
        SlotSpec("restaurant-phone", "phone number"),
    ),
    intents=(
        IntentSpec("find_restaurant", "search"),
        IntentSpec("book_restaurant", "book", transactional=True),
    ),
)
SCHEMA = DomainSchema(name="test", services=(RESTAURANT,), lexicon=EN_KO)


class EchoPrompts:
    """A TrackerPrompts that writes the turn plainly, so tests can see what the model saw."""

    def tracker_messages(
        self, state: DialogueState, system_text: str, user_text: str
    ) -> list[Message]:
        return [
            Message("system", "track the state", cache=True),
            Message(
                "user", f"state: {dict(state.slots)}\nsystem: {system_text}\nuser: {user_text}"
            ),
        ]

    def responder_messages(
        self, act: Act, state: DialogueState, history: Sequence[tuple[Role, str]], user_text: str
    ) -> list[Message]:
        return [Message("user", user_text)]
