"""`bench model|turn|memory`: performance benchmarks. Each kind lives in its own module."""

from __future__ import annotations

import argparse

from cli import load_command_module
from cli.settings import command_parser

BENCH_MODULES = ("cli.bench_model", "cli.bench_turn", "cli.bench_memory")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(commands, "bench", "performance benchmarks: model, turn, memory")
    kinds = parser.add_subparsers(dest="bench_kind", metavar="KIND", required=True)
    for name in BENCH_MODULES:
        load_command_module(name).register(kinds)
