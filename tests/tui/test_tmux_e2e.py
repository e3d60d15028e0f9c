"""The real program in a real terminal: ``python main.py --model tiny`` inside tmux.

Types a restaurant request, waits for the reply and the state panel, quits, starts again and
finds the conversation by search. Reads the screen with ``tmux capture-pane`` only.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUEST = "I want a cheap italian restaurant in the centre"
BOOK = "Book a table at Zizzi Cambridge for 2 people on Friday at 18:00."
_BOOKED = re.compile(r"restaurant [A-Z0-9]{8} zizzi cambridge", re.IGNORECASE)

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.model,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


class Terminal:
    """A tmux session on a private server socket (no user config, no shared server)."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        self.env = env

    def tmux(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        command = ["tmux", "-L", self.name, "-f", "/dev/null", *args]
        return subprocess.run(command, capture_output=True, text=True, check=check)

    def start(self, args: str) -> None:
        exports = " ".join(f"{k}={v}" for k, v in self.env.items())
        # on a crash keep the pane (and its error) on screen for the failure message
        # (-u COLUMNS/LINES: pytest's values would make Textual ignore the pane's real size)
        program = f"env -u COLUMNS -u LINES {exports} {sys.executable} main.py {args}"
        command = f"cd {ROOT} && {program} || sleep 60"
        self.tmux(
            "new-session", "-d", "-s", self.name, "-x", "120", "-y", "40", command, check=True
        )

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name).stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        flags = ["-l"] if literal else []
        self.tmux("send-keys", "-t", self.name, *flags, *keys, check=True)

    def alive(self) -> bool:
        return self.tmux("has-session", "-t", self.name).returncode == 0

    def wait(self, condition: Callable[[str], bool], timeout: float, what: str) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if condition(screen):
                return screen
            time.sleep(0.25)
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{self.screen()}")

    def close(self) -> None:
        self.tmux("kill-session", "-t", self.name)

    def shutdown(self) -> None:
        self.tmux("kill-server")


@pytest.fixture
def terminal(tmp_path: Path) -> Terminal:
    env = {
        "SLOTCHAT_CONFIG_DIR": str(tmp_path / "config"),
        "SLOTCHAT_DATA_DIR": str(tmp_path / "data"),
        "TERM": "xterm-256color",
    }
    term = Terminal(f"slotchat-e2e-{os.getpid()}", env)
    yield term
    term.shutdown()


_LOADING = ("loading model", "preparing", "reading the domain")


def _replied(screen: str) -> bool:
    return "slotchat" in screen and "thinking…" not in screen and "– tok/s" not in screen


def test_chat_state_panel_quit_and_find_again(terminal: Terminal, tmp_path: Path) -> None:
    args = f"--model tiny --threads 2 --db sqlite:///{tmp_path}/x.db"
    terminal.start(args)
    terminal.wait(lambda s: "Type a message" in s, 60, "the first paint")
    terminal.keys(REQUEST, literal=True)
    terminal.keys("Enter")
    screen = terminal.wait(_replied, 600, "the reply")
    assert REQUEST in screen, screen
    assert "What I understood" in screen
    assert "(next: " in screen  # the policy's act, shown when on_state arrived
    assert "restaurant-food" in screen and "italian" in screen.split("restaurant-food", 1)[1]
    assert "model tiny · " in screen and "tok/s" in screen and "ctx " in screen
    # book a table: the engine asks for confirmation first, then the panel lists the booking
    terminal.keys(BOOK, literal=True)
    terminal.keys("Enter")
    terminal.wait(lambda s: _replied(s) and "(next: confirm" in s, 600, "the confirmation")
    terminal.keys("Yes please.", literal=True)
    terminal.keys("Enter")
    screen = terminal.wait(lambda s: _replied(s) and _BOOKED.search(s) is not None, 600, "booking")
    terminal.keys("C-q")
    deadline = time.monotonic() + 30
    while terminal.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not terminal.alive(), "the app did not quit on Ctrl+Q"

    terminal.start(args)
    terminal.wait(lambda s: "Type a message" in s, 30, "the second start")
    # Known gap: keys typed into the search box while the engine is still loading were seen to
    # get lost in a real terminal; wait for the model (the loading label goes away) first.
    terminal.wait(lambda s: not any(w in s for w in _LOADING), 300, "the model")
    terminal.keys("C-o")
    terminal.wait(lambda s: "Conversations" in s and "cheap italian" in s, 30, "the sessions")
    terminal.keys("/")
    time.sleep(0.5)
    terminal.keys("italian", literal=True)
    terminal.wait(lambda s: "  italian" in s, 10, "the search text")
    terminal.keys("Enter")
    terminal.wait(lambda s: "user: " in s and "italian" in s, 30, "the search hit")
    terminal.keys("Enter")
    screen = terminal.wait(lambda s: REQUEST in s and "Conversations" not in s, 30, "the jump")
    terminal.keys("C-q")


def test_ctrl_c_stops_the_reply_then_quits_with_130(terminal: Terminal, tmp_path: Path) -> None:
    """Ctrl-C as a person presses it: the streamed words stay, marked cut off; a second Ctrl-C
    quits and the shell sees exit code 130."""
    terminal.env["SLOTCHAT_FAKE_DELAY_S"] = "0.3"
    status = tmp_path / "status"
    terminal.start(f"--model fake --db sqlite:///{tmp_path}/c.db; echo $? > {status}")
    terminal.wait(lambda s: "Type a message" in s, 60, "the first paint")
    terminal.wait(lambda s: not any(w in s for w in _LOADING), 120, "the model")
    terminal.keys("hello there, how are you doing today", literal=True)
    terminal.keys("Enter")
    terminal.wait(lambda s: "(fake model)" in s, 60, "the reply streaming")
    terminal.keys("C-c")
    screen = terminal.wait(lambda s: "cut off" in s, 30, "the reply marked cut off")
    assert "(fake model)" in screen
    assert terminal.alive()
    terminal.keys("C-c")
    deadline = time.monotonic() + 30
    while not status.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status.read_text().strip() == "130"
