"""The TUI over the real composition (cli.chat → build_engine → DialogueEngine → SqlMemory),
with the weightless ``fake`` model: checks that the engine and the store fit the TUI's seams."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from agent.domain import DialogueState
from agent.tui.app import SlotchatApp
from agent.tui.config import UiConfig
from cli.chat import launch_for, settings_with_memory
from tests.tui.conftest import SIZE, messages, send, wait_idle, wait_ready, wait_until

pytestmark = pytest.mark.asyncio


def _app(tmp_path: Path) -> SlotchatApp:
    args = argparse.Namespace(
        model="fake", domain=None, db=f"sqlite:///{tmp_path}/x.db", threads=2, theme=None,
        resume=None, continue_last=False,
    )  # fmt: skip
    settings = settings_with_memory(args, UiConfig(domain="cambridge"))
    return SlotchatApp(launch_for(settings, args, UiConfig(), tmp_path / "tui.json"))


async def test_turn_regenerate_edit_and_state_through_the_real_engine(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await send(pilot, "I want a cheap italian restaurant")
        views = messages(app)
        assert [v.role for v in views] == ["user", "assistant"]
        assert views[1].text.strip()
        store, cid = app.chat.sessions.memory, app.chat.conversation_id
        assert store.get_conversation(cid).title == "I want a cheap italian restaurant"
        await pilot.press("ctrl+r")
        await wait_idle(pilot)
        tree = store.all_turns(cid)
        assert [t.role for t in tree] == ["user", "assistant", "assistant"]
        await pilot.press("ctrl+e")
        app.chat.query_one("#prompt").text = "something else"
        await pilot.press("enter")
        await wait_idle(pilot)
        branch = store.active_branch(cid)
        assert [t.text for t in branch if t.role == "user"] == ["something else"]
        assert len(store.all_turns(cid)) == 5
        app.chat._change_slot("restaurant-area", "centre")
        await wait_until(pilot, lambda: app.chat.state.slots.get("restaurant-area") == "centre")
        engine = app.chat.engine.backend
        assert engine.state(cid) == DialogueState(slots={"restaurant-area": "centre"})
        app.chat._change_slot("restaurant-nonsense", "x")
        await wait_until(
            pilot, lambda: any("no slot" in str(n.message) for n in app._notifications)
        )
