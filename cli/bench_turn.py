"""`bench turn`: a 20-turn cambridge conversation, latency per turn index.

The conversation searches, refines, asks for attributes, books a table, finds and books a train,
books a taxi, asks about an attraction and says goodbye. Each repetition is a new conversation
with the same model (loaded once) and a scratch SQLite store. Per turn: seconds from the call
(the user's Enter) to the merged state and to the first reply token. ``turn2_p50_s`` and
``turn20_p50_s`` are first-token times of turns 2 and 20: with a prompt that does not grow
with the conversation they are about equal. Peak RSS is the process's maximum resident set.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cli.settings import Settings, command_parser

if TYPE_CHECKING:
    from agent.engine.dialogue import DialogueEngine

SCRIPT = (
    "Hi, I'm looking for a restaurant in the centre of town.",
    "Something cheap, and I'd like Italian food.",
    "What is the phone number?",
    "And the address, please?",
    "Actually, I'd rather have Indian food.",
    "Any price range is fine.",
    "What's the postcode?",
    "Book a table for 2 people on Friday at 18:00.",
    "Yes please.",
    "I also need a train from cambridge to london kings cross on saturday.",
    "I want to leave after 10:00.",
    "How long is the journey?",
    "Book 2 tickets on that train.",
    "Yes, go ahead.",
    "I need a taxi from the golden curry to the cambridge train station.",
    "I want to leave at 17:00.",
    "Yes, book it.",
    "Is there a museum in the centre?",
    "What's the entrance fee?",
    "Thanks, that's all. Goodbye!",
)


def register(kinds: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(
        kinds, "turn", "a 20-turn cambridge conversation, latency per turn index"
    )
    parser.add_argument("--json", metavar="FILE", help="write the results as one JSON object")
    parser.add_argument(
        "--repeat", type=int, default=1, metavar="N", help="conversations to run (default 1)"
    )
    parser.add_argument(
        "--turns", type=int, default=len(SCRIPT), metavar="N", help="turns per conversation"
    )
    parser.add_argument(
        "--responder", choices=("model", "template"), default="model", help="reply writer"
    )
    parser.set_defaults(func=run)


@dataclass
class _Timings:
    state: list[list[float]] = field(default_factory=list)  # [turn index][repetition]
    first: list[list[float]] = field(default_factory=list)
    total: list[list[float]] = field(default_factory=list)

    def add(self, index: int, state: float, first: float, total: float) -> None:
        while len(self.state) <= index:
            self.state.append([])
            self.first.append([])
            self.total.append([])
        self.state[index].append(state)
        self.first[index].append(first)
        self.total[index].append(total)


def run(args: argparse.Namespace) -> int:
    from cli.compose import build_engine, open_model_for

    settings = Settings.from_args(args)
    if args.domain not in (None, "cambridge"):
        sys.stderr.write("bench turn: the conversation is written for cambridge; using it\n")
    settings = Settings(settings.model, "cambridge", settings.db_url, settings.threads)
    started = time.perf_counter()
    model = open_model_for(settings)
    load_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="slotchat-bench-") as scratch:
        scratch_settings = Settings(
            settings.model, "cambridge", f"sqlite:///{Path(scratch) / 'bench.db'}", settings.threads
        )
        engine = build_engine(scratch_settings, model=model, seed=0, responder=args.responder)
        timings = _Timings()
        for repetition in range(max(1, args.repeat)):
            _conversation(engine, SCRIPT[: args.turns], timings, repetition)
    report = _report(settings, timings, load_s, args)
    sys.stdout.write(_summary(report) + "\n")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


def _conversation(
    engine: DialogueEngine, script: Sequence[str], timings: _Timings, repetition: int
) -> None:
    conversation = engine.start_conversation(title=f"bench turn {repetition + 1}")
    for index, text in enumerate(script):
        started = time.perf_counter()
        result = engine.turn(conversation.id, text)
        total = time.perf_counter() - started
        timings.add(index, result.state_s, result.meta.first_token_s, total)
        sys.stderr.write(
            f"[{repetition + 1}:{index + 1:2d}] state {result.state_s:5.2f}s  first token "
            f"{result.meta.first_token_s:5.2f}s  total {total:5.2f}s  {result.act.type.value}\n"
        )


def _p50(values: Sequence[float]) -> float:
    return round(statistics.median(values), 3) if values else 0.0


def _report(
    settings: Settings, timings: _Timings, load_s: float, args: argparse.Namespace
) -> dict[str, object]:
    flat_state = [v for turn in timings.state for v in turn]
    flat_first = [v for turn in timings.first for v in turn]
    last = len(timings.first) - 1
    return {
        "pack": settings.model,
        "threads": settings.threads,
        "responder": args.responder,
        "repetitions": max(1, args.repeat),
        "turns": len(timings.state),
        "state_p50_s": _p50(flat_state),
        "first_token_p50_s": _p50(flat_first),
        "turn2_p50_s": _p50(timings.first[1]) if len(timings.first) > 1 else 0.0,
        "turn20_p50_s": _p50(timings.first[last]),
        "turn1_first_token_p50_s": _p50(timings.first[0]) if timings.first else 0.0,
        "total_p50_s": _p50([v for turn in timings.total for v in turn]),
        "per_turn_state_p50_s": [_p50(t) for t in timings.state],
        "per_turn_first_token_p50_s": [_p50(t) for t in timings.first],
        "per_turn_total_p50_s": [_p50(t) for t in timings.total],
        "model_load_s": round(load_s, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _summary(report: dict[str, object]) -> str:
    keys = (
        "pack",
        "state_p50_s",
        "first_token_p50_s",
        "turn2_p50_s",
        "turn20_p50_s",
        "turn1_first_token_p50_s",
        "peak_rss_mb",
    )
    return "  ".join(f"{k}={report[k]}" for k in keys)
