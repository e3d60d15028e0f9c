"""`chat` (also the default command): the Textual terminal UI.

The window paints before anything heavy happens: the database is opened and the model loaded by
the app's background workers through the two callables built here. Options given on the command
line win; otherwise the model, domain, database and theme last used and the model server set
in the TUI (remembered in ``config_dir()/tui.json``) apply; otherwise the defaults.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from cli.settings import Settings, command_parser, config_dir

if TYPE_CHECKING:
    from agent.ports import StepProgress
    from agent.tui.config import UiConfig
    from agent.tui.contracts import Launch, LoadedEngine, SessionService


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(commands, "chat", "open the chat in the terminal UI")
    add_chat_options(parser)
    parser.set_defaults(func=run)


def add_chat_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--theme", metavar="NAME", help="Textual theme, e.g. nord, gruvbox")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--resume", type=int, metavar="ID", help="open a stored conversation")
    group.add_argument(
        "--continue",
        dest="continue_last",
        action="store_true",
        help="reopen the conversation used last",
    )


def run(args: argparse.Namespace) -> int:
    from agent.tui.app import SlotchatApp
    from agent.tui.config import load_config, save_config

    path = config_dir() / "tui.json"
    config = load_config(path)
    settings = settings_with_memory(args, config)
    server = getattr(args, "server", None) or config.server
    used = config.updated(
        model=settings.model, domain=settings.domain, db=_db_choice(args, config), server=server
    )
    save_config(path, used)
    app = SlotchatApp(launch_for(settings, args, config, path))
    app.run()
    return app.return_code or 0


def settings_with_memory(args: argparse.Namespace, config: UiConfig) -> Settings:
    """Command line, then the environment (for the database), then what was used last."""
    merged = argparse.Namespace(**vars(args))
    merged.model = getattr(args, "model", None) or config.model
    merged.domain = getattr(args, "domain", None) or config.domain
    merged.db = _db_choice(args, config)
    merged.server = _server_choice(args, config)
    return Settings.from_args(merged)


def _db_choice(args: argparse.Namespace, config: UiConfig) -> str | None:
    return getattr(args, "db", None) or os.environ.get("SLOTCHAT_DB_URL") or config.db


def _server_choice(args: argparse.Namespace, config: UiConfig) -> str | None:
    """``--server``, then ``SLOTCHAT_SERVER_URL``, then the server set in the TUI, unless
    ``--model`` on the command line asks for a local model this time."""
    given = getattr(args, "server", None) or os.environ.get("SLOTCHAT_SERVER_URL")
    if given or getattr(args, "model", None):
        return given or None
    return config.server


def launch_for(
    settings: Settings, args: argparse.Namespace, config: UiConfig, path: os.PathLike[str]
) -> Launch:
    from pathlib import Path

    from agent.tui.contracts import Launch

    resume = getattr(args, "resume", None)
    if getattr(args, "continue_last", False):
        resume = config.last_conversation
    return Launch(
        open_sessions=lambda: _open_sessions(settings),
        load_engine=lambda sessions, progress: _load_engine(settings, sessions, progress),
        model=settings.model,
        domain=settings.domain,
        theme=getattr(args, "theme", None),
        config_path=Path(path),
        resume=resume,
        server=settings.server,
    )


def _open_sessions(settings: Settings) -> SessionService:
    from agent.engine.session_service import Sessions
    from storage import open_memory

    return Sessions(open_memory(settings.db_url))


def _load_engine(
    settings: Settings, sessions: SessionService, progress: StepProgress
) -> LoadedEngine:
    """The engine over the store the sessions service opened (one store for both doors)."""
    from agent.engine.session_service import Sessions
    from agent.tui.contracts import LoadedEngine
    from cli.compose import build_engine

    if not isinstance(sessions, Sessions):
        raise TypeError("the chat's sessions must be the Sessions that _open_sessions built")
    engine = build_engine(settings, memory=sessions.memory, progress=progress)
    return LoadedEngine(engine, engine.model.name, engine.model.context_size)
