"""`eval sgd`: benchmark the state tracker on Schema-Guided Dialogue files.

Composes the pieces :func:`agent.evaluation.sgd_scoring.evaluate` needs: the model (global
``--model``, ``--threads``), the SGD split and its schema, an exemplar index over the *train* split,
and per dialogue a prompt manager and a :class:`StateTracker` over that dialogue's services.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import threading
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from cli.eval_jobs import PerThread, evaluate_jobs
from cli.settings import command_parser

if TYPE_CHECKING:
    from agent.domain import AnnotatedDialogue, AnnotatedTurn, DomainSchema
    from agent.evaluation.sgd_scoring import EvalRun, Tracker, TurnHook
    from agent.ports import ChatModel
    from agent.tracking.tracker import TrackerOptions, TrackResult

STRATEGIES = ("fixed", "bm25", "dialogue", "hybrid")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(commands, "eval", "benchmark the state tracker")
    kinds = parser.add_subparsers(dest="eval_kind", metavar="BENCHMARK", required=True)
    sgd = command_parser(kinds, "sgd", "dialogue state tracking on Schema-Guided Dialogue")
    sgd.add_argument("--data", required=True, metavar="DIR", help="folder with train/ and dev/")
    sgd.add_argument("--split", default="dev", choices=("dev", "test", "train"))
    sgd.add_argument("--services", metavar="S1,S2", help="only dialogues/frames of these services")
    sgd.add_argument(
        "--limit-dialogues", type=int, metavar="N", help="a sample spread over services"
    )
    sgd.add_argument("--json", metavar="FILE", help="write the results as one JSON object")
    sgd.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="dialogues in N concurrent workers, each with its own model client (for --server)",
    )
    sgd.add_argument("--trace", metavar="FILE", help="per-turn JSON lines: output, state, gold")
    sgd.add_argument("--turn-level", action="store_true", help="feed the gold previous state")
    sgd.add_argument(
        "--exemplars",
        default="dialogue",
        metavar="STRATEGY",
        help=f"one of {', '.join(STRATEGIES)}",
    )
    sgd.add_argument("--k", type=int, default=4, help="exemplars per turn (default 4)")
    sgd.set_defaults(func=run_sgd)


def run_sgd(args: argparse.Namespace) -> int:
    from agent.evaluation.sgd_scoring import select_dialogues
    from cli.settings import cache_dir
    from prompts.sgd import load_sgd_schema, load_sgd_split

    services = [s.strip() for s in args.services.split(",")] if args.services else None
    schema, dialogues = load_sgd_split(args.data, args.split, cache_dir=cache_dir() / "sgd")
    sample = select_dialogues(dialogues, args.limit_dialogues, services)
    train_schema = load_sgd_schema(Path(args.data) / "train" / "schema.json")
    seen = frozenset(s.name for s in train_schema.services)
    if args.jobs < 1:
        from agent.errors import UsageError

        raise UsageError(f"--jobs must be at least 1 (got {args.jobs})")
    model = _open_model(args)
    tracker_for = _tracker_factory(args, PerThread(lambda: _open_model(args), model), train_schema)
    run = _run_with_progress(args, schema, sample, tracker_for, seen, services)
    result = _result(args, model.name, run)
    _print_table(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


def _open_model(args: argparse.Namespace) -> ChatModel:
    from cli.compose import open_model_for
    from cli.settings import Settings

    return open_model_for(Settings.from_args(args))


def _options(args: argparse.Namespace) -> TrackerOptions:
    """The shipped tracker, with every service of the dialogue's schema in play (that schema
    holds only the services the dialogue uses), and any ``--tracker-option``."""
    from agent.tracking.tracker import TrackerOptions
    from cli.tracker_options import tracker_options

    pairs = getattr(args, "tracker_option", None) or []
    return tracker_options(pairs, TrackerOptions(all_services=True))


def _tracker_factory(
    args: argparse.Namespace, model_for: Callable[[], ChatModel], train_schema: DomainSchema
) -> Callable[[DomainSchema, AnnotatedDialogue], Tracker]:
    """Exemplars only from the train split, indexed once; one prompt manager per dialogue, over
    the calling worker's model (``--jobs``)."""
    from agent.tracking.tracker import StateTracker
    from cli.settings import cache_dir
    from prompts.choice import ChoicePrompt
    from prompts.manager_factory import build_exemplar_index, build_tracker_prompts
    from prompts.sgd import load_sgd_split

    _, train = load_sgd_split(args.data, "train", cache_dir=cache_dir() / "sgd")
    index = build_exemplar_index((t for d in train for t in d.turns), train_schema)
    options = _options(args)
    choices = ChoicePrompt() if options.choose_values else None

    def tracker_for(schema: DomainSchema, dialogue: AnnotatedDialogue) -> Tracker:
        model = model_for()
        prompts = build_tracker_prompts(
            schema, index, model.count_tokens, strategy=args.exemplars, k=args.k
        )
        return StateTracker(model, prompts, schema, options, choices=choices)

    return tracker_for


def _run_with_progress(
    args: argparse.Namespace,
    schema: DomainSchema,
    sample: list[AnnotatedDialogue],
    tracker_for: Callable[[DomainSchema, AnnotatedDialogue], Tracker],
    seen: frozenset[str],
    services: list[str] | None,
) -> EvalRun:
    from rich.console import Console
    from rich.progress import Progress

    from agent.evaluation.sgd_scoring import evaluate

    total = sum(len(d.turns) for d in sample)
    trace = open(args.trace, "w", encoding="utf-8") if args.trace else None  # noqa: SIM115
    with Progress(console=Console(stderr=True), transient=True) as bar, trace or nullcontext():
        task = bar.add_task(f"SGD {args.split}: {len(sample)} dialogues", total=total)
        hook = _tracer(trace) if trace else None
        return evaluate_jobs(
            sample,
            args.jobs,
            lambda part: evaluate(
                part,
                schema,
                tracker_for,
                seen_services=seen,
                services=services,
                turn_level=args.turn_level,
                progress=lambda n: bar.advance(task, n),
                on_turn=hook,
            ),
        )


def _tracer(out: TextIO) -> TurnHook:
    lock = threading.Lock()  # --jobs: workers write whole lines

    def write(turn: AnnotatedTurn, result: TrackResult, frames: list[Any]) -> None:
        state = result.state
        row = {
            "dialogue": turn.dialogue_id,
            "turn": turn.index,
            "system": turn.system,
            "user": turn.user,
            "output": result.output,
            "predicted": dict(state.slots),
            "gold": dict(turn.state.slots),
            "intents": dict(state.intents),
            "joint": {f.service: f.joint for f in frames},
        }
        with lock:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()

    return write


def _result(args: argparse.Namespace, pack: str, run: EvalRun) -> dict[str, Any]:
    result: dict[str, Any] = {"split": args.split, "pack": pack}
    result.update(run.summary())
    result.update(
        strategy=args.exemplars,
        k=args.k,
        turn_level=args.turn_level,
        limit_dialogues=args.limit_dialogues,
        services=args.services,
    )
    # the tracker settings as the tracker got them (the flags are mapped once, in _options)
    options = dataclasses.asdict(_options(args))
    result.update(options.pop("grammar"), **options)
    return result


def _print_table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"SGD {result['split']} — {result['pack']} — {result['strategy']}")
    table.add_column("service")
    table.add_column("seen")
    table.add_column("frames", justify="right")
    table.add_column("JGA", justify="right")
    for name, row in result["per_service"].items():
        table.add_row(name, "yes" if row["seen"] else "no", str(row["turns"]), f"{row['jga']:.3f}")
    console = Console(file=sys.stdout)
    console.print(table)
    keys = ["dialogues", "turns", "jga", "aga", "slot_f1", "intent_acc", "jga_seen", "jga_unseen"]
    keys += ["jga_official", "jga_official_seen", "jga_official_unseen"]
    keys += ["slots_missing", "slots_extra", "slots_wrong"]
    keys += ["latency_p50_s", "latency_p95_s", "errors"]
    console.print("  ".join(f"{key}={result[key]}" for key in keys))
