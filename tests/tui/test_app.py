"""Copy and save, errors as notifications, the command palette, remembered settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.errors import DatabaseUnavailable, ModelError
from agent.tui.app import SlotchatApp
from agent.tui.contracts import Launch
from tests.tui.conftest import SIZE, messages, send, type_text, wait_ready, wait_until
from tests.tui.fakes import REPLY, make_launch

pytestmark = pytest.mark.asyncio


def _notes(app: SlotchatApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_copy_last_reply_and_save_a_message(app: SlotchatApp, tmp_path: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        await send(pilot, "a cheap italian please")
        await pilot.press("ctrl+y")
        assert app.clipboard == REPLY
        messages(app)[0].focus()
        await pilot.press("c")
        assert app.clipboard == "a cheap italian please"
        await pilot.press("s")
        await wait_until(pilot, lambda: app.screen.query("#dialog-input"))
        target = tmp_path / "saved.md"
        app.screen.query_one("#dialog-input").value = str(target)
        await pilot.press("enter")
        await wait_until(pilot, target.exists)
        assert target.read_text() == "a cheap italian please\n"


async def test_model_failure_is_a_notification_and_the_ui_stays_usable(tmp_path: Path) -> None:
    error = ModelError("model pack 'tiny' is corrupt: run `slotchat models verify tiny`")
    app = SlotchatApp(make_launch(tmp_path, fail_load=error))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: any("corrupt" in n for n in _notes(app)))
        await type_text(pilot, "hello")
        await pilot.press("enter")
        await pilot.pause()
        assert "not sent" in str(messages(app)[0].query_one(".speaker").render())
        assert "Traceback" not in "".join(_notes(app))


async def test_unreachable_database_is_a_notification(tmp_path: Path) -> None:
    launch = make_launch(tmp_path)

    def broken() -> object:
        raise DatabaseUnavailable("cannot reach postgresql://db: start it or pass --db sqlite:///x")

    app = SlotchatApp(Launch(broken, launch.load_engine, "fake", "cambridge"))  # type: ignore[arg-type]
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: any("pass --db" in n for n in _notes(app)))
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert app.screen is app.chat


async def test_unexpected_errors_say_how_to_get_details(tmp_path: Path) -> None:
    app = SlotchatApp(make_launch(tmp_path, fail_load=RuntimeError("boom")))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: any("SLOTCHAT_DEBUG=1" in n for n in _notes(app)))


@pytest.mark.parametrize("step", ["store", "model"])
async def test_a_failing_start_up_step_is_shown_in_one_line_and_logged(
    tmp_path: Path, step: str, caplog: pytest.LogCaptureFixture
) -> None:
    error = RuntimeError("disk on fire\nsecond line of the message")
    launch = make_launch(tmp_path, fail_load=error if step == "model" else None)

    def broken_store() -> object:
        raise error

    opener = broken_store if step == "store" else launch.open_sessions
    app = SlotchatApp(Launch(opener, launch.load_engine, "fake", "cambridge"))  # type: ignore[arg-type]
    with caplog.at_level("ERROR", logger="agent.tui.app"):
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: any("disk on fire" in n for n in _notes(app)))
            shown = [n for n in _notes(app) if "disk on fire" in n]
            assert shown == ["Unexpected error: RuntimeError: disk on fire second line of the "
                             "message. Run with SLOTCHAT_DEBUG=1 for details, and report it if "
                             "it persists."]  # fmt: skip
    failed = [r for r in caplog.records if r.name == "agent.tui.app"]
    assert [r.getMessage() for r in failed] == [
        "TUI start-up: "
        + ("opening the conversation store" if step == "store" else "loading the model")
        + " failed"
    ]
    assert failed[0].exc_info is not None and failed[0].exc_info[1] is error


async def test_palette_offers_every_action(app: SlotchatApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        titles = {c.title for c in app.get_system_commands(app.chat)}
        assert {
            "New conversation",
            "Sessions",
            "Regenerate",
            "Edit last message",
            "Stop",
            "Copy last reply",
            "Toggle state panel",
            "Theme",
            "Quit",
        } <= titles
        await pilot.press("ctrl+p")
        await type_text(pilot, "toggle state")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not app.chat.query_one("#state").display)


async def test_theme_and_last_conversation_are_remembered(tmp_path: Path) -> None:
    config = tmp_path / "config" / "tui.json"
    app = SlotchatApp(make_launch(tmp_path, config_path=config))
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        app.theme = "nord"
        await send(pilot, "hello")
        await pilot.pause()
    saved = json.loads(config.read_text())
    assert saved["theme"] == "nord"
    assert saved["last_conversation"] == app.chat.conversation_id
    again = SlotchatApp(make_launch(tmp_path, config_path=config, sessions=app.chat.sessions))
    assert again.theme == "nord"
