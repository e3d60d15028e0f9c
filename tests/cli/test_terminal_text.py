"""Terminal escapes in stored text are shown, not obeyed, by `sessions list/show/search`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cli.terminal_text import printable
from storage import open_memory

ROOT = Path(__file__).resolve().parents[2]
EVIL = "x\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x9b1m\x00end"


def test_printable_writes_controls_out_and_keeps_lines_and_korean() -> None:
    assert printable("a\nb\tc 한국어") == "a\nb\tc 한국어"
    shown = printable(EVIL)
    assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
    assert shown == "x\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mred\\x9b1m\\x00end"
    assert printable(shown) == shown


def test_sessions_commands_neutralise_stored_escapes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    with open_memory(url) as memory:
        conversation = memory.create_conversation(title=EVIL, domain="cambridge", model="m").id
        memory.append_turn(conversation, "user", f"find pwned {EVIL}")
    env = {**os.environ, "SLOTCHAT_DATA_DIR": str(tmp_path)}
    for args in (["list"], ["show", str(conversation)], ["search", "pwned"]):
        done = subprocess.run(
            [sys.executable, "main.py", "--db", url, "sessions", *args],
            capture_output=True, text=True, cwd=ROOT, env=env, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "\x1b" not in done.stdout and "\x07" not in done.stdout, args
        assert "\\x1b" in done.stdout, (args, done.stdout)
