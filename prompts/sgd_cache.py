"""A pickle of a loaded SGD split, so the second load of train takes a fraction of the first.

Parsing ~100 gzip'd JSON files and building ~10^6 frozen values is CPU-bound (3 s on an idle
core, 15 s on a busy laptop); unpickling the result is several times faster. The key covers every
input file's name, size and mtime plus :data:`FORMAT`, so an edited file or a changed loader
never serves stale data; a new pickle replaces older ones of the same label. The cache lives
in a folder the caller names (the user's cache directory); a cache that cannot be read or
written is only logged.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)

FORMAT = "sgd-cache-3"  # bump when the converted types or the conversion change

T = TypeVar("T")


def cached(cache_dir: Path, label: str, inputs: Sequence[Path], build: Callable[[], T]) -> T:
    """``build()``, or its pickled result from an earlier call with the same inputs."""
    path = cache_dir / f"{label}-{_key(inputs)}.pickle"
    try:
        with path.open("rb") as handle:
            value: T = pickle.load(handle)  # our own file, in the user's cache
        return value
    except FileNotFoundError:
        pass
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as error:
        log.warning("ignoring unreadable SGD cache %s: %s", path, error)
    value = build()
    _store(path, value)
    for stale in cache_dir.glob(f"{label}-*.pickle"):
        if stale != path:
            stale.unlink(missing_ok=True)  # one pickle per label: they are ~50 MB each
    return value


def _key(inputs: Sequence[Path]) -> str:
    digest = hashlib.sha256(FORMAT.encode())
    for path in inputs:
        stat = path.stat()
        digest.update(f"{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _store(path: Path, value: object) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        with partial.open("wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)
    except OSError as error:
        log.warning("cannot write the SGD cache %s: %s", path, error)
