"""`sessions`: list, show, search, export, delete and import conversations (not available yet)."""

from __future__ import annotations

import argparse

from cli._pending import pending
from cli.settings import command_parser


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(
        commands,
        "sessions",
        "list, show, search, export, delete and import conversations (not available yet)",
    )
    parser.set_defaults(func=pending("sessions"))
