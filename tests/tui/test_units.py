"""The TUI's pure helpers: settings file, slot provenance, export."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from agent.domain import Booking, Conversation, DialogueState, Turn
from agent.tui.config import UiConfig, load_config, save_config
from agent.tui.export import to_json, to_markdown
from agent.tui.provenance import slot_origins

WHEN = datetime(2026, 1, 2, 3, 4)


def _turn(tid: int, role: str, text: str, slots: dict[str, str] | None = None) -> Turn:
    state = DialogueState(slots=slots) if slots is not None else None
    return Turn(tid, 1, tid - 1 or None, role, text, WHEN, state=state)  # type: ignore[arg-type]


def test_config_file_round_trip_and_damage(tmp_path: Path) -> None:
    path = tmp_path / "tui.json"
    save_config(path, UiConfig(theme="gruvbox", model="tiny"))
    assert load_config(path) == UiConfig(theme="gruvbox", model="tiny")
    path.write_text("{not json")
    assert load_config(path) == UiConfig()
    assert load_config(tmp_path / "missing.json") == UiConfig()


def test_slot_origins_name_the_turn_that_set_the_current_value() -> None:
    branch = [
        _turn(1, "user", "cheap"),
        _turn(2, "assistant", "ok", {"price": "cheap"}),
        _turn(3, "user", "italian"),
        _turn(4, "assistant", "ok", {"price": "cheap", "food": "italian"}),
        _turn(5, "user", "no, thai"),
        _turn(6, "assistant", "ok", {"price": "cheap", "food": "thai"}),
    ]
    assert slot_origins(branch) == {"price": 1, "food": 3}


def test_export_shows_turns_state_and_bookings() -> None:
    conv = Conversation(7, "Dinner", "cambridge", "tiny", WHEN, WHEN)
    branch = [_turn(1, "user", "cheap"), _turn(2, "assistant", "Sure", {"price": "cheap"})]
    booking = Booking("restaurant", "ABCD1234", {"people": "2"}, "pizza hut")
    state = DialogueState(slots={"price": "cheap"})
    md = to_markdown(conv, branch, state, [booking])
    assert md.startswith("# Dinner\n") and "**You:**" in md and "ABCD1234" in md
    document = json.loads(to_json(conv, branch, state, [booking]))
    assert document["bookings"][0]["reference"] == "ABCD1234"
    assert document["turns"][1]["state"] == {"price": "cheap"}
