"""``open_categorical``: a categorical slot of a service in play may take any of its values,
so a value said in other words is reachable; a turn that puts no service in play sets nothing."""

from __future__ import annotations

from agent.domain import DialogueState, DomainSchema, ServiceSpec, SlotSpec
from agent.llm.fake import ScriptedChatModel
from agent.tracking.tracker import StateTracker, TrackerOptions
from tests.fakes.mini import OPEN_RESTAURANT as RESTAURANT
from tests.fakes.mini import OPEN_SCHEMA as SCHEMA
from tests.fakes.turns import EchoPrompts


def _tracker(*replies: str, open_categorical: bool) -> tuple[StateTracker, ScriptedChatModel]:
    model = ScriptedChatModel(list(replies))
    options = TrackerOptions(open_categorical=open_categorical)
    return StateTracker(model, EchoPrompts(), SCHEMA, options), model  # type: ignore[arg-type]


IN_PLAY = DialogueState(
    slots={"restaurant-area": "north"}, intents={"restaurant": "find_restaurant"}
)


def test_every_value_of_a_categorical_slot_in_play_is_allowed() -> None:
    tracker, model = _tracker('{"restaurant-pricerange": "cheap"}', open_categorical=True)
    _, after = tracker.track(IN_PLAY, "", "somewhere that will not cost much")
    grammar = _grammar(model)
    assert all(f'\\"{v}\\"' in grammar for v in ("cheap", "moderate", "expensive"))
    assert '\\"north\\"' not in grammar  # never the slot's current value
    assert after.slots["restaurant-pricerange"] == "cheap"


def test_without_it_only_the_mentioned_values_are() -> None:
    tracker, model = _tracker("{}", open_categorical=False)
    tracker.track(IN_PLAY, "", "somewhere that will not cost much")
    assert not model.calls or '\\"cheap\\"' not in _grammar(model)


def test_a_greeting_puts_nothing_in_play() -> None:
    """(With two services: a schema of one has that one in play from the start.)"""
    cab = ServiceSpec("cab", "order a cab", (SlotSpec("cab-to", "where to", kind="text"),))
    schema = DomainSchema("two", (RESTAURANT, cab), lexicon=SCHEMA.lexicon)
    model = ScriptedChatModel([])
    options = TrackerOptions(open_categorical=True)
    tracker = StateTracker(model, EchoPrompts(), schema, options)  # type: ignore[arg-type]
    _, after = tracker.track(DialogueState(), "", "Hello!")
    assert not model.calls and after == DialogueState()


def _grammar(model: ScriptedChatModel) -> str:
    constraint = model.calls[-1].constraint
    return constraint.gbnf or "" if constraint else ""
