"""The TUI tests' launch: the real engine (``tests.fakes.engine.mini_engine``: the mini domain,
a keyword tracker, the scripted fake model) and the real sessions service on a SQLite file under
``tmp_path``, so the tests exercise the UI over what it runs on, not a model.

The store is a file, not ``sqlite://``: the TUI's workers run in threads, and an in-memory
database is one connection (StaticPool) that two threads would use at once."""

from __future__ import annotations

import threading
from pathlib import Path

from agent.engine.session_service import Sessions
from agent.llm.fake import ScriptedChatModel
from agent.ports import StepProgress
from agent.tui.contracts import Launch, LoadedEngine, SessionService
from tests.fakes.engine import mini_engine
from tests.fakes.turns import KeywordTracker

REPLY = "A **fine** choice: *Pizza Hut City Centre*."


def open_sessions(path: Path) -> Sessions:
    """The real sessions service over a real SQLite file (its ``memory`` is the store)."""
    from storage import open_memory

    return Sessions(open_memory(f"sqlite:///{path}"))


def make_launch(
    tmp_path: Path,
    model: ScriptedChatModel | None = None,
    *,
    sessions: Sessions | None = None,
    gate: threading.Event | None = None,
    fail_load: Exception | None = None,
    config_path: Path | None = None,
) -> Launch:
    """A Launch over a real SQLite file in ``tmp_path`` and the real engine on the mini domain."""
    model = model or ScriptedChatModel(lambda m, c: REPLY, name="fake")
    opened = sessions or open_sessions(tmp_path / "chat.db")

    def load(given: SessionService, progress: StepProgress) -> LoadedEngine:
        progress("assembling model", 0.5)
        if gate is not None:
            gate.wait(10)
        if fail_load is not None:
            raise fail_load
        return LoadedEngine(
            mini_engine(opened.memory, KeywordTracker(), model=model), model.name, 4096
        )

    return Launch(
        lambda: opened, load, "fake", "cambridge", config_path=config_path, export_dir=tmp_path
    )
