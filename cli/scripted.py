"""`test`: run scripted dialogue files through the whole engine (see docs/scripted-tests.md).

This module composes the engine for the runner (agent.evaluation.scripted): a scratch SQLite
database per process, the model named by ``--model`` (``fake`` = the expectation-driven fake model,
no weights), greedy decoding with a fixed seed, and a fixed booking-reference seed, so the same
files and model give the same result every run.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from cli.settings import Settings, command_parser

if TYPE_CHECKING:
    from agent.domain import DomainPack, DomainSchema, TurnResult
    from agent.engine.dialogue import DialogueEngine
    from agent.evaluation.scripted.files import Dialogue
    from agent.evaluation.scripted.runner import DialogueOutcome, Harness, HarnessFactory, Oracle
    from agent.ports import ChatModel, Memory

SEED = 0  # model sampling seed and booking-reference seed


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(
        commands, "test", "run scripted dialogue test files (YAML) through the whole engine"
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="dialogue files or folders")
    parser.add_argument("--junit", metavar="FILE", help="also write the results as JUnit XML")
    parser.add_argument(
        "-k",
        dest="pattern",
        metavar="PATTERN",
        help="only dialogues whose 'file::name' contains PATTERN",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="run dialogues in N processes, each with its own model (default 1)",
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help="write what the engine did as expectations to FILE.recorded.yaml",
    )
    parser.add_argument(
        "--min-pass-rate",
        type=float,
        default=1.0,
        metavar="R",
        help="exit 0 when at least this fraction of dialogues passed (default 1.0: all)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also print where each dialogue's time went (engine per turn, runner)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from agent.errors import UsageError
    from agent.evaluation.scripted.files import load_all, select

    started = time.perf_counter()
    settings = Settings.from_args(args)
    if args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1 (got {args.jobs})")
    if not 0.0 < args.min_pass_rate <= 1.0:
        raise UsageError(f"--min-pass-rate must be in (0, 1] (got {args.min_pass_rate})")
    dialogues = select(load_all(args.paths), args.pattern)
    if not dialogues:
        raise UsageError("no dialogues to run: check the paths and the -k pattern")
    _check_slots(dialogues)
    loading = time.perf_counter() - started
    if args.record:
        return _record(dialogues, settings, args.jobs)
    return _test(dialogues, settings, args, loading)


def factory_for(model: str, domain: str, settings: Settings | None = None) -> HarnessFactory:
    """A picklable harness factory (for worker processes and the pytest plugin)."""
    base = settings or Settings(model=model, domain=domain, db_url="", threads=2)
    return functools.partial(make_harness, replace(base, model=model, domain=domain))


def make_harness(settings: Settings) -> Harness:
    """Model, scratch database and engine for one process; ``close`` removes the database."""
    import shutil
    import tempfile

    from agent.evaluation.scripted.runner import Harness
    from prompts.packs import load_pack
    from storage import open_memory

    pack = load_pack(settings.domain)
    scratch = Path(tempfile.mkdtemp(prefix="slotchat-test-"))
    settings = replace(settings, db_url=f"sqlite:///{scratch / 'scripted.db'}")
    memory = open_memory(settings.db_url)
    model, oracle = _model(settings, pack.schema)
    engine = _EngineAdapter(_build_engine(settings, model, memory, pack))

    def close() -> None:
        memory.close()
        shutil.rmtree(scratch, ignore_errors=True)

    return Harness(engine=engine, schema=pack.schema, oracle=oracle, close=close)


def _model(settings: Settings, schema: DomainSchema) -> tuple[ChatModel | None, Oracle | None]:
    """``fake``: the expectation-driven fake; otherwise ``None`` (the engine opens the pack)."""
    if settings.model != "fake":
        return None, None
    from agent.evaluation.scripted.oracle import ExpectationOracle
    from agent.llm.fake import ScriptedChatModel

    oracle = ExpectationOracle(schema)
    return ScriptedChatModel(oracle.reply, name="fake"), oracle


def _build_engine(
    settings: Settings, model: ChatModel | None, memory: Memory, pack: DomainPack
) -> DialogueEngine:
    from cli.compose import build_engine

    return build_engine(settings, model=model, memory=memory, pack=pack, seed=SEED)


class _EngineAdapter:
    """The runner's :class:`agent.evaluation.scripted.runner.Engine` over the real
    ``DialogueEngine``."""

    def __init__(self, engine: DialogueEngine) -> None:
        self._engine = engine

    def new_conversation(self, title: str) -> int:
        return self._engine.start_conversation(title=title).id

    def turn(self, conversation_id: int, user_text: str) -> TurnResult:
        return self._engine.turn(conversation_id, user_text)


def _test(
    dialogues: Sequence[Dialogue], settings: Settings, args: argparse.Namespace, loading: float
) -> int:
    from agent.evaluation.scripted.junit import write_junit
    from agent.evaluation.scripted.report import failure_text, timing_line, totals, verdict_line

    outcomes: list[DialogueOutcome] = []
    printing = 0.0
    for outcome in _run(dialogues, settings, args.jobs):
        mark = time.perf_counter()
        outcomes.append(outcome)
        sys.stdout.write(verdict_line(outcome) + "\n")
        if args.profile:
            sys.stdout.write(timing_line(outcome) + "\n")
        if not outcome.passed:
            sys.stdout.write(failure_text(outcome) + "\n")
        sys.stdout.flush()
        printing += time.perf_counter() - mark
    mark = time.perf_counter()
    if args.junit:
        write_junit(args.junit, outcomes)
    summary = totals(outcomes, loading + printing + time.perf_counter() - mark)
    sys.stdout.write(summary.grounding_line() + "\n")
    sys.stdout.write(summary.slots_line() + "\n")
    sys.stdout.write(summary.profile_line() + "\n")
    sys.stdout.write(summary.summary_line() + "\n")
    ran = summary.passed + summary.failed
    if summary.failed and ran and args.min_pass_rate < 1.0:
        rate = summary.passed / ran
        verdict = "meets" if rate >= args.min_pass_rate else "is below"
        sys.stdout.write(f"pass rate {rate:.1%} {verdict} the required {args.min_pass_rate:.0%}\n")
        return 0 if rate >= args.min_pass_rate else 1
    return 1 if summary.failed else 0


def _run(dialogues: Sequence[Dialogue], settings: Settings, jobs: int) -> Iterator[DialogueOutcome]:
    from agent.evaluation.scripted.runner import run_all

    for domain in dict.fromkeys(d.domain for d in dialogues):
        group = [d for d in dialogues if d.domain == domain]
        factory = factory_for(settings.model, domain, settings)
        yield from run_all(group, factory, jobs=jobs)


def _record(dialogues: Sequence[Dialogue], settings: Settings, jobs: int) -> int:
    from agent.evaluation.scripted.recorder import recorded_path, render_recording

    header = (
        f"recorded by `slotchat test --record` with model {settings.model}: review every "
        "expectation (is it what a correct bot must do?) before renaming this file"
    )
    outcomes = list(_run(dialogues, settings, jobs))
    for path in dict.fromkeys(d.path for d in dialogues):
        target = recorded_path(path)
        mine = [o for o in outcomes if o.dialogue.path == path]
        target.write_text(render_recording(mine, header), encoding="utf-8")
        sys.stdout.write(f"wrote {target} ({len(mine)} dialogues)\n")
    return 0


def _check_slots(dialogues: Sequence[Dialogue]) -> None:
    """Unknown slot names are file errors, reported before any model loads."""
    from agent.errors import ScriptError
    from agent.evaluation.scripted.files import unknown_slots
    from prompts.packs import load_pack

    problems: list[str] = []
    for domain in dict.fromkeys(d.domain for d in dialogues):
        names = load_pack(domain).schema.slot_names
        for dialogue in (d for d in dialogues if d.domain == domain):
            problems += unknown_slots(dialogue, names)
    if problems:
        raise ScriptError("\n".join(problems))
