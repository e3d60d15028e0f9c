"""Commands whose implementation has not landed yet say so plainly instead of pretending."""

from __future__ import annotations

import argparse

from agent.errors import UsageError


def pending(what: str) -> object:
    def run(args: argparse.Namespace) -> int:
        raise UsageError(f"'{what}' is not available in this version of slotchat yet")

    return run
