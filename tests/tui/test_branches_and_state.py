"""Regenerate and edit-and-resend fork the stored tree; the state panel edits reach the engine."""

from __future__ import annotations

import pytest

from agent.tui.app import SlotchatApp
from agent.tui.widgets.prompt import PromptInput
from agent.tui.widgets.state_panel import StatePanel
from tests.tui.conftest import SIZE, messages, send, type_text, wait_idle, wait_ready, wait_until

pytestmark = pytest.mark.asyncio


def _rows(app: SlotchatApp) -> dict[str, tuple[str, str]]:
    table = app.chat.query_one(StatePanel).query_one("#slots")
    return {table.get_row_at(i)[0]: tuple(table.get_row_at(i)[1:]) for i in range(table.row_count)}


async def test_regenerate_keeps_the_old_reply_on_a_branch(app: SlotchatApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await send(pilot, "cheap food")
        await send(pilot, "italian please")
        await pilot.press("ctrl+r")
        await wait_idle(pilot)
        store = app.chat.sessions.memory
        cid = app.chat.conversation_id
        branch = store.active_branch(cid)
        assert [t.text for t in branch if t.role == "user"] == ["cheap food", "italian please"]
        everything = store.all_turns(cid)
        assert [t.role for t in everything].count("assistant") == 3
        last_user = branch[-2]
        assert [t.parent_id for t in everything].count(last_user.id) == 2  # two sibling replies
        assert [v.role for v in messages(app)] == ["user", "assistant"] * 2


async def test_edit_last_message_forks_from_its_parent(app: SlotchatApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await send(pilot, "cheap food")
        await send(pilot, "italian please")
        await pilot.press("ctrl+e")
        prompt = app.chat.query_one(PromptInput)
        assert prompt.text == "italian please"
        prompt.text = ""
        await type_text(pilot, "chinese please")
        await pilot.press("enter")
        await wait_idle(pilot)
        branch = app.chat.sessions.memory.active_branch(app.chat.conversation_id)
        assert [t.text for t in branch if t.role == "user"] == ["cheap food", "chinese please"]
        assert _rows(app)["restaurant-food"] == ("chinese", "#2")
        assert [v.text for v in messages(app) if v.role == "user"] == [
            "cheap food",
            "chinese please",
        ]


async def test_edit_first_message_replaces_the_root(app: SlotchatApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await send(pilot, "cheap food")
        await pilot.press("ctrl+e")
        app.chat.query_one(PromptInput).text = "expensive food"
        await pilot.press("enter")
        await wait_idle(pilot)
        branch = app.chat.sessions.memory.active_branch(app.chat.conversation_id)
        assert [t.text for t in branch if t.role == "user"] == ["expensive food"]
        assert _rows(app) == {"restaurant-pricerange": ("expensive", "#1")}


async def test_escape_abandons_an_edit(app: SlotchatApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await send(pilot, "cheap food")
        await pilot.press("ctrl+e")
        await pilot.press("escape")
        assert app.chat.fork is None
        assert app.chat.query_one(PromptInput).text == ""


async def test_editing_a_slot_sets_the_engine_state(app: SlotchatApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await send(pilot, "a cheap italian")
        app.chat.query_one("#slots").focus()
        await pilot.press("enter")  # first row: restaurant-food
        await wait_until(pilot, lambda: app.screen is not app.chat)
        await pilot.press("ctrl+a", "backspace")
        app.screen.query_one("Input").value = ""
        await type_text(pilot, "thai")
        await pilot.press("enter")
        await wait_until(pilot, lambda: _rows(app).get("restaurant-food", ("",))[0] == "thai")
        assert _rows(app)["restaurant-food"] == ("thai", "edited")
        stored = app.chat.sessions.memory.latest_state(app.chat.conversation_id)
        assert stored.slots["restaurant-food"] == "thai"


async def test_clearing_and_adding_slots(app: SlotchatApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await send(pilot, "a cheap italian")
        app.chat.query_one("#slots").focus()
        await pilot.press("delete")
        await wait_until(pilot, lambda: "restaurant-food" not in _rows(app))
        await pilot.press("a")
        await wait_until(pilot, lambda: app.screen is not app.chat)
        await type_text(pilot, "restaurant-area=centre")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "restaurant-area" in _rows(app))
        stored = app.chat.sessions.memory.latest_state(app.chat.conversation_id)
        assert dict(stored.slots) == {"restaurant-pricerange": "cheap", "restaurant-area": "centre"}
        app.chat.query_one(PromptInput).focus()
        await send(pilot, "italian")
        assert _rows(app)["restaurant-area"] == ("centre", "edited")
        assert _rows(app)["restaurant-food"] == ("italian", "#2")
