"""How big and how fast the tracker prompts are, over real dialogues (issue 4's targets).

The gold previous state is fed in (teacher forcing) so the numbers describe the prompts, not a
model's mistakes. ``uncached`` counts what the runtime must evaluate for a turn: every message
from the first one that is not a ``cache=True`` message identical to the previous turn's, plus
chat-template overhead; a dialogue's first turn therefore counts its whole prompt. ``tail``
counts only the messages after the last ``cache=True`` one. Assembly time is reported as wall
time and as the thread's CPU time (on a shared, oversubscribed machine the wall time mostly
measures the other jobs).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from agent.domain import AnnotatedDialogue, DomainSchema, Message
from prompts.manager import DEFAULT_BUDGET, MESSAGE_OVERHEAD, CountTokens
from prompts.manager_factory import build_tracker_prompts
from prompts.retrieval import ExemplarIndex
from prompts.sgd import schema_for_services

REPLY_HEADER = 3  # the assistant header the runtime appends before generation


@dataclass(frozen=True)
class PromptMeasurement:
    strategy: str
    dialogues: int
    turns: int
    uncached_p50: float
    uncached_p95: float
    tail_p50: float
    prompt_p50: float
    assembly_p50_ms: float
    assembly_p95_ms: float
    assembly_cpu_p50_ms: float  # CPU time of this thread: what a busy shared machine cannot inflate
    assembly_cpu_p95_ms: float
    exemplars_mean: float


def measure_prompts(
    index: ExemplarIndex,
    schema: DomainSchema,
    dialogues: Sequence[AnnotatedDialogue],
    count_tokens: CountTokens,
    *,
    strategy: str = "dialogue",
    k: int = 4,
    budget: int = DEFAULT_BUDGET,
) -> PromptMeasurement:
    """Render every user turn of ``dialogues`` (one manager per dialogue, for its services) and
    measure tokens and assembly time (retrieval included)."""
    uncached: list[int] = []
    tails: list[int] = []
    totals: list[int] = []
    times: list[float] = []
    cpu: list[float] = []
    exemplars = 0
    for dialogue in dialogues:
        dialogue_schema = schema_for_services(schema, dialogue.services)
        manager = build_tracker_prompts(
            dialogue_schema, index, count_tokens, strategy=strategy, k=k, budget=budget
        )
        previous: list[Message] = []
        for turn in dialogue.turns:
            start, start_cpu = time.perf_counter(), time.thread_time()
            messages = manager.tracker_messages(turn.prev_state, turn.system, turn.user)
            times.append(time.perf_counter() - start)
            cpu.append(time.thread_time() - start_cpu)
            costs = [count_tokens(m.content) + MESSAGE_OVERHEAD for m in messages]
            shared = _shared_prefix(previous, messages)
            uncached.append(sum(costs[shared:]) + REPLY_HEADER)
            tails.append(sum(costs[_cached_run(messages) :]) + REPLY_HEADER)
            totals.append(sum(costs) + REPLY_HEADER)
            exemplars += len(manager.last_selection.static) + len(manager.last_selection.dynamic)
            previous = messages
    return PromptMeasurement(
        strategy=strategy,
        dialogues=len(dialogues),
        turns=len(times),
        uncached_p50=_quantile(uncached, 0.5),
        uncached_p95=_quantile(uncached, 0.95),
        tail_p50=_quantile(tails, 0.5),
        prompt_p50=_quantile(totals, 0.5),
        assembly_p50_ms=_quantile(times, 0.5) * 1e3,
        assembly_p95_ms=_quantile(times, 0.95) * 1e3,
        assembly_cpu_p50_ms=_quantile(cpu, 0.5) * 1e3,
        assembly_cpu_p95_ms=_quantile(cpu, 0.95) * 1e3,
        exemplars_mean=exemplars / max(1, len(times)),
    )


def _cached_run(messages: Sequence[Message]) -> int:
    run = 0
    while run < len(messages) and messages[run].cache:
        run += 1
    return run


def _shared_prefix(previous: Sequence[Message], current: Sequence[Message]) -> int:
    """How many leading cache=True messages the runtime can reuse from the previous turn."""
    shared = 0
    for old, new in zip(previous, current, strict=False):
        if not (old.cache and new.cache and old == new):
            break
        shared += 1
    return shared


def _quantile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(q * len(ordered)))])
