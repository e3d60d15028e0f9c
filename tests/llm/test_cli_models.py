"""`slotchat models list|verify|path` and the bad inputs a user can give them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from main import main


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SLOTCHAT_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_list_shows_every_pack(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("default", "tiny", "gemma", "large"):
        assert name in out
    assert "Qwen2.5-Coder-0.5B-Instruct" in out and str(cache) in out


def test_path_assembles_then_verify_passes(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "path", "tiny"]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path.is_file() and path.parent.parent == cache
    assert main(["models", "verify", "tiny"]) == 0
    assert "tiny: OK" in capsys.readouterr().out


def test_verify_catches_a_changed_file_and_path_repairs_it(
    cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["models", "path", "tiny"])
    path = Path(capsys.readouterr().out.strip())
    stat = path.stat()
    with path.open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00\x01\x02")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert main(["models", "verify", "tiny"]) == 1
    assert "tiny: FAILED" in capsys.readouterr().out
    assert main(["models", "path", "tiny"]) == 0
    assert main(["models", "verify", "tiny"]) == 0


def test_unknown_pack_in_verify(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "verify", "nope"]) == 1
    assert "nope: FAILED: unknown model pack 'nope'" in capsys.readouterr().out


def test_non_gguf_path_is_one_clear_line(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "weights.gguf"
    bogus.write_text("not a model")
    assert main(["models", "path", str(bogus)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("slotchat: ") and "not a GGUF model file" in err
    assert "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "argv", [["--threads", "0", "models", "list"], ["models", "list", "--threads", "-1"]]
)
def test_threads_zero_is_refused(
    cache: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert "--threads must be at least 1" in capsys.readouterr().err
