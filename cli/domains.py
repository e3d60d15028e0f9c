"""`domains`: list, show and check domain packs (not available yet)."""

from __future__ import annotations

import argparse

from cli._pending import pending
from cli.settings import command_parser


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(
        commands, "domains", "list, show and check domain packs (not available yet)"
    )
    parser.set_defaults(func=pending("domains"))
