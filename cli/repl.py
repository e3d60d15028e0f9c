"""`repl`: line-based chat on stdin/stdout, for pipes and plain terminals.

One line in, one reply out, through the whole engine and the memory store. In a terminal the
reply streams as it is written (and is redrawn if the grounding check replaces it), with a
``> `` prompt; in a pipe there is no prompt and each reply is printed whole once it is final.
``--show-state`` adds one JSON line after each reply. End of input exits 0; Ctrl-C during a
reply stops the reply (what was written is kept, marked cut off), at the prompt it quits.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import threading
from typing import TYPE_CHECKING, TextIO

from cli.settings import Settings, command_parser

if TYPE_CHECKING:
    from agent.dialogue import DialogueEngine
    from agent.domain import Act, DialogueState, TurnResult


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(commands, "repl", "line-based chat on stdin/stdout")
    parser.add_argument(
        "--show-state",
        action="store_true",
        help="after each reply print the state as one JSON line",
    )
    parser.add_argument(
        "--conversation", type=int, metavar="ID", help="continue a stored conversation"
    )
    parser.add_argument(
        "--responder",
        choices=("model", "template"),
        default="model",
        help="who phrases task replies: the model (checked, template fallback) or templates",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cli.compose import build_engine

    settings = Settings.from_args(args)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    _utf8(sys.stdout)
    _utf8(sys.stdin)
    progress = _progress if interactive else None
    engine = build_engine(settings, progress=progress, responder=args.responder)
    if args.conversation is not None:
        conversation_id = engine.memory.get_conversation(args.conversation).id
    else:
        conversation_id = engine.start_conversation(title="repl").id
    if interactive:
        sys.stderr.write(f"conversation {conversation_id}; Ctrl-D to quit\n")
    return _loop(engine, conversation_id, interactive, args.show_state)


def _loop(engine: DialogueEngine, conversation_id: int, interactive: bool, show: bool) -> int:
    while True:
        line = _read(interactive)
        if line is None:
            return 0
        result = _turn(engine, conversation_id, line, interactive)
        if show:
            sys.stdout.write(state_line(result) + "\n")
        sys.stdout.flush()


def _read(interactive: bool) -> str | None:
    try:
        if interactive:
            return input("> ")
        line = sys.stdin.readline()
        return line.rstrip("\r\n") if line else None
    except EOFError:
        if interactive:
            sys.stdout.write("\n")
        return None


def _turn(engine: DialogueEngine, conversation_id: int, text: str, live: bool) -> TurnResult:
    """Run the turn in a worker so that Ctrl-C can cancel the reply between tokens."""
    printer = _Printer(live)
    cancel = threading.Event()
    outcome: list[TurnResult | BaseException] = []

    def work() -> None:
        try:
            outcome.append(engine.turn(conversation_id, text, listener=printer, cancel=cancel))
        except BaseException as error:  # handed to the main thread below
            outcome.append(error)

    worker = threading.Thread(target=work, name="slotchat-turn", daemon=True)
    worker.start()
    try:
        worker.join()
    except KeyboardInterrupt:
        cancel.set()
        worker.join()
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    printer.finish(result.reply)
    return result


class _Printer:
    """TurnListener for the terminal: streams live, or holds the reply back in a pipe."""

    def __init__(self, live: bool) -> None:
        self._live = live
        self._shown = ""

    def on_state(self, state: DialogueState, act: Act) -> None:
        pass

    def on_token(self, text: str) -> None:
        if self._live:
            sys.stdout.write(text)
            sys.stdout.flush()
        self._shown += text

    def on_replace(self, text: str) -> None:
        if self._live:
            sys.stdout.write(_erase(self._shown) + text)
            sys.stdout.flush()
        self._shown = text

    def finish(self, reply: str) -> None:
        sys.stdout.write("\n" if self._live else reply.strip() + "\n")
        if self._live:
            sys.stdout.write("\n")


def _erase(shown: str) -> str:
    """ANSI codes that move back over ``shown`` (wrapped at the terminal width) and clear it."""
    width = max(1, shutil.get_terminal_size().columns)
    rows = sum(max(1, -(-len(line) // width)) for line in shown.split("\n"))
    up = f"\x1b[{rows - 1}A" if rows > 1 else ""
    return f"{up}\r\x1b[J"


def state_line(result: TurnResult) -> str:
    """The ``--show-state`` line: state, intents, requested slots, act, booking reference."""
    state = result.state
    record = {
        "state": dict(state.slots),
        "intents": dict(state.intents),
        "requested": sorted(state.requested),
        "act": result.act.type.value,
        "booking": result.booking.reference if result.booking else None,
        "conversation": result.conversation_id,
    }
    return json.dumps(record, ensure_ascii=False, sort_keys=False)


def _progress(what: str, fraction: float | None) -> None:
    done = f" {fraction:.0%}" if fraction is not None else ""
    sys.stderr.write(f"\r{what}{done}\x1b[K")
    if fraction is None or fraction >= 1:
        sys.stderr.write("\n")


def _utf8(stream: TextIO) -> None:
    """Korean in, Korean out, whatever the locale says."""
    if (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8":
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")
