"""The table of hostile inputs in docs/reliability.md, run row by row through the real program.

Each row is a real process: no traceback, the exit code the table gives, and one stderr line
(or the stdout the table quotes) holding the expected text. The test also checks that the doc's
table and this list name the same rows, so the two cannot drift apart.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_untrusted_yaml import SELF_REFERENCE, bomb

ROOT = Path(__file__).resolve().parents[1]
CAMBRIDGE = ROOT / "prompts" / "domains" / "cambridge"
DOC = ROOT / "docs" / "reliability.md"
pytestmark = pytest.mark.slow

Setup = Callable[[Path], list[str]]  # makes the files it needs in tmp, returns the arguments


@dataclass(frozen=True)
class Row:
    id: str
    setup: Setup
    code: int
    expect: str  # a substring of the last stderr line (or of stdout, for exit code 0)
    stdin: bytes = b""


def _pack(tmp: Path, name: str, text: str | bytes) -> Path:
    pack = tmp / "pack"
    shutil.copytree(CAMBRIDGE, pack)
    target = pack / name
    target.write_bytes(text if isinstance(text, bytes) else text.encode())
    return pack


def _script(tmp: Path, text: str | bytes) -> Path:
    path = tmp / "suite.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def _db(tmp: Path) -> str:
    return f"sqlite:///{tmp / 'h.db'}"


def _stored(tmp: Path, title: str) -> str:
    from storage import open_memory

    with open_memory(_db(tmp)) as memory:
        conversation = memory.create_conversation(title=title, domain="cambridge", model="m")
        memory.append_turn(conversation.id, "user", f"hello {title}")
    return _db(tmp)


def _corrupted_tiny(tmp: Path) -> list[str]:
    """The tiny pack assembled into a private cache, then one byte flipped in place with its
    size and mtime put back."""
    cache = tmp / "cache"
    env = {**os.environ, "SLOTCHAT_CACHE_DIR": str(cache)}
    subprocess.run(
        [sys.executable, "main.py", "models", "path", "tiny"], cwd=ROOT, env=env, check=True,
        capture_output=True,
    )  # fmt: skip
    gguf = next((cache / "models").glob("*.gguf"))
    stat = gguf.stat()
    with gguf.open("r+b") as handle:
        handle.seek(stat.st_size // 2)
        byte = handle.read(1)
        handle.seek(stat.st_size // 2)
        handle.write(bytes([byte[0] ^ 0xFF]))
    os.utime(gguf, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return ["models", "verify", "tiny"]


ROWS = [
    Row(
        "pack-alias-bomb",
        lambda t: ["domains", "check", str(_pack(t, "dialogues/x.yaml", bomb()))],
        1,
        "aliases",
    ),  # noqa: E501
    Row(
        "pack-self-alias",
        lambda t: ["domains", "check", str(_pack(t, "dialogues/x.yaml", SELF_REFERENCE))],
        1,
        "aliases",
    ),  # noqa: E501
    Row(
        "test-alias-bomb",
        lambda t: ["--model", "fake", "test", str(_script(t, "domain: cambridge\n" + bomb()))],
        1,
        "aliases",
    ),  # noqa: E501
    Row(
        "test-self-alias",
        lambda t: [
            "--model",
            "fake",
            "test",
            str(_script(t, "domain: cambridge\n" + SELF_REFERENCE)),
        ],
        1,
        "aliases",
    ),  # noqa: E501
    Row(
        "test-huge-file",
        lambda t: [
            "--model",
            "fake",
            "test",
            str(_script(t, "domain: cambridge\n#" + "x" * 5_000_000)),
        ],
        1,
        "MiB",
    ),  # noqa: E501
    Row(
        "pack-binary-garbage",
        lambda t: ["domains", "check", str(_pack(t, "domain.yaml", os.urandom(4096)))],
        1,
        "domain.yaml",
    ),  # noqa: E501
    Row(
        "pack-yaml-list",
        lambda t: ["domains", "check", str(_pack(t, "domain.yaml", "- a\n- b\n"))],
        1,
        "domain.yaml:1",
    ),  # noqa: E501
    Row(
        "pack-not-utf8",
        lambda t: [
            "domains",
            "check",
            str(_pack(t, "dialogues/x.yaml", b"dialogues: [\xff\xfe]\n")),
        ],
        1,
        "x.yaml",
    ),  # noqa: E501
    Row(
        "test-not-utf8",
        lambda t: ["--model", "fake", "test", str(_script(t, b"domain: cambridge\n\xff\xfe: x\n"))],
        1,
        "suite.yaml",
    ),  # noqa: E501
    Row(
        "db-mysql", lambda t: ["--db", "mysql://u@localhost/db", "sessions", "list"], 1, "psycopg 3"
    ),  # noqa: E501
    Row(
        "db-psycopg2",
        lambda t: ["--db", "postgresql+psycopg2://u@localhost/db", "sessions", "list"],
        1,
        "psycopg 3",
    ),  # noqa: E501
    Row(
        "db-unknown-dialect", lambda t: ["--db", "nosuchdb://x", "sessions", "list"], 1, "nosuchdb"
    ),  # noqa: E501
    Row(
        "db-garbage",
        lambda t: ["--db", "not a url", "sessions", "list"],
        1,
        "is not a database URL",
    ),  # noqa: E501
    Row(
        "db-in-memory", lambda t: ["--db", "sqlite://", "sessions", "list"], 1, "in-memory database"
    ),  # noqa: E501
    Row(
        "db-unreachable-postgres",
        lambda t: ["--db", "postgresql://u@127.0.0.1:1/x", "sessions", "list"],
        1,
        "cannot connect",
    ),  # noqa: E501
    Row("huge-id", lambda t: ["--db", _db(t), "sessions", "show", "9" * 30], 1, "no such record"),  # noqa: E501
    Row(
        "huge-limit",
        lambda t: ["--db", _db(t), "sessions", "search", "x", "--limit", "9" * 30],
        1,
        "no such record",
    ),  # noqa: E501
    Row(
        "escapes-in-stored-title",
        lambda t: ["--db", _stored(t, "\x1b]0;pwned\x07\x1b[2J"), "sessions", "list"],
        0,
        "\\x1b]0;pwned\\x07",
    ),  # noqa: E501
    Row(
        "escapes-in-stored-turn",
        lambda t: ["--db", _stored(t, "\x1b[31mred"), "sessions", "show", "1"],
        0,
        "\\x1b[31mred",
    ),  # noqa: E501
    Row(
        "rename-not-utf8",
        lambda t: [
            "--db",
            _stored(t, "t"),
            "sessions",
            "rename",
            "1",
            os.fsdecode(b"bad \xff name"),
        ],
        0,
        "renamed",
    ),  # noqa: E501
    Row(
        "stdin-not-utf8",
        lambda t: ["--model", "fake", "--db", _db(t), "repl"],
        0,
        "You said: hello",
        stdin=b"cheap \xff\xfe italian\nhello\n",
    ),  # noqa: E501
    Row("model-pack-corrupted-in-place", _corrupted_tiny, 1, "sha256"),
]


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_hostile_input(row: Row, tmp_path: Path) -> None:
    args = row.setup(tmp_path)
    env = {**os.environ, "SLOTCHAT_DATA_DIR": str(tmp_path / "data"), "SLOTCHAT_DEBUG": ""}
    env.setdefault("SLOTCHAT_CACHE_DIR", str(tmp_path / "cache"))
    done = subprocess.run(
        [sys.executable, "main.py", *args],
        input=row.stdin, capture_output=True, cwd=ROOT, env=env, timeout=120, check=False,
    )  # fmt: skip
    out, err = (done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace"))
    assert "Traceback" not in out + err
    assert done.returncode == row.code, (out, err)
    if row.code == 0:
        assert row.expect in out, out
        return
    # one line says it: the last on stderr, or (for `domains check`) the first on stdout
    said = [line for line in err.splitlines() if line.strip()][-1:] or out.splitlines()[:1]
    assert said and row.expect in said[0], (out, err)


def test_the_doc_table_lists_every_row() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Hostile inputs", 1)[1].split("\n## ", 1)[0]
    listed = {
        line.split("|")[1].strip().strip("`")
        for line in section.splitlines()
        if line.startswith("| `")
    }  # noqa: E501
    assert listed == {row.id for row in ROWS}
