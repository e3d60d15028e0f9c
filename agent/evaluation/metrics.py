"""Dialogue state tracking metrics, as in the SGD paper, computed per *frame*.

A frame is one service active in one user turn (``AnnotatedTurn.services``). For a frame:

- joint goal accuracy: every slot of that service is right (gold slots have the predicted value
  under any of SGD's acceptable values, and no slot is predicted that the gold lacks);
- average goal accuracy: the share of the gold's non-empty slots predicted right (frames
  without gold slots do not count);
- slot F1: micro-averaged over (slot, value) pairs; a wrong value is a false positive and a
  false negative;
- intent accuracy: the predicted active intent equals the gold one (frames with a gold intent).

Values are compared after :func:`agent.language.normalize.normalize_value` on both sides: exact
after normalization, stricter than the official script for free-text values. Each frame also counts
its slot errors: *missing* (gold only), *extra* (predicted only), *wrong* (both, values differ).

The official metric (``official`` of a frame, :func:`official_frame_score`) follows
``schema_guided_dst/metrics.py`` of google-research (``compare_slot_values``,
``get_average_and_joint_goal_accuracy``) on the *surface* values the tracker predicted:

- every slot of the service's schema counts, set or not: absent from both scores 1, present in
  only one (gold only, or predicted only) scores 0; the frame's score is the product, and a
  service without slots has no score (the script's ``NA``, left out of the mean);
- a categorical slot scores 1 only if the prediction equals the *first* gold value exactly
  (the script compares raw strings, no lower-casing), a non-categorical slot scores the best
  ``token_sort_ratio / 100`` over all gold values, with no threshold;
- the script's ``fuzzywuzzy`` lower-cases and turns non-alphanumerics into spaces before
  comparing (``full_process``); rapidfuzz 3 does nothing by default, so ``default_process`` is
  passed (it does not drop non-ASCII letters as fuzzywuzzy's ``force_ascii`` does);
- ``dontcare`` is an ordinary value: it scores 1 only against a gold ``dontcare``.

One difference: a gold list whose earlier value still holds keeps that value first
(``prompts.sgd``), so "the first gold value" can differ from SGD's own order; categorical
slots almost always have a single gold value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, utils

from agent.domain import AnnotatedTurn, DialogueState, DomainSchema, SlotSpec
from agent.language.normalize import normalize_value


@dataclass(frozen=True)
class FrameScore:
    service: str
    joint: bool
    gold_slots: int  # non-empty gold slots of the service
    correct_slots: int  # of those, predicted right
    extra: int  # predicted slots the gold lacks
    wrong: int  # slots set in both, the predicted value wrong
    intent_correct: bool | None  # None: the gold has no intent for the service
    official: float | None = None  # the official SGD score; None: not scored

    @property
    def missing(self) -> int:
        """Gold slots left unset (a wrong value is not missing)."""
        return self.gold_slots - self.correct_slots - self.wrong

    @property
    def false_positives(self) -> int:
        return self.extra + self.wrong


def gold_values(turn: AnnotatedTurn, slot: str) -> tuple[str, ...]:
    """Every value the gold accepts for ``slot`` after the turn (empty: the slot is unset)."""
    if slot in turn.acceptable:
        return tuple(turn.acceptable[slot])
    value = turn.state.slots.get(slot)
    return (value,) if value is not None else ()


def value_matches(slot: str, predicted: str, accepted: Iterable[str], schema: DomainSchema) -> bool:
    spec = schema.slot(slot)
    mine = normalize_value(slot, predicted, spec, lexicon=schema.lexicon)
    return any(
        normalize_value(slot, gold, spec, lexicon=schema.lexicon) == mine for gold in accepted
    )


def score_frame(
    predicted: DialogueState,
    turn: AnnotatedTurn,
    service: str,
    schema: DomainSchema,
    surface: Mapping[str, str] | None = None,
) -> FrameScore:
    """The strict scores of one frame, and the official one over ``surface`` if given."""
    prefix = f"{service}-"
    gold_slots = [s for s in turn.state.slots if s.startswith(prefix)]
    correct = sum(
        1
        for slot in gold_slots
        if slot in predicted.slots
        and value_matches(slot, predicted.slots[slot], gold_values(turn, slot), schema)
    )
    mine = [s for s in predicted.slots if s.startswith(prefix)]
    extra = sum(1 for slot in mine if slot not in turn.state.slots)
    wrong = len(mine) - extra - correct
    gold_intent = turn.state.intents.get(service)
    return FrameScore(
        service=service,
        joint=correct == len(gold_slots) and extra + wrong == 0,
        gold_slots=len(gold_slots),
        correct_slots=correct,
        extra=extra,
        wrong=wrong,
        intent_correct=None
        if gold_intent is None
        else predicted.intents.get(service) == gold_intent,
        official=None if surface is None else official_frame_score(surface, turn, service, schema),
    )


def official_frame_score(
    surface: Mapping[str, str], turn: AnnotatedTurn, service: str, schema: DomainSchema
) -> float | None:
    """The official SGD joint score of one frame: the product of the service's slot scores.

    ``surface`` maps slot names to the values as the tracker predicted them (not normalized).
    """
    spec = schema.service(service)
    if spec is None or not spec.slots:
        return None
    score = 1.0
    for slot in spec.slots:
        score *= official_slot_score(slot, surface.get(slot.name), gold_values(turn, slot.name))
    return score


def official_slot_score(spec: SlotSpec, predicted: str | None, gold: Sequence[str]) -> float:
    if not gold or predicted is None:
        return 1.0 if not gold and predicted is None else 0.0
    if spec.categorical:
        return float(predicted == gold[0])
    return (
        max(fuzz.token_sort_ratio(g, predicted, processor=utils.default_process) for g in gold)
        / 100
    )


def official_joint_accuracy(frames: Sequence[FrameScore]) -> float:
    """The mean official score over the frames that have one."""
    scores = [f.official for f in frames if f.official is not None]
    return _share(sum(scores), len(scores))


def joint_accuracy(frames: Sequence[FrameScore]) -> float:
    return _share(sum(f.joint for f in frames), len(frames))


def average_goal_accuracy(frames: Sequence[FrameScore]) -> float:
    return _share(sum(f.correct_slots for f in frames), sum(f.gold_slots for f in frames))


def slot_f1(frames: Sequence[FrameScore]) -> float:
    true_positives = sum(f.correct_slots for f in frames)
    false_positives = sum(f.false_positives for f in frames)
    false_negatives = sum(f.gold_slots - f.correct_slots for f in frames)
    denominator = 2 * true_positives + false_positives + false_negatives
    return _share(2 * true_positives, denominator) if denominator else 1.0


def intent_accuracy(frames: Sequence[FrameScore]) -> float:
    scored = [f.intent_correct for f in frames if f.intent_correct is not None]
    return _share(sum(scored), len(scored))


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0
