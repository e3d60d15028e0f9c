"""`bench memory`: memory store latency at 100k turns (not available yet)."""

from __future__ import annotations

import argparse

from cli._pending import pending
from cli.settings import command_parser


def register(kinds: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(
        kinds, "memory", "memory store latency at 100k turns (not available yet)"
    )
    parser.add_argument("--json", metavar="FILE", help="write the results as one JSON object")
    parser.set_defaults(func=pending("bench memory"))
