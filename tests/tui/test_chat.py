"""The chat flow with the fake engine over a real SQLite store."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from agent.llm.fake import ScriptedChatModel
from agent.tui.app import SlotchatApp
from agent.tui.widgets.prompt import PromptInput
from agent.tui.widgets.state_panel import StatePanel
from agent.tui.widgets.status import StatusBar
from tests.tui.conftest import SIZE, messages, send, type_text, wait_idle, wait_ready, wait_until
from tests.tui.fakes import REPLY, make_launch

pytestmark = pytest.mark.asyncio


async def test_reply_streams_into_markdown_and_state_fills(app: SlotchatApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await send(pilot, "a cheap italian place please")
        views = messages(app)
        assert [v.role for v in views] == ["user", "assistant"]
        assert views[1].text == REPLY
        panel = app.chat.query_one(StatePanel)
        table = panel.query_one("#slots")
        rows = {table.get_row_at(i)[0]: table.get_row_at(i)[1:] for i in range(table.row_count)}
        assert rows["restaurant-food"] == ["italian", "#1"]
        assert rows["restaurant-pricerange"] == ["cheap", "#1"]
        await send(pilot, "in the north")
        rows = {table.get_row_at(i)[0]: table.get_row_at(i)[2] for i in range(table.row_count)}
        assert rows == {
            "restaurant-area": "#2",
            "restaurant-food": "#1",
            "restaurant-pricerange": "#1",
        }


async def test_messages_typed_while_loading_are_sent_when_ready(tmp_path: Path) -> None:
    gate = threading.Event()
    app = SlotchatApp(make_launch(tmp_path, gate=gate))
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "hello")
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert messages(app)[0].text == "hello"
        assert "queued" in str(messages(app)[0].query_one(".speaker").render())
        label = app.chat.query_one("#load-label")
        await wait_until(pilot, lambda: "assembling model" in str(label.render()))
        gate.set()
        await wait_ready(pilot)
        await wait_idle(pilot)
        assert [v.role for v in messages(app)] == ["user", "assistant"]


async def test_enter_sends_and_ctrl_j_inserts_a_newline(app: SlotchatApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await type_text(pilot, "line one\nline two")
        assert app.chat.query_one(PromptInput).text == "line one\nline two"
        await pilot.press("enter")
        await wait_idle(pilot)
        assert messages(app)[0].text == "line one\nline two"
        assert app.chat.query_one(PromptInput).text == ""


LONG_REPLY = " ".join(f"word{i}" for i in range(400))


def _slow_app(tmp_path: Path) -> SlotchatApp:
    model = ScriptedChatModel(lambda m, c: LONG_REPLY, delay_s=0.01, hold_after=5)
    return SlotchatApp(make_launch(tmp_path, model))


async def _stop_a_streaming_reply(app: SlotchatApp, pilot: object, key: str) -> None:
    """Send "hi", press ``key`` while the reply streams; the reply is kept, marked cut off."""
    await wait_ready(pilot)
    await type_text(pilot, "hi")
    await pilot.press("enter")  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: len(messages(app)) == 2 and messages(app)[1].text)
    await pilot.press(key)  # type: ignore[attr-defined]
    await wait_idle(pilot)
    reply = messages(app)[1]
    assert reply.text and len(reply.text) < len(LONG_REPLY)
    assert "cut off" in str(reply.query_one(".speaker").render())


async def test_escape_stops_the_reply_and_keeps_what_streamed(tmp_path: Path) -> None:
    app = _slow_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _stop_a_streaming_reply(app, pilot, "escape")
        reply = messages(app)[1]
        stored = app.chat.sessions.memory.active_branch(app.chat.conversation_id)  # type: ignore[union-attr]
        assert stored[-1].complete is False
        assert stored[-1].text == reply.text


async def test_footer_shows_model_speed_and_context(app: SlotchatApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await send(pilot, "hello there")
        line = str(app.chat.query_one(StatusBar).query_one("#status-line").render())
        assert line.startswith("model fake · ")
        assert "tok/s" in line and "ctx " in line and "/4096" in line


async def test_bookings_are_listed_with_their_reference(app: SlotchatApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await send(pilot, "a cheap italian in the centre")
        await send(pilot, "book it for 2 people on friday at 18:00")
        assert "none yet" in str(app.chat.query_one("#bookings").render())  # asked to confirm
        await send(pilot, "yes")
        (booking,) = app.chat.sessions.memory.bookings(app.chat.conversation_id)
        bookings = str(app.chat.query_one("#bookings").render())
        assert booking.reference in bookings and "restaurant" in bookings


async def test_ctrl_c_stops_the_reply_then_quits_with_130(tmp_path: Path) -> None:
    app = _slow_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await _stop_a_streaming_reply(app, pilot, "ctrl+c")
        assert app.return_code is None  # the first Ctrl-C only stopped the reply
        await pilot.press("ctrl+c")
        await pilot.pause(0.1)
    assert app.return_code == 130
