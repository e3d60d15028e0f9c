"""The value chooser: the value of a categorical slot that the user says in other words.

The per-turn grammar (agent.tracking.candidates) offers a categorical value only when a word of
the turn names it, so "somewhere I can leave the car" or "저렴한 곳" sets nothing. The
chooser asks the model, one slot at a time, which of the slot's values the message means
(the prompt of :class:`agent.ports.ChoicePrompts`), and reads the model's probability of each
value rather than its greedy answer: a small model prefers some answers whatever the message says,
so each value's log-probability is taken relative to the same question asked of a message that
says nothing (contextual calibration, Zhao et al. 2021, "Calibrate before use"). A value is
chosen only when it leads the others by ``margin`` nats; otherwise the slot is left alone, which
is what keeps "Hello!" and "a table for four" from setting anything.

It needs a model that can score options (:class:`agent.ports.OptionScorer`, the in-process
runtime); without one the tracker runs as before. Only turns with words that neither the
lexicon nor the schema accounts for are asked about (:func:`unexplained`), and only the
categorical slots of the services the turn is on that the turn did not already settle.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agent.domain import DomainSchema
from agent.language.answers import Answer, confirmation
from agent.language.lexicon import Lexicon
from agent.ports import ChoicePrompts, OptionScorer
from agent.tracking.candidate_words import candidate_words
from agent.tracking.candidates import WORD, schema_words

DEFAULT_MARGIN = 1.5  # nats a value must lead the next by (docs/dst-results.md, runs 31-34)
# a slot with more values than this names things (13 stations) rather than sorting them; the
# grammar's own candidates serve it, and each value would cost the chooser a little more
MAX_OPTIONS = 8


@dataclass(frozen=True)
class Question:
    """One slot asked about: its name, its description as the question, its values."""

    slot: str
    question: str
    options: tuple[str, ...]


class ValueChooser:
    """Chooses slot values by calibrated option scores; keeps the baselines it has computed
    (one per question, the same for every turn)."""

    def __init__(
        self, scorer: OptionScorer, prompts: ChoicePrompts, margin: float = DEFAULT_MARGIN
    ) -> None:
        self._scorer = scorer
        self._prompts = prompts
        self._margin = margin
        self._baselines: dict[tuple[str, tuple[str, ...]], dict[str, float]] = {}

    @property
    def service_question(self) -> str:
        """The question that asks which service a turn is about (the prompt file's words)."""
        return self._prompts.service_question

    def choose(self, message: str, questions: Iterable[Question]) -> dict[str, str]:
        """Slot → value for each question whose calibrated winner is clear."""
        chosen: dict[str, str] = {}
        for question in questions:
            value = self._winner(question, message)
            if value is not None:
                chosen[question.slot] = value
        return chosen

    def lifts(self, question: Question, message: str) -> dict[str, float]:
        """Each option's log-probability for ``message`` minus that for the empty message."""
        scores = self._scores(question, message)
        baseline = self._baseline(question)
        return {option: scores[option] - baseline[option] for option in question.options}

    def _winner(self, question: Question, message: str) -> str | None:
        if len(question.options) < 2:
            return None
        ranked = sorted(self.lifts(question, message).items(), key=lambda item: -item[1])
        (best, top), (_, second) = ranked[0], ranked[1]
        return best if top - second >= self._margin else None

    def _baseline(self, question: Question) -> dict[str, float]:
        key = (question.question, question.options)
        if key not in self._baselines:
            self._baselines[key] = self._scores(question, self._prompts.empty_message)
        return self._baselines[key]

    def _scores(self, question: Question, message: str) -> dict[str, float]:
        messages = self._prompts.choice_messages(question.question, question.options, message)
        return self._scorer.score_options(messages, question.options)


def service_labels(schema: DomainSchema) -> dict[str, str]:
    """Each service's name as words ("restaurant"; SGD's "Restaurants_1" as "restaurants")
    → the service; empty when two services would read the same."""
    labels = {
        " ".join(
            w for w in service.name.lower().replace("_", " ").split() if not w.isdigit()
        ): service.name
        for service in schema.services
    }
    return labels if len(labels) == len(schema.services) else {}


def answers_or_asks(text: str, lexicon: Lexicon) -> bool:
    """The turn answers the system (yes, no, "that works for me") or asks something: read by
    the lexicon's ``yes``, ``no``, ``accept`` and ``ask`` cues and a question mark. A yes/no
    slot is not chosen on such a turn: "That works for me." says nothing about pets."""
    lowered = text.lower().replace("’", "'")
    return (
        "?" in text
        or confirmation(text, lexicon) is not Answer.NONE
        or lexicon.pattern("accept").search(lowered) is not None
        or candidate_words(lexicon).ask.search(lowered) is not None
    )


def unexplained(schema: DomainSchema, text: str, explained: Sequence[str] = ()) -> list[str]:
    """The words of ``text`` that neither the lexicon (chatter, number words) nor the schema
    (its names, its categorical values) nor ``explained`` (values the turn already gave)
    accounts for: "downtown" in "somewhere downtown please", every word of a Korean turn in an
    English pack; none in "a table for four at seven, please"."""
    known = schema_words(schema) | {w for value in explained for w in WORD.findall(value.lower())}
    return [
        word
        for word in WORD.findall(text.lower())
        if word not in known and not any(c.isdigit() for c in word)
    ]
