"""Snapshots of the main screens (pytest-textual-snapshot). Update with --snapshot-update.

Speed figures vary from run to run, so the status line's numbers are pinned before the shot.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from agent.tui.app import SlotchatApp
from agent.tui.widgets.prompt import PromptInput
from agent.tui.widgets.status import StatusBar
from tests.tui.conftest import SIZE, send, type_text, wait_ready, wait_until
from tests.tui.fakes import make_launch


@pytest.fixture
def pinned_speed(monkeypatch: pytest.MonkeyPatch) -> None:
    original = StatusBar.reply_stats

    def fixed(self: StatusBar, tokens: int, seconds: float, used: int, size: int) -> None:
        original(self, 42, 1.0, 123, size)

    monkeypatch.setattr(StatusBar, "reply_stats", fixed)


def _app(tmp_path: Path) -> SlotchatApp:
    return SlotchatApp(make_launch(tmp_path))


async def _chatted(pilot: Pilot[None]) -> None:
    await wait_ready(pilot)
    await send(pilot, "a cheap italian in the centre")
    await send(pilot, "book it for 2 people on friday at 18:00")
    await send(pilot, "yes")
    await _settle(pilot)


async def _settle(pilot: Pilot[None]) -> None:
    """Toasts and the blinking cursor depend on timing: take them out of the picture."""
    pilot.app.clear_notifications()
    pilot.app.chat.query_one(PromptInput).cursor_blink = False  # type: ignore[attr-defined]
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await pilot.pause(0.3)


def test_chat_screen(snap_compare, tmp_path: Path, pinned_speed: None) -> None:  # noqa: ANN001
    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=_chatted)


def test_sessions_search(snap_compare, tmp_path: Path, pinned_speed: None) -> None:  # noqa: ANN001
    async def run_before(pilot: Pilot[None]) -> None:
        await _chatted(pilot)
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: pilot.app.screen is not pilot.app.chat)  # type: ignore[attr-defined]
        await pilot.press("slash")
        await type_text(pilot, "italian")
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(pilot.app.screen.hits))  # type: ignore[attr-defined]
        await _settle(pilot)

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_slot_editor(snap_compare, tmp_path: Path, pinned_speed: None) -> None:  # noqa: ANN001
    async def run_before(pilot: Pilot[None]) -> None:
        await _chatted(pilot)
        pilot.app.chat.query_one("#slots").focus()  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_until(pilot, lambda: pilot.app.screen.query("#dialog-input"))
        await _settle(pilot)

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=run_before)
