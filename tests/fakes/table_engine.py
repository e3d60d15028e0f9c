"""An engine that answers from a table keyed by the user's text, for the scripted-dialogue
runner's own tests (the runner, the recorder, the pytest plugin): no model, no store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from agent.domain import Act, ActType, Booking, DialogueState, GenerationMeta, TurnResult
from agent.evaluation.scripted.runner import Harness


@dataclass(frozen=True)
class Step:
    """What the toy engine does for one user text."""

    set: Mapping[str, str] = field(default_factory=dict)
    delete: tuple[str, ...] = ()
    act: ActType = ActType.CHAT
    reply: str = "ok"
    booking: Booking | None = None


class TableEngine:
    """The scripted runner's engine port: a Step per user text (an empty Step when the text is not
    in the table); "crash" raises, to test how the runner reports an engine error."""

    def __init__(self, table: Mapping[str, Step]) -> None:
        self.table = table
        self.states: dict[int, DialogueState] = {}
        self.titles: list[str] = []

    def new_conversation(self, title: str) -> int:
        self.titles.append(title)
        self.states[len(self.titles)] = DialogueState()
        return len(self.titles)

    def turn(self, conversation_id: int, user_text: str) -> TurnResult:
        if user_text == "crash":
            raise RuntimeError("the toy engine crashed")
        step = self.table.get(user_text, Step())
        slots = {
            k: v for k, v in self.states[conversation_id].slots.items() if k not in step.delete
        }
        slots.update(step.set)
        state = DialogueState(slots=slots)
        self.states[conversation_id] = state
        return TurnResult(
            conversation_id=conversation_id,
            user_turn_id=1,
            reply_turn_id=2,
            state=state,
            act=Act(step.act),
            reply=step.reply,
            meta=GenerationMeta(),
            booking=step.booking,
        )


TABLE = {
    "cheap italian in the centre please": Step(
        set={
            "restaurant-food": "italian",
            "restaurant-pricerange": "cheap",
            "restaurant-area": "centre",
        },
        act=ActType.OFFER,
        reply="Pizza Hut City Centre is a cheap Italian place in the centre.",
    ),
    "book it for two on friday at 6pm": Step(
        set={
            "restaurant-name": "pizza hut city centre",
            "restaurant-bookpeople": "2",
            "restaurant-bookday": "friday",
            "restaurant-booktime": "18:00",
        },
        act=ActType.CONFIRM,
        reply="Shall I book a table for 2 on Friday at 18:00? Please confirm.",
    ),
    "yes": Step(
        act=ActType.BOOK,
        reply="Booked! Your reference is AB12CD34.",
        booking=Booking(
            service="restaurant",
            reference="AB12CD34",
            slots={
                "restaurant-name": "pizza hut city centre",
                "restaurant-bookpeople": "2",
                "restaurant-bookday": "friday",
                "restaurant-booktime": "18:00",
            },
            entity="pizza hut city centre",
        ),
    ),
    "forget the area": Step(delete=("restaurant-area",), act=ActType.OFFER, reply="Sure."),
}


def table_harness() -> Harness:
    """A picklable factory (module level) for worker processes."""
    return Harness(engine=TableEngine(TABLE))


def toy_factory(model: str, domain: str) -> object:
    """For the pytest plugin's test: every (model, domain) gets the toy engine."""
    return table_harness
