"""Processes for the reliability tests: run as ``python tests/storage/_workers.py KIND URL …``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from storage import open_memory  # noqa: E402

WORDS = [
    "Pizza",
    "Hut",
    "City",
    "Centre",
    "is",
    "a",
    "cheap",
    "Italian",
    "restaurant",
    "in",
    "the",
    "centre",
    "of",
    "town",
    ".",
]


def writer(url: str, conversation_id: int, count: int, tag: str, start_at: float) -> None:
    with open_memory(url) as memory:
        time.sleep(max(0.0, start_at - time.time()))  # both writers start together
        for index in range(count):
            memory.append_turn(conversation_id, "user", f"{tag} {index}")


def create(url: str, start_at: float) -> None:
    """Open a database that may not exist yet, at the same moment as other processes."""
    time.sleep(max(0.0, start_at - time.time()))
    with open_memory(url) as memory:
        memory.create_conversation(title="race", domain="d", model="m")


def fork(url: str, turn_id: int, text: str, start_at: float, seen: int | None) -> None:
    """Edit the same user turn as another process at the same moment; print the new turn's id,
    or ``REFUSED`` and the message when the view ``seen`` (the head) had gone stale."""
    from agent.ports import ConversationChanged

    with open_memory(url) as memory:
        time.sleep(max(0.0, start_at - time.time()))
        try:
            sys.stdout.write(f"{memory.fork(turn_id, text, expected_head=seen).id}\n")
        except ConversationChanged as refused:
            sys.stdout.write(f"REFUSED {refused}\n")


def stream(url: str) -> None:
    """Append a user turn and a reply that streams forever, one committed update per token."""
    with open_memory(url) as memory:
        conversation = memory.create_conversation(title="crash", domain="d", model="m")
        memory.append_turn(conversation.id, "user", "find me a cheap italian place")
        reply = memory.append_turn(conversation.id, "assistant", "", complete=False)
        text = ""
        for index in range(10**9):
            text += WORDS[index % len(WORDS)] + " "
            memory.update_turn(reply.id, text=text)
            if index == 0:
                sys.stdout.write(f"STREAMING {conversation.id}\n")
                sys.stdout.flush()
            time.sleep(0.002)


if __name__ == "__main__":
    kind, url, *rest = sys.argv[1:]
    if kind == "writer":
        writer(url, int(rest[0]), int(rest[1]), rest[2], float(rest[3]))
    elif kind == "fork":
        fork(url, int(rest[0]), rest[1], float(rest[2]), int(rest[3]) if rest[3:] else None)
    elif kind == "create":
        create(url, float(rest[0]))
    else:
        stream(url)
