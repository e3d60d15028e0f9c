"""Real processes: two writers on one SQLite file lose nothing; ``kill -9`` in the middle of a
streamed reply leaves the user turn and a cut-off reply, and a consistent database."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage import open_memory
from storage.engine import parse_url, sqlite_path

WORKERS = Path(__file__).with_name("_workers.py")
PER_WRITER = 300


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKERS), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_two_writer_processes_lose_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/shared.db"
    with open_memory(url) as memory:
        cid = memory.create_conversation(title="two terminals", domain="d", model="m").id
    start_at = str(time.time() + 3)
    writers = [
        _spawn("writer", url, str(cid), str(PER_WRITER), tag, start_at) for tag in ("left", "right")
    ]
    for process in writers:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    with open_memory(url) as memory:
        branch = memory.active_branch(cid)
        assert memory.turn_counts() == {cid: 2 * PER_WRITER}
        # appends were serialized: each one went below the previous head, one single branch
        assert len(branch) == 2 * PER_WRITER
        for tag in ("left", "right"):
            mine = [t.text for t in branch if t.text.startswith(tag)]
            assert mine == [f"{tag} {i}" for i in range(PER_WRITER)]


@pytest.mark.slow
def test_processes_creating_the_database_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    start_at = str(time.time() + 3)
    creators = [_spawn("create", url, start_at) for _ in range(3)]
    for process in creators:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    with open_memory(url) as memory:
        assert len(memory.list_conversations()) == 3


def test_kill_9_during_a_streamed_reply(db_url: str) -> None:
    process = _spawn("stream", db_url)
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line.startswith("STREAMING"), process.stderr.read() if process.stderr else ""
        time.sleep(0.3)  # let it commit a few dozen more tokens
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    cid = int(line.split()[1])
    with open_memory(db_url) as memory:
        user, reply = memory.active_branch(cid)
        assert (user.role, user.text, user.complete) == (
            "user",
            "find me a cheap italian place",
            True,
        )
        assert reply.role == "assistant" and reply.complete is False  # shown as cut off
        assert reply.text.startswith("Pizza Hut City Centre") and reply.text.endswith(" ")
        assert [h.turn_id for h in memory.search("cheap italian place")] == [user.id]
    path = sqlite_path(parse_url(db_url))
    if path is not None:
        connection = sqlite3.connect(path)
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        connection.execute("INSERT INTO turns_fts(turns_fts) VALUES ('integrity-check')")
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        connection.close()
