"""``eval sgd --jobs N``: dialogues spread over N worker threads, each with its own model client
(a server serves them concurrently; ``--server`` with a multi-slot server is the point).

Dialogues are independent (each carries its own predicted state), so each is evaluated on its own
and the runs are merged in the order of the sample: the metrics are those of ``--jobs 1``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from agent.domain import AnnotatedDialogue
    from agent.evaluation.sgd_scoring import EvalRun

T = TypeVar("T")


class PerThread(Generic[T]):
    """One ``T`` per thread, made by ``make`` on the thread's first call; ``first`` is the main
    thread's (the model opened before the run)."""

    def __init__(self, make: Callable[[], T], first: T) -> None:
        self._make, self._local = make, threading.local()
        self._local.value = first

    def __call__(self) -> T:
        if not hasattr(self._local, "value"):
            self._local.value = self._make()
        value: T = self._local.value
        return value


def evaluate_jobs(
    sample: Sequence[AnnotatedDialogue],
    jobs: int,
    run: Callable[[Sequence[AnnotatedDialogue]], EvalRun],
) -> EvalRun:
    """``run`` over all of ``sample`` (``jobs == 1``) or over each dialogue in a pool of
    ``jobs`` threads, merged in sample order."""
    if jobs <= 1 or len(sample) <= 1:
        return run(sample)
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="eval") as pool:
        runs = list(pool.map(lambda dialogue: run([dialogue]), sample))
    return merge(runs)


def merge(runs: Sequence[EvalRun]) -> EvalRun:
    from agent.evaluation.sgd_scoring import EvalRun

    merged = EvalRun(seen_services=runs[0].seen_services)
    for part in runs:
        merged.frames.extend(part.frames)
        merged.latencies.extend(part.latencies)
        merged.dialogues += part.dialogues
        merged.turns += part.turns
        merged.errors += part.errors
    return merged
