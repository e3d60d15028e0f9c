"""The DST benchmark loop: run a tracker over annotated dialogues and score every frame.

The tracker carries its *own* predicted state from turn to turn (never the gold one) unless
``turn_level`` is set, which feeds the gold previous state for diagnosis. Trackers come from an
injected factory (one per dialogue, over that dialogue's services), so this module knows nothing
of prompt managers or model runtimes; the CLI composes them.

The strict metrics compare normalized values; the official SGD metric (``agent.evaluation.metrics``)
compares the *surface* values the tracker predicted. The tracker's state holds normalized values
(``6:30 pm`` is ``18:30``), so the surface of a value is looked up (:func:`surface_values`):
a categorical value as the schema spells it, a free-text value as the span of the dialogue's
texts (latest first, as the tracker's grammar cuts spans) whose normalized form it is; a value
that no span gives stays as predicted. The model's own words come first: each turn's
:class:`~agent.tracking.tracker.TrackResult` carries its raw text.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from agent.delta_text import parse_delta
from agent.domain import (
    DONTCARE,
    AnnotatedDialogue,
    AnnotatedTurn,
    DialogueState,
    DomainSchema,
    SlotSpec,
    StateDelta,
    SystemMove,
)
from agent.errors import SlotchatError
from agent.evaluation.metrics import (
    FrameScore,
    average_goal_accuracy,
    intent_accuracy,
    joint_accuracy,
    official_joint_accuracy,
    percentile,
    score_frame,
    slot_f1,
)
from agent.language.lexicon import Lexicon
from agent.language.normalize import normalize_value
from agent.tracking.state_grammar import utterance_spans
from agent.tracking.tracker import TrackResult

log = logging.getLogger(__name__)


class Tracker(Protocol):
    """What the benchmark runs (:meth:`agent.tracking.tracker.StateTracker.track_turn`): the
    turn's delta and state, with the model's raw text."""

    def track_turn(
        self,
        state: DialogueState,
        system_text: str,
        user_text: str,
        move: SystemMove = ...,
    ) -> TrackResult: ...


TrackerFactory = Callable[[DomainSchema, AnnotatedDialogue], Tracker]
TurnsScored = Callable[[int], None]  # called with the number of user turns just scored
TurnHook = Callable[[AnnotatedTurn, TrackResult, list[FrameScore]], None]


@dataclass
class EvalRun:
    """Scores collected so far; :meth:`summary` gives the DESIGN.md keys."""

    seen_services: frozenset[str]
    frames: list[FrameScore] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    dialogues: int = 0
    turns: int = 0
    errors: int = 0

    def summary(self) -> dict[str, object]:
        frames = self.frames
        seen = [f for f in frames if f.service in self.seen_services]
        unseen = [f for f in frames if f.service not in self.seen_services]
        services = sorted({f.service for f in frames})
        per_service = {
            name: {
                "jga": round(joint_accuracy(mine := [f for f in frames if f.service == name]), 4),
                "turns": len(mine),
                "seen": name in self.seen_services,
            }
            for name in services
        }
        return {
            "dialogues": self.dialogues,
            "turns": self.turns,
            "frames": len(frames),
            "jga": round(joint_accuracy(frames), 4),
            "aga": round(average_goal_accuracy(frames), 4),
            "slot_f1": round(slot_f1(frames), 4),
            "intent_acc": round(intent_accuracy(frames), 4),
            "jga_seen": round(joint_accuracy(seen), 4) if seen else None,
            "jga_unseen": round(joint_accuracy(unseen), 4) if unseen else None,
            "jga_official": round(official_joint_accuracy(frames), 4),
            "jga_official_seen": round(official_joint_accuracy(seen), 4) if seen else None,
            "jga_official_unseen": round(official_joint_accuracy(unseen), 4) if unseen else None,
            "slots_missing": sum(f.missing for f in frames),
            "slots_extra": sum(f.extra for f in frames),
            "slots_wrong": sum(f.wrong for f in frames),
            "per_service": per_service,
            "latency_p50_s": round(percentile(self.latencies, 0.5), 3),
            "latency_p95_s": round(percentile(self.latencies, 0.95), 3),
            "errors": self.errors,
        }


def select_dialogues(
    dialogues: Sequence[AnnotatedDialogue],
    limit: int | None = None,
    services: Iterable[str] | None = None,
) -> list[AnnotatedDialogue]:
    """A deterministic sample spread across services: round robin over the dialogues' first
    services (sorted), each service's dialogues in a fixed pseudo-random order (CRC32 of the
    id), so that any ``limit`` covers as many services and data files as it can."""
    wanted = set(services) if services else None
    pool = [d for d in dialogues if wanted is None or wanted.intersection(d.services)]
    groups: dict[str, list[AnnotatedDialogue]] = {}
    for dialogue in sorted(pool, key=lambda d: (zlib.crc32(d.id.encode()), d.id)):
        groups.setdefault(dialogue.services[0] if dialogue.services else "", []).append(dialogue)
    ordered = [groups[name] for name in sorted(groups)]
    picked: list[AnnotatedDialogue] = []
    for rank in range(max((len(g) for g in ordered), default=0)):
        picked.extend(group[rank] for group in ordered if rank < len(group))
    return picked[:limit] if limit is not None else picked


def sub_schema(schema: DomainSchema, services: Sequence[str]) -> DomainSchema:
    """The domain of one dialogue: the schema's services among ``services``, in that order."""
    picked = tuple(s for name in dict.fromkeys(services) if (s := schema.service(name)))
    name = "+".join(s.name for s in picked)
    return DomainSchema(name=name, services=picked, lexicon=schema.lexicon)


def evaluate(
    dialogues: Iterable[AnnotatedDialogue],
    schema: DomainSchema,
    tracker_for: TrackerFactory,
    *,
    seen_services: frozenset[str],
    services: Iterable[str] | None = None,
    turn_level: bool = False,
    progress: TurnsScored | None = None,
    on_turn: TurnHook | None = None,
) -> EvalRun:
    """Track and score every user turn of ``dialogues`` (frames only of ``services`` if given).

    ``on_turn`` sees each turn with what the tracker returned (the predicted state, the
    model's text) and its frame scores (``--trace``).
    """
    run = EvalRun(seen_services=seen_services)
    scored = set(services) if services else None
    for dialogue in dialogues:
        dialogue_schema = sub_schema(schema, dialogue.services)
        tracker = tracker_for(dialogue_schema, dialogue)
        state, surface, texts = DialogueState(), dict[str, str](), list[str]()
        for turn in dialogue.turns:
            previous = _normalized(turn.prev_state, dialogue_schema) if turn_level else state
            result = _timed_track(tracker, previous, turn, run)
            state = result.state
            texts[:0] = [turn.user, turn.system]
            carried = dict(turn.prev_state.slots) if turn_level else surface
            surface = surface_values(state, carried, texts, dialogue_schema, _written(result))
            frames = [
                score_frame(state, turn, service, dialogue_schema, surface)
                for service in turn.services
                if scored is None or service in scored
            ]
            run.frames.extend(frames)
            run.turns += 1
            if on_turn is not None:
                on_turn(turn, result, frames)
            if progress is not None:
                progress(1)
        run.dialogues += 1
    return run


def surface_values(
    state: DialogueState,
    previous: Mapping[str, str],
    texts: Sequence[str],
    schema: DomainSchema,
    written: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The surface form of each predicted value: as the model ``written`` it this turn, else
    as ``previous`` (the last turn's surfaces) had it, while it still normalizes to the value,
    else looked up in the schema or in ``texts`` (the dialogue's, latest first)."""
    out: dict[str, str] = {}
    for slot, value in state.slots.items():
        spec = schema.slot(slot)
        known = [v for v in ((written or {}).get(slot), previous.get(slot)) if v is not None]
        same = [v for v in known if normalize_value(slot, v, spec) == value]
        out[slot] = same[0].strip() if same else _surface(slot, value, spec, texts, schema.lexicon)
    return out


def _surface(
    slot: str, value: str, spec: SlotSpec | None, texts: Sequence[str], lexicon: Lexicon
) -> str:
    if value == DONTCARE or spec is None:
        return value
    if spec.categorical:
        return next((v for v in spec.values if normalize_value(slot, v, spec) == value), value)
    for text in texts:
        spans = utterance_spans([text], trim=True, lexicon=lexicon)
        found = [s for s in spans if normalize_value(slot, s, spec) == value]
        if found:
            return max(found, key=len)  # "12:40 pm", not "12:40": SGD's spans run long
    return value


def _written(result: TrackResult) -> dict[str, str]:
    """The values in the model's own words this turn (its raw text, if any)."""
    try:
        return dict(parse_delta(result.output or "{}").set)
    except ValueError:
        return {}


def _timed_track(
    tracker: Tracker, state: DialogueState, turn: AnnotatedTurn, run: EvalRun
) -> TrackResult:
    """The tracker's result, or on an error the state unchanged (and no model text)."""
    started = time.perf_counter()
    result = TrackResult(StateDelta(), state)
    try:
        result = tracker.track_turn(state, turn.system, turn.user, turn.system_move)
    except SlotchatError as error:
        log.warning("turn %s/%d failed: %s", turn.dialogue_id, turn.index, error)
        run.errors += 1
    run.latencies.append(time.perf_counter() - started)
    return result


def _normalized(state: DialogueState, schema: DomainSchema) -> DialogueState:
    slots = {k: normalize_value(k, v, schema.slot(k)) for k, v in state.slots.items()}
    return DialogueState(slots=slots, intents=state.intents, requested=state.requested)
