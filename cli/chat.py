"""`chat`: open the chat in the terminal UI (not available yet)."""

from __future__ import annotations

import argparse

from cli._pending import pending
from cli.settings import command_parser


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(
        commands, "chat", "open the chat in the terminal UI (not available yet)"
    )
    parser.set_defaults(func=pending("chat"))
