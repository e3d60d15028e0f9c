"""The value chooser (agent.tracking.choices) at its seams: calibrated option scores from a fake
scorer, the words that make a turn worth asking about, and the tracker setting a value no word
of the turn names. The real model's scores are tested in tests/llm/test_runtime.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agent.domain import DialogueState, Message
from agent.llm.fake import ScriptedChatModel
from agent.tracking.choices import Question, ValueChooser, unexplained
from agent.tracking.tracker import StateTracker, TrackerOptions
from prompts.choice import ChoicePrompt
from tests.fakes.mini import SCHEMA
from tests.fakes.turns import EchoPrompts

AREA = Question("restaurant-area", "area of the restaurant", ("centre", "north", "south"))


class FakeScorer:
    """Scores from a table: message word → option → log-probability; the empty message and
    every other option get -3. Counts the calls."""

    def __init__(self, table: Mapping[str, Mapping[str, float]], empty: str = "N/A") -> None:
        self.table = table
        self.empty = empty
        self.calls: list[str] = []

    def score_options(
        self, messages: Sequence[Message], options: Sequence[str]
    ) -> dict[str, float]:
        text = messages[-1].content
        self.calls.append(text)
        message = text.rsplit("message: ", 1)[-1]
        row = next((r for word, r in self.table.items() if word in message), {})
        return {option: row.get(option, -3.0) for option in options}


class ScoringModel(ScriptedChatModel):
    """The scripted tracker model that can also score options."""

    def __init__(self, replies: Sequence[str], scorer: FakeScorer) -> None:
        super().__init__(list(replies))
        self.scorer = scorer

    def score_options(
        self, messages: Sequence[Message], options: Sequence[str]
    ) -> dict[str, float]:
        return self.scorer.score_options(messages, options)


def test_a_clear_winner_is_chosen_and_a_close_one_is_not() -> None:
    scorer = FakeScorer({"downtown": {"centre": -0.2}, "riverside": {"north": -2.5}})
    chooser = ValueChooser(scorer, ChoicePrompt(), margin=1.5)
    assert chooser.choose("somewhere downtown", [AREA]) == {"restaurant-area": "centre"}
    assert chooser.choose("by the riverside", [AREA]) == {}  # leads by 0.5 only
    assert chooser.choose("hello", [AREA]) == {}


def test_the_scores_are_read_against_the_empty_message_computed_once() -> None:
    """An option the model prefers whatever the message says ("centre" at -0.5 for the empty
    message too) is not chosen for it; the empty message is scored once per question."""
    scorer = FakeScorer({"N/A": {"centre": -0.5}, "somewhere": {"centre": -0.5}})
    chooser = ValueChooser(scorer, ChoicePrompt(), margin=1.5)
    assert chooser.choose("somewhere nice", [AREA]) == {}
    chooser.choose("somewhere else", [AREA])
    assert sum(call.endswith("message: N/A") for call in scorer.calls) == 1


def test_words_the_lexicon_or_schema_account_for_leave_nothing_to_ask() -> None:
    assert unexplained(SCHEMA, "Can I book a table for four at 7, please?") == []
    assert "downtown" in unexplained(SCHEMA, "somewhere downtown please")
    assert unexplained(SCHEMA, "저렴한 곳으로 부탁해요") != []
    assert "curry" not in unexplained(SCHEMA, "the curry house", explained=["curry house"])


def _tracker(scorer: FakeScorer, reply: str, **options: object) -> StateTracker:
    model = ScoringModel([reply] * 4, scorer)
    settings = TrackerOptions(**{"choose_values": True, **options})  # type: ignore[arg-type]
    return StateTracker(model, EchoPrompts(), SCHEMA, settings, choices=ChoicePrompt())


def test_the_tracker_sets_a_value_no_word_of_the_turn_names() -> None:
    scorer = FakeScorer({"downtown": {"centre": -0.1}})
    tracker = _tracker(scorer, '{"intent": "find_restaurant"}')
    state = DialogueState(intents={"restaurant": "find_restaurant"})
    _, after = tracker.track(state, "", "A restaurant downtown, please.")
    assert after.slots.get("restaurant-area") == "centre"


def test_the_chooser_stays_off_without_the_option_or_a_scoring_model() -> None:
    scorer = FakeScorer({"downtown": {"centre": -0.1}})
    state = DialogueState(intents={"restaurant": "find_restaurant"})
    off = _tracker(scorer, "{}", choose_values=False)
    assert "restaurant-area" not in off.track(state, "", "A restaurant downtown.")[1].slots
    plain = StateTracker(
        ScriptedChatModel(["{}"]),
        EchoPrompts(),
        SCHEMA,
        TrackerOptions(choose_values=True),
        choices=ChoicePrompt(),
    )
    assert "restaurant-area" not in plain.track(state, "", "A restaurant downtown.")[1].slots
    assert scorer.calls == []


def test_a_turn_without_unexplained_words_asks_nothing() -> None:
    scorer = FakeScorer({"table": {"centre": -0.1}})
    tracker = _tracker(scorer, "{}")
    state = DialogueState(intents={"restaurant": "find_restaurant"})
    tracker.track(state, "", "Can I book a table for four at 7?")
    assert scorer.calls == []


def test_a_value_the_state_holds_is_not_chosen_again() -> None:
    scorer = FakeScorer({"downtown": {"centre": -0.1}})
    tracker = _tracker(scorer, "{}")
    state = DialogueState(
        slots={"restaurant-area": "north"}, intents={"restaurant": "find_restaurant"}
    )
    _, after = tracker.track(state, "", "A restaurant downtown, please.")
    assert after.slots["restaurant-area"] == "north"


def test_a_turn_naming_no_service_may_still_be_about_one() -> None:
    """Nothing in play and no word naming a service: the chooser picks the service by its
    name, and the turn's values are read for it; a turn it cannot place stays empty."""
    scorer = FakeScorer({"식당": {"restaurant": -0.1, "centre": -0.1}})
    tracker = _tracker(scorer, '{"intent": "find_restaurant"}')
    _, after = tracker.track(DialogueState(), "", "시내 중심에 있는 식당")
    assert after.intents == {"restaurant": "find_restaurant"}
    assert after.slots.get("restaurant-area") == "centre"
    _, nothing = tracker.track(DialogueState(), "", "날씨가 어때요")
    assert nothing == DialogueState()


def test_services_read_by_their_names() -> None:
    from agent.tracking.choices import service_labels

    assert service_labels(SCHEMA) == {"restaurant": "restaurant", "train": "train", "taxi": "taxi"}


def test_answers_and_questions_are_told_apart_from_statements() -> None:
    """A yes/no slot is not chosen on a turn that answers or asks (SGD: "That works for me." →
    ``pets_allowed=True``)."""
    from agent.tracking.choices import answers_or_asks

    lexicon = SCHEMA.lexicon
    assert answers_or_asks("That works for me.", lexicon)
    assert answers_or_asks("Yes, please.", lexicon)
    assert answers_or_asks("Can you make a reservation?", lexicon)
    assert not answers_or_asks("I'll be driving, so I need somewhere to leave the car.", lexicon)
