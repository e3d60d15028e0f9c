"""`bench memory`: memory store latency at 100k turns.

Loads a synthetic corpus (``--turns`` over ``--conversations``, one of them a 200-turn branch)
in bulk, then times what a user waits for: appending a turn through the real API (committed),
loading a 200-turn branch, and full-text search over varied queries. Without ``--db`` it runs on
a fresh temporary SQLite file; a PostgreSQL ``--db`` is used through a throwaway schema that is
dropped afterwards, so nobody's conversations are touched.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.errors import UsageError
from cli.settings import command_parser

if TYPE_CHECKING:
    from agent.domain import Role
    from storage.store import SqlMemory

BRANCH_TURNS = 200
LOAD_CHUNK = 100  # conversations per bulk transaction


def register(kinds: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(kinds, "memory", "memory store latency at 100k turns")
    parser.add_argument("--turns", type=int, default=100_000, help="corpus size (default 100000)")
    parser.add_argument("--conversations", type=int, default=1000, help="(default 1000)")
    parser.add_argument("--appends", type=int, default=1000, help="timed appends (default 1000)")
    parser.add_argument("--queries", type=int, default=200, help="timed searches (default 200)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", metavar="FILE", help="write the results as one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.turns < BRANCH_TURNS * 2 or args.conversations < 2:
        raise UsageError(f"--turns must be at least {BRANCH_TURNS * 2}, --conversations >= 2")
    with _database(getattr(args, "db", None)) as url:
        results = _bench(url, args)
    _report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


@contextmanager
def _database(url: str | None) -> Iterator[str]:
    from storage.engine import parse_url, sqlite_path
    from storage.scratch import scratch_schema

    if url is None:
        with tempfile.TemporaryDirectory(prefix="slotchat-bench-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    parsed = parse_url(url)
    if parsed.get_backend_name() == "postgresql":
        with scratch_schema(url, "slotchat_bench") as scoped:
            yield scoped
        return
    path = sqlite_path(parsed)
    if path is not None and path.exists() and path.stat().st_size > 0:
        raise UsageError(
            f"bench memory fills the database with 100k turns; give a new file, not {path}"
        )
    yield url


def _bench(url: str, args: argparse.Namespace) -> dict[str, Any]:
    from storage import open_memory

    rng = random.Random(args.seed)
    with open_memory(url) as memory:
        started = time.perf_counter()
        ids, branch_id = _load(memory, args.turns, args.conversations, rng)
        load_s = time.perf_counter() - started
        memory.optimize()
        appends, appends_cpu = _time_appends(memory, ids, args.appends, rng)
        branch = _repeat(lambda: memory.active_branch(branch_id), 30)
        searches = _time_searches(memory, args.queries, rng)
        return {
            "backend": memory.dialect,
            "turns": args.turns,
            "conversations": args.conversations,
            "load_s": round(load_s, 2),
            "append_p50_ms": _ms(_pct(appends, 50)),
            "append_p99_ms": _ms(_pct(appends, 99)),
            "append_cpu_p99_ms": _ms(_pct(appends_cpu, 99)),
            "reference_p99_ms": _ms(_pct(_reference(_pct(appends, 50), len(appends)), 99)),
            "branch_turns": len(memory.active_branch(branch_id)),
            "branch_load_ms": _ms(statistics.median(branch)),
            "branch_load_max_ms": _ms(max(branch)),
            "search_p50_ms": _ms(_pct(searches, 50)),
            "search_p95_ms": _ms(_pct(searches, 95)),
            "appends": len(appends),
            "queries": len(searches),
            "load_average_1m": round(os.getloadavg()[0], 2),  # other processes skew latencies
        }


def _load(
    memory: SqlMemory, turns: int, conversations: int, rng: random.Random
) -> tuple[list[int], int]:
    """Bulk-load the corpus; the first conversation is the 200-turn branch."""
    from storage.bulk import bulk_load
    from storage.corpus import dialogue, split_turns

    lengths = [BRANCH_TURNS, *split_turns(turns - BRANCH_TURNS, conversations - 1, rng)]
    ids: list[int] = []
    for start in range(0, len(lengths), LOAD_CHUNK):
        chunk = lengths[start : start + LOAD_CHUNK]
        batch = [dialogue(start + i, n, rng) for i, n in enumerate(chunk)]
        ids += bulk_load(memory, batch)
    return ids, ids[0]


def _time_appends(
    memory: SqlMemory, ids: list[int], count: int, rng: random.Random
) -> tuple[list[float], list[float]]:
    """Wall-clock times, and this thread's CPU times (which other processes cannot inflate)."""
    from storage.corpus import utterance

    timings, cpu = [], []
    for index in range(count):
        role: Role = "user" if index % 2 == 0 else "assistant"
        target = rng.choice(ids[1:])
        body = utterance(role, rng)
        started, started_cpu = time.perf_counter(), time.thread_time()
        memory.append_turn(target, role, body)
        timings.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)
    return timings, cpu


def _time_searches(memory: SqlMemory, count: int, rng: random.Random) -> list[float]:
    from storage.corpus import queries

    timings = []
    for query in queries(count, rng):
        started = time.perf_counter()
        memory.search(query, limit=20)
        timings.append(time.perf_counter() - started)
    return timings


def _reference(seconds: float, times: int) -> list[float]:
    """Wall times of a pure-CPU loop as long as a median append: no database, no I/O. Its tail
    is what the machine's scheduler adds to anything that short (other processes, a shared VM)."""
    spins = 1000
    while _spin(spins) < seconds:
        spins *= 2
    return _repeat(lambda: _spin(spins), times)


def _spin(count: int) -> float:
    started = time.perf_counter()
    total = 0
    for value in range(count):
        total += value
    return time.perf_counter() - started


def _repeat(action: Callable[[], object], times: int) -> list[float]:
    timings = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return timings


def _pct(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _report(results: dict[str, Any]) -> None:
    width = max(len(key) for key in results)
    for key, value in results.items():
        sys.stdout.write(f"{key:<{width}}  {value}\n")
