"""Two real slotchat processes (`main.py repl --model fake`) writing one database at once: on two
conversations and on the same one, 200 turns each, on one SQLite file and on PostgreSQL.

Nothing may be lost or written twice, and every reply must hang right below its own user turn
in the tree, whatever the other process did in between. On the same conversation a turn waits
for the other process's turn to end (the turn lock), so the active branch is one straight
story holding all 800 turns.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import IO

import pytest

from storage import open_memory
from storage.store import SqlMemory
from tests.storage.conftest import REPO

TURNS = 200
pytestmark = pytest.mark.slow


def _repl(url: str, conversation_id: int, stderr: IO[str]) -> subprocess.Popen[str]:
    """Its stderr goes to a file: on one conversation each process notes the other's turns
    before its replies (``cli.arrivals``), more than a pipe holds unread."""
    return subprocess.Popen(
        [sys.executable, "main.py", "--model", "fake", "--db", url, "repl"]
        + ["--conversation", str(conversation_id), "--responder", "template"],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
        env={**os.environ, "SLOTCHAT_FAKE_DELAY_S": "0"},
    )


def _wait_until_reading(process: subprocess.Popen[str]) -> None:
    """Until the repl blocks on stdin: it has opened the conversation and checked for a turn an
    interruption left unanswered (a reply another live process is writing looks the same)."""
    deadline = time.monotonic() + 120
    wchan = Path(f"/proc/{process.pid}/wchan")
    while "pipe_read" not in wchan.read_text():
        assert process.poll() is None and time.monotonic() < deadline, "the repl did not start"
        time.sleep(0.05)


def _run_both(url: str, conversations: tuple[int, int], logs: Path) -> float:
    files = [(logs / f"repl-{tag}.err").open("w+", encoding="utf-8") for tag in "AB"]
    processes = [_repl(url, cid, err) for cid, err in zip(conversations, files, strict=True)]
    for process in processes:
        _wait_until_reading(process)
    started = time.perf_counter()
    for process, tag in zip(processes, "AB", strict=True):
        assert process.stdin is not None
        process.stdin.write("".join(f"{tag} says hello number {i}\n" for i in range(TURNS)))
        process.stdin.close()
    for process in processes:
        process.wait(timeout=600)
    seconds = time.perf_counter() - started
    for process, err in zip(processes, files, strict=True):
        err.seek(0)
        text = err.read()
        err.close()
        assert process.returncode == 0, text
        assert "Traceback" not in text
    return seconds


def _problems(memory: SqlMemory, conversation_id: int, tags: str) -> dict[str, int]:
    """Lost and duplicated user turns, and replies not right below their own user turn."""
    turns = memory.all_turns(conversation_id)
    users = Counter(t.text for t in turns if t.role == "user")
    wanted = {f"{tag} says hello number {i}" for tag in tags for i in range(TURNS)}
    by_id = {t.id: t for t in turns}
    replies = Counter(t.parent_id for t in turns if t.role == "assistant")
    misplaced = sum(
        1
        for t in turns
        if t.role == "assistant" and (t.parent_id is None or by_id[t.parent_id].role != "user")
    )
    return {
        "lost": len(wanted - set(users)),
        "duplicated": sum(n - 1 for n in users.values()),
        "unanswered": sum(1 for t in turns if t.role == "user" and replies[t.id] == 0),
        "answered twice": sum(n - 1 for n in replies.values() if n > 1),
        "misplaced": misplaced,
        "incomplete": sum(1 for t in turns if not t.complete),
    }


def _report(kind: str, url: str, seconds: float, turns: int) -> None:
    backend = url.split(":", 1)[0]
    sys.stderr.write(f"\n{kind} {backend}: {turns} turns stored in {seconds:.1f} s\n")


@pytest.mark.parametrize("kind", ["different", "same"])
def test_two_repl_processes_lose_nothing(db_url: str, kind: str, tmp_path: Path) -> None:
    with open_memory(db_url) as memory:
        first = memory.create_conversation(title="A", domain="cambridge", model="fake").id
        second = (
            first
            if kind == "same"
            else memory.create_conversation(title="B", domain="cambridge", model="fake").id
        )
    seconds = _run_both(db_url, (first, second), tmp_path)
    with open_memory(db_url) as memory:
        if kind == "same":
            found = _problems(memory, first, "AB")
            stored = len(memory.all_turns(first))
            # turns take the conversation's turn lock one after the other: one straight story
            roles = [t.role for t in memory.active_branch(first)]
            assert roles == ["user", "assistant"] * 2 * TURNS
        else:
            found = {
                k: a + b
                for (k, a), b in zip(
                    _problems(memory, first, "A").items(),
                    _problems(memory, second, "B").values(),
                    strict=True,
                )
            }
            stored = len(memory.all_turns(first)) + len(memory.all_turns(second))
            for cid in (first, second):  # alone on a conversation: one straight branch
                roles = [t.role for t in memory.active_branch(cid)]
                assert roles == ["user", "assistant"] * TURNS
    _report(kind, db_url, seconds, stored)
    assert found == dict.fromkeys(found, 0)
    assert stored == 4 * TURNS


def _fork_at_once(url: str, turn_id: int, rounds: int) -> list[tuple[int, int]]:
    """Per round, two processes edit ``turn_id`` at the same moment; their new turns' ids."""
    worker = str(Path(__file__).with_name("_workers.py"))
    ids = []
    for round_ in range(rounds):
        start_at = f"{time.time() + 1.5:.3f}"
        processes = [
            subprocess.Popen(
                [sys.executable, worker, "fork", url, str(turn_id), f"{tag}{round_}", start_at],
                stdout=subprocess.PIPE,
                text=True,
            )
            for tag in "AB"
        ]
        a, b = (int(p.communicate(timeout=60)[0]) for p in processes)
        ids.append((a, b))
    return ids


def test_two_edits_of_the_same_turn_at_once_keep_both_and_the_later_wins(db_url: str) -> None:
    """What the store defines today: each edit is its own sibling (nothing is overwritten), and
    the conversation's head is the edit committed last (``_lock_head`` queues the two)."""
    with open_memory(db_url) as memory:
        cid = memory.create_conversation(title="edits", domain="cambridge", model="fake").id
        original = memory.append_turn(cid, "user", "a table for two")
        memory.append_turn(cid, "assistant", "which day?")
    pairs = _fork_at_once(db_url, original.id, rounds=3)
    with open_memory(db_url) as memory:
        texts = [t.text for t in memory.siblings(original.id)]
        head = memory.active_branch(cid)[-1]
    assert sorted(texts) == sorted(
        ["a table for two"] + [f"{t}{r}" for r in range(3) for t in "AB"]
    )
    assert head.id == max(pairs[-1])  # ids are taken under the lock: the later commit wins
    assert head.text in {"A2", "B2"}
