"""Command implementations for ``main.py``: each module registers one command group.

This package is part of the composition root: it may import every adapter; nothing but
``main.py`` imports it. Each module's ``register`` only declares arguments; heavy imports
happen inside the function that runs the command.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Protocol, cast

COMMAND_MODULES = (
    "cli.chat",
    "cli.repl",
    "cli.models",
    "cli.sessions",
    "cli.domains",
    "cli.bench",
    "cli.evaluate",
    "cli.scripted",
)


class CommandModule(Protocol):
    def register(self, commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...


def load_command_module(name: str) -> CommandModule:
    return cast(CommandModule, importlib.import_module(name))
