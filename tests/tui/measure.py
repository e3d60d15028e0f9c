"""Measures the TUI's targets and prints them (numbers, not assertions; see docs/tui.md).

    python -m tests.tui.measure paint   [--runs 3]     first paint of `python main.py` in tmux
    python -m tests.tui.measure stream  [--model tiny] input echo while a reply streams, and
                                                       UI tokens/s against the runtime's own

``paint`` starts the real program in a detached 120x40 tmux session and polls ``capture-pane``
every 10 ms until the message box's placeholder is on screen; the time includes Python's start
and the tmux round trip. ``stream`` runs the app headless (Textual's test driver) over the real
engine on the mini domain (``tests.tui.fakes``), whose replies stream from a real model
(``--model tiny``) or from the scripted fake at a fixed rate (``--model fake``): while the reply
streams it posts a key press every 50 ms and times until the message box holds the new
character; at the end it compares the runtime's rate (tokens between the first and last token,
in the generation thread) with the rate at which the same tokens were on screen (first token
generated to last text appended).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def first_paint(runs: int, model: str) -> list[float]:
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed for the paint measurement")
    times = []
    for run in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            name = f"slotchat-paint-{run}"
            command = (
                f"cd {ROOT} && env -u COLUMNS -u LINES SLOTCHAT_CONFIG_DIR={tmp} "
                f"{sys.executable} main.py --model {model} --db sqlite:///{tmp}/x.db"
            )
            started = time.perf_counter()
            subprocess.run(
                [*_tmux(name), "new-session", "-d", "-s", name, "-x", "120", "-y", "40", command],
                check=True,
            )
            try:
                times.append(_wait_for(name, "Type a message", started))
            finally:
                subprocess.run([*_tmux(name), "kill-server"], capture_output=True)
    return times


def _tmux(name: str) -> list[str]:
    """A private tmux server per run: no user config, no shared server."""
    return ["tmux", "-L", name, "-f", "/dev/null"]


def _wait_for(session: str, text: str, started: float) -> float:
    while time.perf_counter() - started < 30:
        screen = subprocess.run(
            [*_tmux(session), "capture-pane", "-p", "-t", session], capture_output=True, text=True
        ).stdout
        if text in screen:
            return time.perf_counter() - started
        time.sleep(0.01)
    raise SystemExit("the app did not paint within 30 s")


async def streaming(model_name: str, tokens: int) -> dict[str, float]:
    from textual import events

    from agent.llm.fake import ScriptedChatModel
    from agent.tui.app import SlotchatApp
    from agent.tui.widgets.prompt import PromptInput
    from tests.tui.fakes import make_launch

    if model_name == "fake":
        text = " ".join(f"word{i}" for i in range(tokens // 2))
        model = ScriptedChatModel(lambda m, c: text, delay_s=1 / 60, name="fake@60tok/s")
    else:
        from agent.llm.model_factory import open_model
        from cli.settings import cache_dir

        model = open_model(model_name, cache_dir=cache_dir(), threads=2)
    with tempfile.TemporaryDirectory() as tmp:
        app = SlotchatApp(make_launch(Path(tmp), model))  # type: ignore[arg-type]
        async with app.run_test(size=(120, 40)) as pilot:
            while app.chat.engine is None:
                await pilot.pause(0.05)
            prompt = app.chat.query_one(PromptInput)
            prompt.text = "Write a long story about a trip to Cambridge."
            await pilot.press("enter")
            while not app.chat.ui_pieces:
                await asyncio.sleep(0.005)
            bridge = app.chat.bridge
            assert bridge is not None
            echoes = []
            while app.chat.bridge is not None:
                before = prompt.text
                started = time.perf_counter()
                app.post_message(events.Key("x", "x"))
                while prompt.text == before:
                    await asyncio.sleep(0.001)
                echoes.append(time.perf_counter() - started)
                await asyncio.sleep(0.05)
            bridge_first, bridge_last = bridge.first_piece_at, bridge.last_piece_at
            pieces = bridge.pieces
            ui_last = app.chat.ui_pieces[-1]
    runtime = (pieces - 1) / (bridge_last - bridge_first)
    ui = (pieces - 1) / (ui_last - bridge_first)
    return {
        "pieces": pieces,
        "runtime_tok_s": runtime,
        "ui_tok_s": ui,
        "ratio": ui / runtime,
        "echo_p50_ms": 1000 * statistics.median(echoes),
        "echo_p95_ms": 1000 * sorted(echoes)[int(0.95 * (len(echoes) - 1))],
        "echo_max_ms": 1000 * max(echoes),
        "echo_samples": len(echoes),
    }


def paint_cpu() -> dict[str, float]:
    """CPU seconds (user+sys, which the machine's load barely affects) from interpreter start to
    the end of the first refresh, headless, with the CLI's own imports and the real launch."""
    import os

    import main as cli_main
    from agent.tui.app import SlotchatApp
    from agent.tui.config import UiConfig
    from cli.chat import launch_for, settings_with_memory

    marks: dict[str, float] = {"imports": _cpu(os)}
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["chat", "--model", "fake", "--db", f"sqlite:///{tmp}/x.db"]
        args = cli_main.build_parser().parse_args(argv)
        settings = settings_with_memory(args, UiConfig())
        app = SlotchatApp(launch_for(settings, args, UiConfig(), Path(tmp) / "tui.json"))

        def painted() -> None:
            marks["first_paint"] = _cpu(os)
            app.exit()

        app.call_after_refresh(painted)
        app.run(headless=True)
    return marks


def _cpu(os: object) -> float:
    times = os.times()  # type: ignore[attr-defined]
    return float(times.user + times.system)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.tui.measure")
    parser.add_argument("what", choices=("paint", "paint-cpu", "stream"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--tokens", type=int, default=200)
    args = parser.parse_args(argv)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    if args.what == "paint":
        times = first_paint(args.runs, args.model)
        shown = ", ".join(f"{t:.2f}" for t in times)
        sys.stdout.write(
            f"{stamp} first paint (s): {shown}; median {statistics.median(times):.2f}\n"
        )
    elif args.what == "paint-cpu":
        marks = paint_cpu()
        shown = ", ".join(f"{k} {v:.2f} s" for k, v in marks.items())
        sys.stdout.write(f"{stamp} CPU from interpreter start: {shown}\n")
    else:
        result = asyncio.run(streaming(args.model, args.tokens))
        shown = ", ".join(f"{k} {v:.3g}" for k, v in result.items())
        sys.stdout.write(f"{stamp} stream ({args.model}): {shown}\n")


if __name__ == "__main__":
    main()
