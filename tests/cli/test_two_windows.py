"""Two `repl` windows on one conversation, as real processes over a real SQLite file and a real
PostgreSQL database (the ``fake`` model): a line sent while the other window's reply streams
waits for it and goes below it, with the other window's turns shown first; a line sent to a
conversation deleted in another window is refused with one line and the repl reads on."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

from storage import open_memory
from tests.storage.conftest import db_url  # noqa: F401 - the SQLite and PostgreSQL fixture

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


class Window:
    """A ``repl --conversation ID`` process; its stdout and stderr lines read as they come."""

    def __init__(self, url: str, conversation_id: int, delay_s: float = 0.0) -> None:
        env = {**os.environ, "SLOTCHAT_FAKE_DELAY_S": str(delay_s), "PYTHONIOENCODING": "utf-8"}
        command = [sys.executable, "main.py", "--model", "fake", "--db", url, "repl"]
        self.process = subprocess.Popen(
            [*command, "--conversation", str(conversation_id), "--responder", "template"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=env,
            text=True,
        )
        self.out: queue.Queue[str] = queue.Queue()
        self.err: list[str] = []
        self._err_lines: queue.Queue[str] = queue.Queue()
        assert self.process.stdout is not None and self.process.stderr is not None
        _pump(self.process.stdout, self.out.put)
        _pump(self.process.stderr, lambda line: (self.err.append(line), self._err_lines.put(line)))

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def reply(self, timeout: float = 120) -> str:
        return self.out.get(timeout=timeout).rstrip("\n")

    def stderr_line(self, containing: str, timeout: float = 120) -> str:
        until = time.monotonic() + timeout
        while True:
            line = self._err_lines.get(timeout=max(0.1, until - time.monotonic()))
            if containing in line:
                return line.rstrip("\n")

    def close(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.close()
        return self.process.wait(timeout=120)


def _pump(stream: IO[str], put: Callable[[str], object]) -> None:
    def run() -> None:
        for line in stream:
            put(line)

    threading.Thread(target=run, daemon=True).start()


def _eventually(check: Callable[[], bool], timeout: float = 120) -> None:
    until = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < until, "timed out"
        time.sleep(0.05)


def _reading(window: Window) -> None:
    """Until the repl blocks on stdin (it has opened the conversation)."""
    wchan = Path(f"/proc/{window.process.pid}/wchan")
    _eventually(lambda: "pipe_read" in wchan.read_text())


def test_a_line_sent_while_the_other_window_answers_waits_and_goes_below_its_reply(
    db_url: str,  # noqa: F811
) -> None:
    with open_memory(db_url) as memory:
        cid = memory.create_conversation(title="shared", domain="cambridge", model="fake").id
    slow, quick = Window(db_url, cid, delay_s=0.15), Window(db_url, cid)
    for window in (slow, quick):
        _reading(window)
    with open_memory(db_url) as memory:
        slow.send("I want a cheap italian restaurant in the centre")
        _eventually(lambda: bool(memory.all_turns(cid)) and memory.being_answered(cid))
        quick.send("thanks, that is all")  # while the other window's turn is being answered
        time.sleep(1)
        assert len(memory.all_turns(cid)) < 4  # the slow turn is not done: the quick one waits
        first, second = slow.reply(), quick.reply()
        assert slow.close() == 0 and quick.close() == 0
        branch = memory.active_branch(cid)
        tree = memory.all_turns(cid)
    assert [(t.role, t.complete) for t in branch] == [("user", True), ("assistant", True)] * 2
    assert [t.text for t in branch[::2]] == [
        "I want a cheap italian restaurant in the centre",
        "thanks, that is all",
    ]
    assert len(tree) == 4  # one story: nothing on a side branch
    assert branch[1].text == first and branch[3].text == second
    arrived = "".join(quick.err)
    assert f"conversation {cid}: 2 new turns from another window:" in arrived
    assert "  > I want a cheap italian restaurant in the centre" in arrived
    assert "Traceback" not in arrived + "".join(slow.err)


def test_a_line_sent_to_a_conversation_deleted_in_another_window_is_refused(
    db_url: str,  # noqa: F811
) -> None:
    with open_memory(db_url) as memory:
        cid = memory.create_conversation(title="shared", domain="cambridge", model="fake").id
    window = Window(db_url, cid)
    _reading(window)
    window.send("I want a cheap italian restaurant in the centre")
    window.reply()
    with open_memory(db_url) as memory:
        memory.delete(cid)  # the other window: `sessions delete`
        before = len(memory.all_turns(cid))
        window.send("book it for 2 people on friday at 18:00")
        line = window.stderr_line("slotchat:")
        assert line == (
            f"slotchat: conversation {cid} was deleted; your message was not "
            f"sent; restore it with `slotchat sessions restore {cid}`"
        )
        assert len(memory.all_turns(cid)) == before  # nothing written
        memory.restore(cid)
        window.send("book it for 2 people on friday at 18:00")  # the repl read on
        assert "2" in window.reply()
        assert window.close() == 0
        users = [t.text for t in memory.active_branch(cid) if t.role == "user"]
    assert users == [
        "I want a cheap italian restaurant in the centre",
        "book it for 2 people on friday at 18:00",
    ]
    assert "Traceback" not in "".join(window.err)
