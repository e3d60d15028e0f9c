"""A database that cannot be used gives one clear message, a non-zero exit, and is left as is."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import main
from agent.errors import DatabaseUnavailable, StorageError
from storage import open_memory


def test_unreachable_postgres_names_the_url_and_the_fix() -> None:
    url = "postgresql://someone:secret@127.0.0.1:1/nowhere"
    with pytest.raises(DatabaseUnavailable) as caught:
        open_memory(url)
    message = str(caught.value)
    assert "127.0.0.1:1/nowhere" in message and "start the server" in message
    assert "secret" not in message


def test_read_only_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    open_memory(f"sqlite:///{path}").close()
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        with pytest.raises(DatabaseUnavailable, match="read-only.*chmod"):
            open_memory(f"sqlite:///{path}")
        assert path.read_bytes() == before
    finally:
        path.chmod(0o644)


@pytest.mark.parametrize(
    "content", [b"this is not a database at all\n" * 100, b"SQLite format 3\x00" + b"\xff" * 4000]
)
def test_corrupt_file_is_refused_and_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(content)
    with pytest.raises(DatabaseUnavailable, match="not a readable slotchat database.*untouched"):
        open_memory(f"sqlite:///{path}")
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corrupt.db"]


def test_bad_url_is_a_storage_error() -> None:
    with pytest.raises(StorageError, match="not a database URL"):
        open_memory("nonsense")


def test_cli_prints_one_line_and_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"garbage" * 500)
    assert main.main(["--db", f"sqlite:///{path}", "sessions", "list"]) != 0
    assert main.main(["sessions", "list", "--db", "postgresql://u@127.0.0.1:1/x"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("slotchat: ") for line in err)
    assert "corrupt.db" in err[0] and "127.0.0.1:1/x" in err[1]


def test_database_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "slotchat.db"
    open_memory(f"sqlite:///{path}").close()
    assert path.is_file() and os.access(path, os.W_OK)
