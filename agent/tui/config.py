"""Settings the TUI remembers between runs, in a small JSON file the caller locates.

The file is written by the app (theme, last conversation, the model server set from the command
palette) and by ``slotchat chat`` (the model, domain and database last used, a ``--server``
given); options on the command line and the environment win over it. A damaged file is
ignored rather than fatal: it only holds preferences.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UiConfig:
    theme: str | None = None
    model: str | None = None
    domain: str | None = None
    db: str | None = None
    server: str | None = None  # the model server set in the TUI; the next start uses it
    last_conversation: int | None = None
    show_state: bool = True

    def updated(self, **changes: Any) -> UiConfig:
        return replace(self, **changes)


def load_config(path: Path | None) -> UiConfig:
    if path is None or not path.exists():
        return UiConfig()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        log.warning("ignoring unreadable settings file %s: %s", path, error)
        return UiConfig()
    if not isinstance(raw, dict):
        return UiConfig()
    known = {f.name for f in fields(UiConfig)}
    return UiConfig(**{k: v for k, v in raw.items() if k in known})


def save_config(path: Path | None, config: UiConfig) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(config), indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        log.warning("could not save settings to %s: %s", path, error)
