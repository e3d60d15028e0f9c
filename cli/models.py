"""`models list|verify|path`: the model packs, their files in the cache, and their checksums."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.settings import command_parser


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(commands, "models", "list, verify and locate model packs")
    actions = parser.add_subparsers(dest="models_action", metavar="ACTION", required=True)
    listing = command_parser(actions, "list", "packs with size and install/verify status")
    listing.set_defaults(func=run_list)
    verify = command_parser(actions, "verify", "hash the assembled packs (assembling if needed)")
    verify.add_argument("names", nargs="*", metavar="NAME", help="packs (default: all installed)")
    verify.set_defaults(func=run_verify)
    path = command_parser(actions, "path", "print the GGUF path of a pack (assembling if needed)")
    path.add_argument("name", metavar="NAME|PATH.gguf")
    path.set_defaults(func=run_path)


def check_threads(args: argparse.Namespace) -> None:
    """``--threads 0`` or less is a mistake, whatever the command."""
    from agent.errors import UsageError

    threads = getattr(args, "threads", None)
    if threads is not None and threads < 1:
        raise UsageError(f"--threads must be at least 1 (got {threads}); try --threads 2")


def _cache_dir() -> Path:
    from cli.settings import cache_dir

    return cache_dir()


def run_list(args: argparse.Namespace) -> int:
    from agent.llm import packs

    check_threads(args)
    rows = [("NAME", "SIZE", "INSTALLED", "ASSEMBLED", "VERIFIED", "DESCRIPTION")]
    for pack in packs.PACKS.values():
        state = packs.status(pack, _cache_dir())
        rows.append(
            (
                pack.name,
                f"{pack.size / 1e6:.0f} MB",
                _yes(state.installed),
                _yes(state.assembled),
                _yes(state.verified),
                pack.description,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        sys.stdout.write("  ".join([*cells, row[-1]]) + "\n")
    sys.stdout.write(f"cache: {_cache_dir() / 'models'}\n")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from agent.errors import ModelError
    from agent.llm import packs
    from agent.llm.progress import StderrProgress

    check_threads(args)
    names = args.names or [
        p.name for p in packs.PACKS.values() if packs.status(p, _cache_dir()).installed
    ]
    failed = 0
    for name in names:
        try:
            pack = packs.get_pack(name)
            if not packs.assembled_path(pack, _cache_dir()).is_file():
                packs.ensure(pack, _cache_dir(), progress=StderrProgress(f"assembling {name}"))
            path = packs.verify(pack, _cache_dir())
        except ModelError as error:
            failed += 1
            sys.stdout.write(f"{name}: FAILED: {error}\n")
            continue
        sys.stdout.write(f"{name}: OK sha256 {pack.sha256[:16]}… {path}\n")
    return 1 if failed else 0


def run_path(args: argparse.Namespace) -> int:
    from agent.llm import packs
    from agent.llm.progress import StderrProgress

    check_threads(args)
    progress = StderrProgress(f"assembling model pack '{args.name}' (once)")
    sys.stdout.write(f"{packs.resolve(args.name, _cache_dir(), progress=progress)}\n")
    return 0


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
