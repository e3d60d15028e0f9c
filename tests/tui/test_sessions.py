"""The sessions screen over a real SQLite store: list, open, rename, archive, delete + undo,
search and jump, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import OptionList

from agent.tui.app import SlotchatApp
from agent.tui.screens.sessions_screen import SessionsScreen
from tests.tui.conftest import SIZE, messages, send, type_text, wait_ready, wait_until

pytestmark = pytest.mark.asyncio


def _options(app: SlotchatApp) -> list[str]:
    listing = app.screen.query_one(OptionList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def _two_conversations(pilot, app: SlotchatApp) -> None:  # noqa: ANN001
    await wait_ready(pilot)
    await send(pilot, "cheap italian in the centre")
    await pilot.press("ctrl+n")
    await pilot.pause()
    assert messages(app) == []
    await send(pilot, "expensive chinese please")


async def _open_sessions(pilot, app: SlotchatApp) -> None:  # noqa: ANN001
    await pilot.press("ctrl+o")
    await wait_until(pilot, lambda: isinstance(app.screen, SessionsScreen))
    await wait_until(pilot, lambda: len(app.screen.conversations) >= 1)


async def test_list_and_resume(app: SlotchatApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await _two_conversations(pilot, app)
        await _open_sessions(pilot, app)
        titles = _options(app)
        assert titles[0].startswith("expensive chinese please")
        assert titles[1].startswith("cheap italian in the centre")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.screen is app.chat and len(messages(app)) == 2)
        assert messages(app)[0].text == "cheap italian in the centre"
        assert app.chat.state.slots["restaurant-area"] == "centre"


async def test_rename_archive_delete_and_undo(app: SlotchatApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await _two_conversations(pilot, app)
        await _open_sessions(pilot, app)
        await pilot.press("r")
        await wait_until(pilot, lambda: app.screen.query("#dialog-input"))
        app.screen.query_one("#dialog-input").value = "Dinner plans"
        await pilot.press("enter")
        await wait_until(pilot, lambda: _options(app)[0].startswith("Dinner plans"))
        await pilot.press("d")
        await wait_until(pilot, lambda: len(_options(app)) == 1)
        await pilot.press("u")
        await wait_until(pilot, lambda: len(_options(app)) == 2)
        await pilot.press("a")
        await wait_until(pilot, lambda: len(_options(app)) == 1)
        await pilot.press("h")
        await wait_until(pilot, lambda: any("[archived]" in o for o in _options(app)))


async def test_search_jumps_to_the_hit(app: SlotchatApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await _two_conversations(pilot, app)
        await _open_sessions(pilot, app)
        await pilot.press("slash")
        await type_text(pilot, "italian")
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(app.screen.hits))
        assert "italian" in _options(app)[0]
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is app.chat and len(messages(app)) == 2)
        assert app.focused is messages(app)[0]


async def test_export_markdown_and_json(app: SlotchatApp, tmp_path: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await _two_conversations(pilot, app)
        await _open_sessions(pilot, app)
        cid = app.screen.conversations[0].id
        await pilot.press("m", "j")
        md, js = tmp_path / f"slotchat-{cid}.md", tmp_path / f"slotchat-{cid}.json"
        await wait_until(pilot, lambda: md.exists() and js.exists())
        assert "expensive chinese please" in md.read_text()
        document = json.loads(js.read_text())
        assert document["state"]["slots"]["restaurant-food"] == "chinese"
        assert [t["role"] for t in document["turns"]] == ["user", "assistant"]
