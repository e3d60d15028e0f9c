"""Global options, where things live on disk, and the settings every command shares."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from agent.errors import UsageError

APP = "slotchat"


def data_dir() -> Path:
    """Where the database lives (``~/.local/share/slotchat`` on Linux)."""
    from platformdirs import user_data_path

    return Path(os.environ.get("SLOTCHAT_DATA_DIR") or user_data_path(APP))


def cache_dir() -> Path:
    """Where assembled model files live (``~/.cache/slotchat`` on Linux)."""
    from platformdirs import user_cache_path

    return Path(os.environ.get("SLOTCHAT_CACHE_DIR") or user_cache_path(APP))


def config_dir() -> Path:
    from platformdirs import user_config_path

    return Path(os.environ.get("SLOTCHAT_CONFIG_DIR") or user_config_path(APP))


def default_db_url() -> str:
    return os.environ.get("SLOTCHAT_DB_URL") or f"sqlite:///{data_dir() / 'slotchat.db'}"


@dataclass(frozen=True)
class Settings:
    model: str
    domain: str
    db_url: str
    threads: int
    server: str | None = None  # an OpenAI-compatible API base URL: the model runs there
    server_kind: str = "auto"
    tracker_options: tuple[str, ...] = ()  # KEY=VALUE research variants (cli.tracker_options)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Settings:
        return cls(
            model=args.model or "default",
            domain=args.domain or "cambridge",
            db_url=_db_url(args.db or default_db_url()),
            threads=_threads(args.threads),
            server=getattr(args, "server", None) or os.environ.get("SLOTCHAT_SERVER_URL") or None,
            server_kind=getattr(args, "server_kind", None) or "auto",
            tracker_options=tuple(getattr(args, "tracker_option", None) or ()),
        )


def _db_url(url: str) -> str:
    """The database URL the user gave, refused in one line if the store cannot use it."""
    from storage.engine import check_user_url

    check_user_url(url)
    return url


def _threads(requested: int | None) -> int:
    if requested is None:
        return min(4, os.cpu_count() or 2)
    if requested < 1:
        raise UsageError(f"--threads must be at least 1 (got {requested}); try --threads 2")
    return requested


def add_global_options(parser: argparse.ArgumentParser, *, suppress_defaults: bool) -> None:
    """``--model/--domain/--db/--threads/--server/--server-kind``, accepted before or after the
    command name."""
    default = argparse.SUPPRESS if suppress_defaults else None
    group = parser.add_argument_group("global options")
    group.add_argument(
        "--model",
        default=default,
        metavar="NAME|PATH.gguf",
        help="model pack name (default, tiny, gemma, large) or a GGUF file (default: default)",
    )
    group.add_argument(
        "--domain",
        default=default,
        metavar="NAME|PATH",
        help="built-in domain name or a domain pack folder (default: cambridge)",
    )
    group.add_argument(
        "--db",
        default=default,
        metavar="URL",
        help="SQLAlchemy URL (env SLOTCHAT_DB_URL; default: a SQLite file in the data dir)",
    )
    group.add_argument(
        "--threads",
        default=default,
        type=int,
        metavar="N",
        help="CPU threads for inference (default: the number of cores, at most 4)",
    )
    _add_server_options(group, default)
    group.add_argument(
        "--tracker-option",
        default=default,
        action="append",
        metavar="KEY=VALUE",
        help="a research variant of the shipped tracker (repeatable), e.g. candidates=false "
        "(a TrackerOptions field; an unknown key lists them all)",
    )


def _add_server_options(group: argparse._ArgumentGroup, default: object) -> None:
    group.add_argument(
        "--server",
        default=default,
        metavar="URL",
        help="run the model on an OpenAI-compatible server, e.g. http://host:8080/v1 "
        "(env SLOTCHAT_SERVER_URL; API key from SLOTCHAT_API_KEY); --model is then ignored",
    )
    group.add_argument(
        "--server-kind",
        default=default,
        choices=("auto", "llamacpp", "vllm"),
        help="how constraints are sent (default auto: asked from the server)",
    )


def command_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str
) -> argparse.ArgumentParser:
    """A subcommand parser that also accepts the global options after the command name."""
    parser = commands.add_parser(name, help=help_text, description=help_text)
    add_global_options(parser, suppress_defaults=True)
    return parser
