"""The TUI and another window on one conversation (a second real engine on the same SQLite
file, the weightless ``fake`` model): an edit, a regenerate or a message the store refuses
shows a notification, reloads the conversation and gives the typed text back to the box; a
plain message goes below what the other window added, which is then shown."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from agent.engine.dialogue import DialogueEngine
from agent.tui.app import SlotchatApp
from agent.tui.config import UiConfig
from agent.tui.widgets.prompt import PromptInput
from cli.chat import launch_for, settings_with_memory
from cli.compose import build_engine
from cli.settings import Settings
from storage import open_memory
from tests.tui.conftest import SIZE, messages, send, wait_idle, wait_ready, wait_until

pytestmark = pytest.mark.asyncio


def _app(db: Path, tmp_path: Path) -> SlotchatApp:
    args = argparse.Namespace(
        model="fake", domain=None, db=f"sqlite:///{db}", threads=2, theme=None,
        resume=None, continue_last=False,
    )  # fmt: skip
    settings = settings_with_memory(args, UiConfig(domain="cambridge"))
    return SlotchatApp(launch_for(settings, args, UiConfig(), tmp_path / "tui.json"))


def _other_window(db: Path) -> DialogueEngine:
    url = f"sqlite:///{db}"
    settings = Settings(model="fake", domain="cambridge", db_url=url, threads=1)
    return build_engine(settings, memory=open_memory(url), responder="template")


def _notified(app: SlotchatApp, text: str) -> bool:
    return any(text in str(n.message) for n in app._notifications)


async def test_an_edit_and_a_regenerate_on_a_stale_view_are_refused_reloaded_and_kept(
    tmp_path: Path,
) -> None:
    db = tmp_path / "x.db"
    app = _app(db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await send(pilot, "I want a cheap italian restaurant")
        cid = app.chat.conversation_id
        assert cid is not None
        other = _other_window(db)
        other.turn(cid, "what about the north?")  # the TUI has not seen these two turns
        await pilot.press("ctrl+e")
        prompt = app.chat.query_one(PromptInput)
        prompt.text = "something expensive instead"
        await pilot.press("enter")
        note = f"conversation {cid} changed in another window (2 new turns); your edit was not sent"
        await wait_until(pilot, lambda: _notified(app, note))
        await wait_until(pilot, lambda: len(messages(app)) == 4)  # reloaded as it is now
        await wait_idle(pilot)
        assert prompt.text == "something expensive instead"  # the user's text is kept
        assert _notified(app, "your text is back in the box")
        assert len(other.memory.active_branch(cid)) == 4  # nothing of the edit was written
        assert app.chat.head == other.memory.active_branch(cid)[-1].id

        other.regenerate(cid)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: _notified(app, "no new reply was made"))
        await wait_idle(pilot)
        tree = [t.role for t in other.memory.all_turns(cid)]  # type: ignore[attr-defined]
        assert tree == ["user", "assistant", "user", "assistant", "assistant"]

        prompt.text = ""
        await send(pilot, "something expensive instead")  # now against the view it shows
        assert [t.text for t in other.memory.active_branch(cid)][-2] == (
            "something expensive instead"
        )


async def test_a_message_to_a_deleted_conversation_is_kept_and_arrivals_are_shown(
    tmp_path: Path,
) -> None:
    db = tmp_path / "x.db"
    app = _app(db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await send(pilot, "I want a cheap italian restaurant")
        cid = app.chat.conversation_id
        assert cid is not None
        other = _other_window(db)
        other.turn(cid, "what about the north?")
        await send(pilot, "thanks")  # a plain message: below the other window's turns
        await wait_until(pilot, lambda: _notified(app, "2 new turns from another window"))
        assert [m.role for m in messages(app)] == ["user", "assistant"] * 3
        assert [m.text for m in messages(app)][2] == "what about the north?"

        other.memory.delete(cid)  # type: ignore[attr-defined]
        await send(pilot, "book it for 2")
        await wait_until(
            pilot,
            lambda: _notified(app, f"conversation {cid} was deleted; your message was not sent"),
        )
        await wait_idle(pilot)
        assert app.chat.query_one(PromptInput).text == "book it for 2"
        assert len(other.memory.active_branch(cid)) == 6
