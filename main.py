"""slotchat: the composition root and command line.

Parses arguments, then hands over to the command's module in ``cli/``, which builds the objects
it needs (model, memory store, domain) and runs. Nothing heavy is imported before a command runs,
so ``slotchat --help`` is instant.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from agent.errors import SlotchatError
from cli import COMMAND_MODULES, load_command_module
from cli.settings import add_global_options

EPILOG = """\
examples:
  slotchat                                  open the chat (default model, cambridge domain)
  slotchat repl --model tiny --show-state   line-based chat for pipes
  slotchat test tests/dialogues             run scripted dialogue tests
  slotchat eval sgd --data ../shared/data/sgd --split dev --limit-dialogues 20
  slotchat bench model --model tiny --json bench.json

environment: SLOTCHAT_DB_URL (database URL), SLOTCHAT_DEBUG=1 (show tracebacks)
"""


def version() -> str:
    """The installed distribution's version; in a source checkout, the one pyproject.toml says."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    try:
        return installed_version("slotchat")
    except PackageNotFoundError:
        import tomllib
        from pathlib import Path

        pyproject = Path(__file__).with_name("pyproject.toml")
        try:
            return str(tomllib.loads(pyproject.read_text())["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slotchat",
        description="A local, private, task-oriented chatbot that learns tasks in context.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"slotchat {version()}")
    add_global_options(parser, suppress_defaults=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        load_command_module(name).register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    debug = os.environ.get("SLOTCHAT_DEBUG") == "1"
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    if args.command is None:
        args = build_parser().parse_args([*(argv or sys.argv[1:]), "chat"])
    try:
        return int(args.func(args) or 0)
    except SlotchatError as error:
        if debug:
            raise
        sys.stderr.write(f"slotchat: {error}\n")
        return error.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("slotchat: interrupted\n")
        return 130
    except BrokenPipeError:
        # the reader left (`slotchat sessions list | head`): stop quietly, as other tools do;
        # stdout goes to /dev/null so the interpreter's final flush cannot fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
