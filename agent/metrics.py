"""Dialogue state tracking metrics, as in the SGD paper, computed per *frame*.

A frame is one service active in one user turn (``AnnotatedTurn.services``). For a frame:

- joint goal accuracy: every slot of that service is right (gold slots have the predicted value
  under any of SGD's acceptable values, and no slot is predicted that the gold lacks);
- average goal accuracy: the share of the gold's non-empty slots predicted right (frames
  without gold slots do not count);
- slot F1: micro-averaged over (slot, value) pairs; a wrong value is a false positive and a
  false negative;
- intent accuracy: the predicted active intent equals the gold one (frames with a gold intent).

Values are compared after :func:`agent.normalize.normalize_value` on both sides. Unlike the
official SGD script there is no fuzzy string matching for free-text values: exact after
normalization, which is stricter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agent.domain import AnnotatedTurn, DialogueState, DomainSchema
from agent.normalize import normalize_value


@dataclass(frozen=True)
class FrameScore:
    service: str
    joint: bool
    gold_slots: int  # non-empty gold slots of the service
    correct_slots: int  # of those, predicted right
    false_positives: int
    intent_correct: bool | None  # None: the gold has no intent for the service


def gold_values(turn: AnnotatedTurn, slot: str) -> tuple[str, ...]:
    """Every value the gold accepts for ``slot`` after the turn (empty: the slot is unset)."""
    if slot in turn.acceptable:
        return tuple(turn.acceptable[slot])
    value = turn.state.slots.get(slot)
    return (value,) if value is not None else ()


def value_matches(slot: str, predicted: str, accepted: Iterable[str], schema: DomainSchema) -> bool:
    spec = schema.slot(slot)
    mine = normalize_value(slot, predicted, spec)
    return any(normalize_value(slot, gold, spec) == mine for gold in accepted)


def score_frame(
    predicted: DialogueState, turn: AnnotatedTurn, service: str, schema: DomainSchema
) -> FrameScore:
    prefix = f"{service}-"
    gold_slots = [s for s in turn.state.slots if s.startswith(prefix)]
    correct = sum(
        1
        for slot in gold_slots
        if slot in predicted.slots
        and value_matches(slot, predicted.slots[slot], gold_values(turn, slot), schema)
    )
    extra_or_wrong = sum(
        1
        for slot, value in predicted.slots.items()
        if slot.startswith(prefix)
        and not value_matches(slot, value, gold_values(turn, slot), schema)
    )
    gold_intent = turn.state.intents.get(service)
    return FrameScore(
        service=service,
        joint=correct == len(gold_slots) and extra_or_wrong == 0,
        gold_slots=len(gold_slots),
        correct_slots=correct,
        false_positives=extra_or_wrong,
        intent_correct=None
        if gold_intent is None
        else predicted.intents.get(service) == gold_intent,
    )


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
