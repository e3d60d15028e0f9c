"""`repl`: line-based chat on stdin/stdout (not available yet)."""

from __future__ import annotations

import argparse

from cli._pending import pending
from cli.settings import command_parser


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(commands, "repl", "line-based chat on stdin/stdout (not available yet)")
    parser.add_argument("--show-state", action="store_true")
    parser.set_defaults(func=pending("repl"))
