"""A one-line progress bar on stderr for assembling a model pack (the one-time, multi-second
step of a first start). Used when the caller passes no progress callback of its own."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class StderrProgress:
    def __init__(self, label: str, stream: TextIO | None = None, *, every_s: float = 0.2) -> None:
        self._label = label
        self._stream = stream or sys.stderr
        self._every_s = every_s
        self._shown = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        finished = total > 0 and done >= total
        if not finished and now - self._shown < self._every_s:
            return
        self._shown = now
        fraction = done / total if total else 1.0
        bar = "#" * int(fraction * 30)
        self._stream.write(
            f"\r{self._label} [{bar:<30}] {fraction:4.0%} "
            f"{done / 1e6:6.0f}/{total / 1e6:.0f} MB" + ("\n" if finished else "")
        )
        self._stream.flush()
