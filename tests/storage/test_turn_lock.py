"""A turn being answered is marked by a lock that dies with its process (SQLite file and
PostgreSQL): another process sees "being answered" while the holder lives, and not after a
SIGKILL, at once, with no lease to wait out."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from storage import open_memory

ROOT = Path(__file__).resolve().parents[2]
HOLDER = """
import sys, time
from storage import open_memory
memory = open_memory(sys.argv[1])
with memory.answering(int(sys.argv[2])):
    print("holding", flush=True)
    time.sleep(120)
"""


def _holder(url: str, conversation: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url, str(conversation)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "holding"
    return process


def _eventually(check: object, timeout: float = 10) -> bool:
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_a_held_turn_is_seen_by_others_until_its_process_dies(db_url: str) -> None:
    memory = open_memory(db_url)
    try:
        conversation = memory.create_conversation(title="t", domain="d", model="m").id
        other = memory.create_conversation(title="u", domain="d", model="m").id
        assert not memory.being_answered(conversation)
        holder = _holder(db_url, conversation)
        try:
            assert memory.being_answered(conversation)
            assert not memory.being_answered(other)  # one lock per conversation
        finally:
            holder.kill()
            holder.wait()
        assert _eventually(lambda: not memory.being_answered(conversation))
        with memory.answering(conversation):  # this process's own hold is not another's
            assert not memory.being_answered(other)
    finally:
        memory.close()
