"""`sessions`: list, show, search, export, delete, restore, rename, archive and import
conversations in the memory store (the database of --db / SLOTCHAT_DB_URL)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from agent.errors import UsageError
from cli.settings import Settings, command_parser
from cli.terminal_text import printable

if TYPE_CHECKING:
    from storage.store import SqlMemory


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = command_parser(
        commands, "sessions", "list, show, search, export, delete and import conversations"
    )
    actions = parser.add_subparsers(dest="sessions_action", metavar="ACTION", required=True)
    _add(actions, "list", _list, "conversations, newest first").add_argument(
        "--all", action="store_true", help="include archived and deleted conversations"
    )
    _add(actions, "show", _show, "a conversation's active branch as Markdown", ids=True)
    search = _add(actions, "search", _search, "full-text search over every turn")
    search.add_argument("query", nargs="+", help="words to find (all must occur)")
    search.add_argument("--limit", type=int, default=20)
    export = _add(actions, "export", _export, "write a conversation as Markdown or JSON", ids=True)
    export.add_argument("--format", choices=("md", "json"), default="md")
    export.add_argument("-o", "--output", metavar="FILE", help="default: standard output")
    delete = _add(actions, "delete", _delete, "delete a conversation (restorable)", ids=True)
    delete.add_argument("--purge", action="store_true", help="remove it for good")
    _add(actions, "restore", _restore, "undo a delete", ids=True)
    rename = _add(actions, "rename", _rename, "give a conversation a new title", ids=True)
    rename.add_argument("title")
    archive = _add(actions, "archive", _archive, "hide a conversation from the list", ids=True)
    archive.add_argument("--undo", action="store_true", help="unarchive")
    _add(actions, "import", _import, "add a conversation from a JSON export").add_argument(
        "file", help="a file written by `sessions export ID --format json`"
    )


def _add(
    actions: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    func: object,
    help_text: str,
    *,
    ids: bool = False,
) -> argparse.ArgumentParser:
    parser = command_parser(actions, name, help_text)
    if ids:
        parser.add_argument("id", type=int, help="conversation id (see `sessions list`)")
    parser.set_defaults(func=lambda args: _run(func, args))
    return parser


def _run(func: object, args: argparse.Namespace) -> int:
    from storage import open_memory

    with open_memory(Settings.from_args(args).db_url) as memory:
        return int(func(memory, args) or 0)  # type: ignore[operator]


def _out(text: str) -> None:
    """Print text from the store: terminal escapes in it are shown, never obeyed."""
    sys.stdout.write(printable(text))


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], wide: int = 48) -> str:
    """Plain columns, measured in terminal cells (Korean and emoji are two wide); long text is
    cut to ``wide`` cells with an ellipsis."""
    from rich.cells import cell_len, set_cell_size

    cells = [[_cell(value, wide, set_cell_size, cell_len) for value in row] for row in rows]
    widths = [max([cell_len(h), *(cell_len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = [list(headers), ["-" * w for w in widths], *cells]
    return "".join(
        "  ".join(c + " " * (w - cell_len(c)) for c, w in zip(line, widths, strict=True)).rstrip()
        + "\n"
        for line in lines
    )


def _cell(
    value: object,
    wide: int,
    fit: Callable[[str, int], str] | None = None,
    width: Callable[[str], int] = len,
) -> str:
    text = printable(" ".join(str(value).split()))  # newlines and tabs would break the columns
    if width(text) <= wide:
        return text
    return (fit(text, wide - 1) if fit else text[: wide - 1]).rstrip() + "…"


def _list(memory: SqlMemory, args: argparse.Namespace) -> int:
    conversations = memory.list_conversations(include_archived=args.all, include_deleted=args.all)
    if not conversations:
        _out("no conversations yet; start one with `slotchat`\n")
        return 0
    counts = memory.turn_counts()
    rows = [
        (c.id, c.title, c.domain, counts.get(c.id, 0), f"{c.updated_at:%Y-%m-%d %H:%M}", _flags(c))
        for c in conversations
    ]
    _out(table(("ID", "TITLE", "DOMAIN", "TURNS", "UPDATED (UTC)", "FLAGS"), rows))
    return 0


def _flags(conversation: object) -> str:
    names = ("archived", "deleted")
    return ",".join(name for name in names if getattr(conversation, name))


def _show(memory: SqlMemory, args: argparse.Namespace) -> int:
    from storage.markdown import export_markdown

    _out(export_markdown(memory, args.id))
    return 0


def _search(memory: SqlMemory, args: argparse.Namespace) -> int:
    hits = memory.search(" ".join(args.query), limit=args.limit)
    if not hits:
        _out("no matches\n")
        return 0
    rows = [(h.conversation_id, h.turn_id, h.role, h.conversation_title, h.snippet) for h in hits]
    _out(table(("CONV", "TURN", "ROLE", "TITLE", "MATCH"), rows, wide=60))
    return 0


def _export(memory: SqlMemory, args: argparse.Namespace) -> int:
    from storage.markdown import export_markdown
    from storage.transfer import dumps, export_json

    if args.format == "json":
        text = dumps(export_json(memory, args.id))
    else:
        text = export_markdown(memory, args.id)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        sys.stderr.write(f"wrote conversation {args.id} to {args.output}\n")
    elif sys.stdout.isatty():
        _out(text)
    else:  # a pipe or a file: the export exactly as stored
        sys.stdout.write(text)
    return 0


def _delete(memory: SqlMemory, args: argparse.Namespace) -> int:
    if args.purge:
        memory.purge(args.id)
        _out(f"conversation {args.id} purged\n")
    else:
        memory.delete(args.id)
        _out(f"conversation {args.id} deleted; undo with `slotchat sessions restore {args.id}`\n")
    return 0


def _restore(memory: SqlMemory, args: argparse.Namespace) -> int:
    memory.restore(args.id)
    _out(f"conversation {args.id} restored\n")
    return 0


def _rename(memory: SqlMemory, args: argparse.Namespace) -> int:
    memory.rename(args.id, args.title)
    _out(f"conversation {args.id} renamed\n")
    return 0


def _archive(memory: SqlMemory, args: argparse.Namespace) -> int:
    memory.archive(args.id, not args.undo)
    _out(f"conversation {args.id} {'unarchived' if args.undo else 'archived'}\n")
    return 0


def _import(memory: SqlMemory, args: argparse.Namespace) -> int:
    from storage.transfer import import_json

    path = Path(args.file)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UsageError(f"{path} is not JSON: {error}") from error
    conversation = import_json(memory, data, str(path))
    _out(f"imported as conversation {conversation.id}: {_cell(conversation.title, 200)}\n")
    return 0
