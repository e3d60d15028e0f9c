"""`bench model`: generation and prompt speed of a model pack vs a bare llama_decode loop."""

from __future__ import annotations

import argparse

from cli._pending import pending
from cli.settings import command_parser


def register(kinds: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(
        kinds,
        "model",
        "model speed: runtime vs a bare llama_decode loop (not available yet)",
    )
    parser.add_argument("--json", metavar="FILE", help="write the results as one JSON object")
    parser.set_defaults(func=pending("bench model"))
