"""A reader that leaves early (`slotchat models list | head -1`) ends the program quietly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_closed_pipe_ends_the_program_without_a_traceback(tmp_path: Path) -> None:
    read, write = os.pipe()
    os.close(read)  # nobody will ever read: the first write fails with EPIPE
    env = {**os.environ, "SLOTCHAT_CACHE_DIR": str(tmp_path)}
    try:
        done = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), "models", "list"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=120,
        )
    finally:
        os.close(write)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode == 141
