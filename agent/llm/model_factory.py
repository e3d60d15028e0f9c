"""One entry point that turns ``--model`` into a ready ``ChatModel``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from agent.errors import UsageError
from agent.ports import ChatModel

if TYPE_CHECKING:
    from agent.llm.packs import ByteProgress


def open_model(
    spec: str,
    *,
    cache_dir: Path,
    threads: int = 2,
    n_ctx: int = 4096,
    seed: int = 0,
    progress: ByteProgress | None = None,
) -> ChatModel:
    """A chat model for a pack name (``default``, ``tiny``, ``gemma``, ``large``), a ``.gguf``
    path, or ``fake`` (the scripted echo model, for running the program without weights; it waits
    ``SLOTCHAT_FAKE_DELAY_S`` seconds before each piece, so that tests can interrupt a reply
    as it streams).

    Pack files are assembled into ``cache_dir`` on first use; ``progress(done, total)`` is
    called with bytes while that happens (default: a one-line bar on stderr). Raises
    ``UsageError`` for bad numbers and ``ModelError`` subclasses for missing or bad files.
    """
    if threads < 1:
        raise UsageError(f"--threads must be at least 1 (got {threads}); try --threads 2")
    if n_ctx < 64:
        raise UsageError(f"the context size must be at least 64 tokens (got {n_ctx})")
    if spec == "fake":
        from agent.llm.fake import ScriptedChatModel, echo_reply

        delay = _fake_delay()
        return ScriptedChatModel(echo_reply, name="fake", context_size=n_ctx, delay_s=delay)
    from agent.llm.packs import PACKS, resolve
    from agent.llm.runtime import LlamaRuntime

    if progress is None:
        from agent.llm.progress import StderrProgress

        progress = StderrProgress(f"assembling model pack '{spec}' (once)")
    path = resolve(spec, cache_dir, progress=progress)
    name = spec if spec in PACKS else path.name
    return LlamaRuntime(path, name=name, threads=threads, n_ctx=n_ctx, seed=seed)


def _fake_delay() -> float:
    raw = os.environ.get("SLOTCHAT_FAKE_DELAY_S", "")
    try:
        return max(0.0, float(raw)) if raw else 0.0
    except ValueError:
        raise UsageError(
            f"SLOTCHAT_FAKE_DELAY_S must be a number of seconds (got {raw!r})"
        ) from None
