"""`domains`: list the built-in domain packs, show one, and check pack folders for mistakes."""

from __future__ import annotations

import argparse
import sys

from cli.settings import command_parser


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(commands, "domains", "list, show and check domain packs")
    actions = parser.add_subparsers(dest="domains_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the built-in domain packs")
    listing.set_defaults(func=run_list)
    show = actions.add_parser("show", help="services, slots, intents and counts of a pack")
    show.add_argument("pack", metavar="NAME|PATH", help="built-in name or pack folder")
    show.set_defaults(func=run_show)
    check = actions.add_parser(
        "check", help="validate pack folders; print every problem as file:line: field: message"
    )
    check.add_argument(
        "packs", nargs="*", metavar="NAME|PATH", help="packs to check (default: all built-in)"
    )
    check.set_defaults(func=run_check)


def run_list(args: argparse.Namespace) -> int:
    from prompts.packs import builtin_packs, load_pack

    for name in builtin_packs():
        pack = load_pack(name)
        services = ", ".join(s.name for s in pack.schema.services)
        sys.stdout.write(f"{name}\t{services}\t{len(pack.exemplars)} example turns\n")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from prompts.packs import load_pack, load_pack_dialogues

    pack = load_pack(args.pack)
    dialogues = load_pack_dialogues(args.pack)
    out = [f"{pack.schema.name}  ({pack.source})"]
    for service in pack.schema.services:
        records = len(pack.database.get(service.name, ()))
        out.append(f"\n{service.name}: {service.description}  [{records} database records]")
        for slot in service.slots:
            values = f" = {' | '.join(slot.values)}" if slot.categorical else ""
            out.append(f"  slot    {slot.name}{values}  -- {slot.description}")
        for intent in service.intents:
            kind = "transactional, " if intent.transactional else ""
            required = ", ".join(intent.required) or "nothing"
            out.append(f"  intent  {intent.name} ({kind}requires: {required})")
    out.append(f"\n{len(dialogues)} example dialogues, {len(pack.exemplars)} annotated user turns")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from prompts.packs import builtin_packs, check_pack

    failed = False
    for pack in args.packs or builtin_packs():
        problems = check_pack(pack)
        for problem in problems:
            sys.stdout.write(f"{problem}\n")
        failed = failed or bool(problems)
        verdict = f"{len(problems)} problem(s)" if problems else "OK"
        sys.stdout.write(f"{pack}: {verdict}\n")
    return 1 if failed else 0
