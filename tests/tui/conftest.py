from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.pilot import Pilot

from agent.tui.app import SlotchatApp
from agent.tui.widgets.message import MessageView
from agent.tui.widgets.transcript import Transcript
from tests.tui.fakes import make_launch

SIZE = (120, 40)


@pytest.fixture
def app(tmp_path: Path) -> SlotchatApp:
    return SlotchatApp(make_launch(tmp_path))


async def type_text(pilot: Pilot[None], text: str) -> None:
    keys = {" ": "space", "\n": "ctrl+j", ".": "full_stop", ",": "comma", "=": "equals_sign"}
    await pilot.press(*[keys.get(ch, ch) for ch in text])


async def wait_until(pilot: Pilot[None], condition: object, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the UI")
        await pilot.pause(0.02)


async def wait_ready(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, SlotchatApp)
    await wait_until(pilot, lambda: app.chat.engine is not None and app.chat.sessions is not None)


async def wait_idle(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, SlotchatApp)
    await wait_until(pilot, lambda: app.chat.bridge is None and not app.chat.queue)
    await pilot.pause()


async def send(pilot: Pilot[None], text: str) -> None:
    await type_text(pilot, text)
    await pilot.press("enter")
    await wait_idle(pilot)


def messages(app: SlotchatApp) -> list[MessageView]:
    return app.chat.query_one(Transcript).messages
