"""`slotchat sessions …` and `slotchat bench memory` through main.main()."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import main
from agent.domain import DialogueState
from storage import open_memory


@pytest.fixture
def seeded(db_url: str) -> str:
    with open_memory(db_url) as memory:
        cid = memory.create_conversation(
            title="Italian\tdinner", domain="cambridge", model="tiny"
        ).id
        user = memory.append_turn(cid, "user", "cheap italian in the centre")
        memory.save_state(user.id, DialogueState({"restaurant-food": "italian"}))
        memory.append_turn(cid, "assistant", "Pizza Hut is a cheap italian place.")
        memory.create_conversation(title="empty", domain="cambridge", model="tiny")
    return db_url


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_list_show_search(seeded: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "--db", seeded, "sessions", "list")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == [
        "ID",
        "TITLE",
        "DOMAIN",
        "TURNS",
        "UPDATED",
        "(UTC)",
        "FLAGS",
    ]
    assert "Italian dinner" in out and len(lines) == 4
    code, out = _run(capsys, "sessions", "show", "1", "--db", seeded)
    assert code == 0 and "# Italian dinner" in out and "restaurant-food" in out
    code, out = _run(capsys, "sessions", "search", "cheap", "italian", "--db", seeded)
    assert code == 0 and "[cheap] [italian]" in out and len(out.splitlines()) == 4
    code, out = _run(capsys, "sessions", "search", "'; DROP TABLE turns; --", "--db", seeded)
    assert code == 0 and "no matches" in out


def test_export_import_delete_restore(
    seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "one.json"
    assert (
        _run(
            capsys, "--db", seeded, "sessions", "export", "1", "--format", "json", "-o", str(target)
        )[0]
        == 0
    )
    assert (
        json.loads(target.read_text(encoding="utf-8"))["conversation"]["title"] == "Italian\tdinner"
    )
    code, out = _run(capsys, "--db", seeded, "sessions", "import", str(target))
    assert code == 0 and "imported as conversation 3" in out
    code, out = _run(capsys, "--db", seeded, "sessions", "export", "3")
    assert code == 0 and out.startswith("# Italian dinner")
    assert _run(capsys, "--db", seeded, "sessions", "delete", "1")[0] == 0
    assert " 1 " not in _run(capsys, "--db", seeded, "sessions", "list")[1].split("\n", 2)[2]
    assert "deleted" in _run(capsys, "--db", seeded, "sessions", "list", "--all")[1]
    assert _run(capsys, "--db", seeded, "sessions", "restore", "1")[0] == 0
    assert _run(capsys, "--db", seeded, "sessions", "rename", "1", "Renamed")[0] == 0
    assert _run(capsys, "--db", seeded, "sessions", "archive", "2")[0] == 0
    out = _run(capsys, "--db", seeded, "sessions", "list")[1]
    assert "Renamed" in out and "empty" not in out
    assert _run(capsys, "--db", seeded, "sessions", "delete", "1", "--purge")[0] == 0
    code, out = _run(capsys, "--db", seeded, "sessions", "show", "1")
    assert code != 0 and out.startswith("slotchat: no conversation 1")


def test_import_of_a_bad_file(
    seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    code, out = _run(capsys, "--db", seeded, "sessions", "import", str(bad))
    assert code == 2 and "bad.json is not JSON" in out


def test_default_database_lives_in_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SLOTCHAT_DB_URL", raising=False)
    monkeypatch.setenv("SLOTCHAT_DATA_DIR", str(tmp_path / "data"))
    code, out = _run(capsys, "sessions", "list")
    assert code == 0 and "no conversations yet" in out
    assert (tmp_path / "data" / "slotchat.db").is_file()


def test_bench_memory_small(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A small corpus, to check the command and its JSON keys; speed is not asserted."""
    report = tmp_path / "bench.json"
    argv = ["bench", "memory", "--turns", "600", "--conversations", "5", "--appends", "20"]
    argv += ["--queries", "10", "--json", str(report)]
    if db_url.startswith("postgresql"):
        argv += ["--db", db_url]
    code, out = _run(capsys, *argv)
    assert code == 0, out
    results = json.loads(report.read_text(encoding="utf-8"))
    keys = {"backend", "turns", "append_p50_ms", "append_p99_ms", "branch_load_ms", "search_p95_ms"}
    assert keys <= set(results) and results["turns"] == 600 and results["branch_turns"] == 200
    assert results["backend"] == ("postgresql" if "postgresql" in db_url else "sqlite")


def test_bench_memory_refuses_an_existing_file(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if not seeded.startswith("sqlite"):
        pytest.skip("the check protects SQLite files")
    code, out = _run(capsys, "--db", seeded, "bench", "memory")
    assert code == 2 and "give a new file" in out
