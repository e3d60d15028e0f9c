"""The words' settled values (numbers, times, a trip's ends) are worked out once per turn and
read by both the grammar and the completion, with the results of working them out apiece."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from agent.backend.records import DomainBackend
from agent.domain import Act, DialogueState, Message, Role, StateDelta
from agent.llm.fake import ScriptedChatModel
from agent.tracking import completion
from agent.tracking.candidates import TurnCandidates, turn_candidates
from agent.tracking.completion import complete_unique, settle_words, settled_by_words
from agent.tracking.state_grammar import trackable_slots, utterance_spans
from agent.tracking.tracker import StateTracker
from prompts.packs import load_pack

PACK = load_pack("cambridge")
SCHEMA = PACK.schema
VOCABULARY = DomainBackend(PACK).vocabulary()
IN_PLAY = DialogueState(
    slots={"restaurant-area": "centre"},
    intents={"restaurant": "book_restaurant", "train": "find_train"},
)
TURNS = [
    "I also need a train from cambridge to london kings cross on saturday.",
    "A table for 4 at 19:00 please, and a 2 star hotel for 3 nights.",
    "I want to leave after 10:00 and arrive by 14:30.",
    "Book it for two people on friday.",
]
WRITTEN = [
    StateDelta(),
    StateDelta(set={"train-destination": "cambridge"}),
    StateDelta(set={"restaurant-bookpeople": "3"}, intents={"restaurant": "book_restaurant"}),
]


class _Prompts:
    def tracker_messages(
        self, state: DialogueState, system_text: str, user_text: str
    ) -> list[Message]:
        return [Message("user", user_text)]

    def responder_messages(
        self, act: Act, state: DialogueState, history: Sequence[tuple[Role, str]], user_text: str
    ) -> list[Message]:
        return [Message("user", user_text)]


def _found(user: str) -> TurnCandidates:
    spans = utterance_spans([user], 8, trim=True, lexicon=SCHEMA.lexicon)
    return turn_candidates(
        SCHEMA, trackable_slots(SCHEMA), IN_PLAY, user, spans=spans, vocabulary=VOCABULARY
    )


@pytest.mark.parametrize("text", TURNS)
def test_worked_out_once_they_give_what_each_worked_out_alone(text: str) -> None:
    found = _found(text)
    settled = settle_words(found, SCHEMA, text)
    assert settled_by_words(found, SCHEMA, text, settled) == settled_by_words(found, SCHEMA, text)
    for delta in WRITTEN:
        once = complete_unique(delta, found, SCHEMA, text, settled)
        assert once == complete_unique(delta, found, SCHEMA, text)


def test_a_service_the_settled_words_do_not_cover_is_worked_out_then() -> None:
    text = TURNS[1]
    found = _found(text)
    nothing = settle_words(found, SCHEMA, text, services=())
    delta = StateDelta(intents={"hotel": "find_hotel"})
    assert complete_unique(delta, found, SCHEMA, text, nothing) == complete_unique(
        delta, found, SCHEMA, text
    )


def test_the_tracker_works_each_service_out_once_per_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    worked: list[str] = []
    tied = completion._tied

    def counting(found: TurnCandidates, schema: object, service: str, text: str) -> object:
        worked.append(service)
        return tied(found, SCHEMA, service, text)

    monkeypatch.setattr(completion, "_tied", counting)
    model = ScriptedChatModel(['{"intent": "find_train"}'])
    tracker = StateTracker(model, _Prompts(), SCHEMA, vocabulary=VOCABULARY)
    _, state = tracker.track(IN_PLAY, "", TURNS[0])
    assert state.slots["train-departure"] == "cambridge"
    assert state.slots["train-destination"] == "london kings cross"
    assert "train" in worked and len(worked) == len(set(worked))
