"""The model server as a TUI setting (issue 14): seen and set from the command palette,
remembered in the settings file, applied on the next start; ``--server``, ``--model`` and
``SLOTCHAT_SERVER_URL`` win over it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from agent.tui.app import SlotchatApp
from agent.tui.config import UiConfig
from agent.tui.screens.dialogs import AskText
from cli.chat import launch_for, settings_with_memory
from tests.tui.conftest import SIZE, type_text, wait_ready, wait_until
from tests.tui.fakes import make_launch

URL = "http://gpu-box:8080/v1"


def _args(tmp_path: Path, **given: object) -> argparse.Namespace:
    values = {
        "model": None, "domain": None, "db": f"sqlite:///{tmp_path}/x.db", "threads": 1,
        "theme": None, "resume": None, "continue_last": False, "server": None,
    }  # fmt: skip
    return argparse.Namespace(**{**values, **given})


def _server(tmp_path: Path, config: UiConfig, **given: object) -> str | None:
    args = _args(tmp_path, **given)
    settings = settings_with_memory(args, config)
    launch = launch_for(settings, args, config, tmp_path / "tui.json")
    assert launch.server == settings.server
    return settings.server


def test_the_remembered_server_applies_unless_the_command_line_or_env_says_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLOTCHAT_SERVER_URL", raising=False)
    remembered = UiConfig(server=URL)
    assert _server(tmp_path, remembered) == URL
    assert _server(tmp_path, remembered, model="tiny") is None  # a local model, this time
    assert _server(tmp_path, remembered, server="http://other/v1") == "http://other/v1"
    assert _server(tmp_path, UiConfig()) is None
    monkeypatch.setenv("SLOTCHAT_SERVER_URL", "http://env/v1")
    assert _server(tmp_path, remembered) == "http://env/v1"


async def _answer(app: SlotchatApp, pilot: object, text: str) -> None:
    app.action_model_server()
    await wait_until(pilot, lambda: isinstance(app.screen, AskText))  # type: ignore[arg-type]
    await pilot.pause()  # type: ignore[attr-defined]
    app.screen.query_one("Input").value = ""
    await type_text(pilot, text)  # type: ignore[arg-type]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: not isinstance(app.screen, AskText))  # type: ignore[arg-type]


def _saved(config: Path) -> dict[str, object]:
    return json.loads(config.read_text()) if config.exists() else {}


def _notes(app: SlotchatApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


@pytest.mark.asyncio
async def test_the_palette_sets_checks_and_clears_the_server(tmp_path: Path) -> None:
    config = tmp_path / "tui.json"
    app = SlotchatApp(make_launch(tmp_path, config_path=config))
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(pilot)
        titles = {c.title for c in app.get_system_commands(app.chat)}
        assert "Model server" in titles
        await _answer(app, pilot, "gpu-box:8080")
        assert any("Not saved" in n for n in _notes(app))
        assert _saved(config).get("server") is None
        await _answer(app, pilot, URL)
        assert _saved(config)["server"] == URL
        assert any(URL in n and "next start" in n for n in _notes(app))
        app.action_model_server()
        await wait_until(pilot, lambda: isinstance(app.screen, AskText))
        await pilot.pause()
        assert app.screen.query_one("Input").value == URL  # the setting is shown
        assert "Now: none, the local model" in str(app.screen.query_one("#dialog-hint").render())
        await pilot.press("escape")
        await _answer(app, pilot, "")
        assert _saved(config)["server"] is None
