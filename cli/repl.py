"""`repl`: line-based chat on stdin/stdout, for pipes and plain terminals.

One line in, one reply out, through the whole engine and the memory store. In a terminal the
reply streams as it is written (and is redrawn if the grounding check replaces it), with a
``> `` prompt; in a pipe there is no prompt and each reply is printed whole once it is final.
``--show-state`` adds one JSON line after each reply. End of input exits 0; Ctrl-C during a
reply stops the reply (what was written is kept, marked cut off), a second Ctrl-C or one at the
prompt quits with exit code 130. ``--conversation ID`` first answers a turn an interruption
left unanswered (a booking it made is shown, not made again).

Another window on the same conversation: a line sent while its turn is answered waits for it,
and the turns it added are shown (on stderr) before the reply (``cli.arrivals``); a line sent
to a conversation deleted in another window is refused with one line, and the repl reads on.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from cli.arrivals import SeenHead, describe
from cli.settings import Settings, command_parser

CUT_OFF = "[stopped]"  # after a reply the user stopped with Ctrl-C

if TYPE_CHECKING:
    from agent.domain import Act, DialogueState, TurnResult
    from agent.engine.dialogue import DialogueEngine


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
    resumed = _resume(engine, conversation_id, interactive)
    if resumed is not None:
        _show(resumed, args.show_state)
    seen = SeenHead(engine.memory, conversation_id)
    return _loop(engine, seen, interactive, args.show_state)


def _loop(engine: DialogueEngine, seen: SeenHead, interactive: bool, show: bool) -> int:
    from agent.ports import ConversationChanged

    while True:
        line = _read(interactive)
        if line is None:
            return 0
        try:
            result = _turn(engine, seen, line, interactive)
        except ConversationChanged as error:
            sys.stderr.write(f"slotchat: {error}\n")
            sys.stderr.flush()
            continue
        seen.turn_id = result.reply_turn_id
        _show(result, show)


def _show(result: TurnResult, show_state: bool) -> None:
    if show_state:
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


def _turn(engine: DialogueEngine, seen: SeenHead, text: str, live: bool) -> TurnResult:
    """One line through the engine: waits while another window's turn of the conversation is
    being answered, and shows what that window added before this line's reply."""
    conversation_id = seen.conversation_id
    if live and engine.memory.being_answered(conversation_id):
        sys.stderr.write(f"(conversation {conversation_id}: waiting for another window's reply)\n")

    def arrivals() -> None:
        sys.stderr.write(describe(conversation_id, *seen.arrived()))
        sys.stderr.flush()

    return _in_worker(
        lambda printer, cancel: engine.turn(conversation_id, text, listener=printer, cancel=cancel),
        live,
        before_reply=arrivals,
    )


def _resume(engine: DialogueEngine, conversation_id: int, live: bool) -> TurnResult | None:
    """Answer the turn an interruption left unanswered before reading new lines."""
    if not engine.pending(conversation_id):
        return None
    if live:
        sys.stderr.write("(the last reply was cut off; answering it again)\n")
    return _in_worker(
        lambda printer, cancel: engine.resume(conversation_id, listener=printer, cancel=cancel),
        live,
    )


def _in_worker(
    run: Callable[[_Printer, threading.Event], TurnResult | None],
    live: bool,
    before_reply: Callable[[], None] | None = None,
) -> TurnResult:
    """Run a turn in a worker thread so that Ctrl-C can stop the reply between tokens.

    The main thread waits by polling an Event (not ``Thread.join``: on CPython 3.11 a join
    interrupted by KeyboardInterrupt leaves the thread marked stopped while it still runs). The
    first Ctrl-C stops the reply and keeps what was shown, marked cut off; a second one leaves
    at once with exit code 130 (``os._exit``: the worker may be inside llama.cpp, and every
    write of the turn is already its own committed transaction)."""
    printer = _Printer(live, before_reply)
    cancel, done = threading.Event(), threading.Event()
    outcome: list[TurnResult | BaseException | None] = []

    def work() -> None:
        try:
            outcome.append(run(printer, cancel))
        except BaseException as error:  # handed to the main thread below
            outcome.append(error)
        finally:
            done.set()

    threading.Thread(target=work, name="slotchat-turn", daemon=True).start()
    _wait(done, cancel)
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    assert result is not None  # noqa: S101 - callers run only when there is a turn to answer
    printer.finish(result.reply, cut_off=result.meta.cut_off)
    return result


def _wait(done: threading.Event, cancel: threading.Event) -> None:
    while not done.is_set():
        try:
            done.wait(0.05)
        except KeyboardInterrupt:
            if cancel.is_set():
                _quit_now()
            cancel.set()


def _quit_now() -> None:
    sys.stdout.write("\n")
    sys.stdout.flush()
    sys.stderr.write("slotchat: interrupted\n")
    sys.stderr.flush()
    os._exit(130)


class _Printer:
    """TurnListener for the terminal: streams live, or holds the reply back in a pipe."""

    def __init__(self, live: bool, before_reply: Callable[[], None] | None = None) -> None:
        self._live = live
        self._shown = ""
        self._before = before_reply

    def on_state(self, state: DialogueState, act: Act) -> None:
        self._starting()

    def _starting(self) -> None:
        """Once, before the reply: the state is merged, the reply not yet begun."""
        before, self._before = self._before, None
        if before is not None:
            before()

    def on_token(self, text: str) -> None:
        self._starting()
        if self._live:
            sys.stdout.write(text)
            sys.stdout.flush()
        self._shown += text

    def on_replace(self, text: str) -> None:
        if self._live:
            sys.stdout.write(_erase(self._shown) + text)
            sys.stdout.flush()
        self._shown = text

    def finish(self, reply: str, *, cut_off: bool = False) -> None:
        mark = f" {CUT_OFF}" if cut_off else ""
        sys.stdout.write(f"{mark}\n\n" if self._live else f"{reply.strip()}{mark}\n")


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
    """Korean in, Korean out, whatever the locale says; bytes that are not UTF-8 become U+FFFD
    (the line is still answered) instead of ending the program."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(encoding="utf-8", errors="replace")
