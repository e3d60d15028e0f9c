"""Plays scripted dialogues through an engine and checks every turn.

The engine is injected: a factory builds a :class:`Harness` once per process (model, scratch
database, engine), and dialogues run in order, each in a conversation of its own. With ``jobs``
above one, dialogues run in worker processes that each build their own harness (and so load their
own model). Time inside the engine and time spent by the runner are measured separately, so the
runner's overhead can be checked against its budget.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.util import Finalize
from typing import Protocol

from agent.domain import Booking, DomainSchema, TurnResult
from agent.evaluation.scripted.check import (
    Mismatch,
    Normalizer,
    Observed,
    check_bookings,
    check_turn,
)
from agent.evaluation.scripted.files import Dialogue, ScriptTurn

log = logging.getLogger(__name__)


class Engine(Protocol):
    """The part of the dialogue engine the runner drives (adapted by the composition root)."""

    def new_conversation(self, title: str) -> int: ...

    def turn(self, conversation_id: int, user_text: str) -> TurnResult: ...


class Oracle(Protocol):
    """Told each turn's expectations before the engine runs it (drives the ``fake`` model)."""

    def begin_turn(self, turn: ScriptTurn, state: Mapping[str, str]) -> None: ...


@dataclass
class Harness:
    engine: Engine
    schema: DomainSchema | None = None  # for normalizing categorical values
    oracle: Oracle | None = None
    close: Callable[[], None] = field(default=lambda: None)


HarnessFactory = Callable[[], Harness]


@dataclass(frozen=True)
class TurnOutcome:
    index: int
    turn: ScriptTurn
    seen: Observed
    mismatches: tuple[Mismatch, ...]
    engine_s: float
    state_s: float = 0.0  # the engine's own time to the merged state (the tracker's share)
    reply_source: str = ""  # "model" or "template" (agent.reply.writer.Reply.source)
    reply_issues: tuple[str, ...] = ()  # why a model reply was replaced


@dataclass(frozen=True)
class DialogueOutcome:
    dialogue: Dialogue
    turns: tuple[TurnOutcome, ...]
    bookings: tuple[Mapping[str, str], ...] = ()
    final: tuple[Mismatch, ...] = ()
    error: str = ""  # the engine raised: the message and where
    engine_s: float = 0.0  # inside the engine (conversation start + turns)
    runner_s: float = 0.0  # everything else the runner did for this dialogue

    @property
    def passed(self) -> bool:
        return not self.error and not self.final and all(not t.mismatches for t in self.turns)


def run_dialogue(dialogue: Dialogue, harness: Harness) -> DialogueOutcome:
    """Play one dialogue in a fresh conversation; an engine exception fails it, never the run."""
    started = time.perf_counter()
    normalize = Normalizer(harness.schema)
    clock = _Clock()
    outcomes: list[TurnOutcome] = []
    bookings: list[Mapping[str, str]] = []
    error = ""
    try:
        with clock:
            conversation = harness.engine.new_conversation(dialogue.name)
        state: Mapping[str, str] = {}
        for index, turn in enumerate(dialogue.turns):
            outcome, booking = _play(harness, conversation, index, turn, state, normalize, clock)
            outcomes.append(outcome)
            bookings.extend([booking] if booking else [])
            state = outcome.seen.state
    except Exception as exc:  # noqa: BLE001 - reported as this dialogue's failure
        log.debug("dialogue %s raised", dialogue.id, exc_info=True)
        error = _describe_error(exc)
    final: tuple[Mismatch, ...] = ()
    if dialogue.bookings is not None and not error:
        final = tuple(check_bookings(dialogue.bookings, bookings, normalize))
    total = time.perf_counter() - started
    return DialogueOutcome(
        dialogue, tuple(outcomes), tuple(bookings), final, error, clock.spent, total - clock.spent
    )


def run_all(
    dialogues: Sequence[Dialogue], factory: HarnessFactory, *, jobs: int = 1
) -> Iterator[DialogueOutcome]:
    """Outcomes in the order of ``dialogues``, as they finish."""
    if jobs <= 1 or len(dialogues) <= 1:
        harness = factory()
        try:
            for dialogue in dialogues:
                yield run_dialogue(dialogue, harness)
        finally:
            harness.close()
        return
    context = get_context("spawn")  # a forked llama.cpp model is not safe to share
    with ProcessPoolExecutor(jobs, context, initializer=_init_worker, initargs=(factory,)) as pool:
        yield from pool.map(_run_in_worker, dialogues)


def _play(
    harness: Harness,
    conversation: int,
    index: int,
    turn: ScriptTurn,
    state: Mapping[str, str],
    normalize: Normalizer,
    clock: _Clock,
) -> tuple[TurnOutcome, Mapping[str, str] | None]:
    if harness.oracle is not None:
        harness.oracle.begin_turn(turn, state)
    with clock:
        result = harness.engine.turn(conversation, turn.user)
    spent = clock.last
    seen = Observed(dict(result.state.slots), str(result.act.type.value), result.reply)
    mismatches = tuple(check_turn(turn.expect, seen, normalize))
    booking = booking_fields(result.booking) if result.booking else None
    outcome = TurnOutcome(
        index, turn, seen, mismatches, spent, result.state_s,
        result.reply_source, result.reply_issues,
    )  # fmt: skip
    return outcome, booking


def booking_fields(booking: Booking) -> dict[str, str]:
    """A booking as one flat mapping: its slots plus service, reference and entity name."""
    fields = {k: str(v) for k, v in booking.slots.items()}
    fields.update(service=booking.service, reference=booking.reference)
    if booking.entity:
        fields.setdefault("name", booking.entity)
        fields.setdefault(f"{booking.service}-name", booking.entity)
    return fields


def _describe_error(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" (at {frame.filename}:{frame.lineno})" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"


class _Clock:
    """Adds up the time spent inside ``with`` blocks (the engine's share)."""

    def __init__(self) -> None:
        self.spent = 0.0
        self.last = 0.0
        self._start = 0.0

    def __enter__(self) -> None:
        self._start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.last = time.perf_counter() - self._start
        self.spent += self.last


_worker: Harness | None = None


def _init_worker(factory: HarnessFactory) -> None:
    global _worker
    _worker = factory()
    # workers end through multiprocessing's exit path, which runs Finalize hooks, not atexit
    Finalize(_worker, _worker.close, exitpriority=10)


def _run_in_worker(dialogue: Dialogue) -> DialogueOutcome:
    if _worker is None:
        raise RuntimeError("the worker was not initialised")
    return run_dialogue(dialogue, _worker)
