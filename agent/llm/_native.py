"""A thin layer over llama.cpp's C API (through ``llama_cpp.llama_cpp``).

The runtime talks to llama.cpp through this module only, so that the hot loop calls C functions
directly instead of going through ``llama_cpp.Llama`` (whose per-token path copies the logits into
NumPy and is 15% slower than a bare decode loop on these machines). llama.cpp's own log lines go
to the ``agent.llm.llama_cpp`` logger at debug level; the last error line is kept for messages.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# llama.cpp's CPU backend runs on OpenMP, whose idle threads spin by default. On a laptop or a
# shared machine with more runnable threads than cores that spinning starves the decode threads:
# measured here, 2 threads fell from 15 to 1 token/s under load. Passive waiting costs little when
# the machine is idle. libgomp reads this once, when it is loaded by the import below.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import llama_cpp.llama_cpp as C  # noqa: E402

__all__ = ["C", "Decoder", "Native", "chat_formatter", "load", "schema_converter"]

from agent.errors import ModelError

native_log = logging.getLogger("agent.llm.llama_cpp")
_init_lock = threading.Lock()
_initialized = False
_last_error: list[str] = [""]


@C.llama_log_callback  # type: ignore[untyped-decorator]
def _forward_log(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
    line = text.decode("utf-8", errors="replace").rstrip()
    if level == 3 and line:  # GGML_LOG_LEVEL_ERROR
        _last_error[0] = line
    if line:
        native_log.debug("%s", line)


def init_backend() -> None:
    """Once per process: route llama.cpp's logs to ``logging`` and initialise the backend."""
    global _initialized
    with _init_lock:
        if not _initialized:
            C.llama_log_set(_forward_log, ctypes.c_void_p(0))
            C.llama_backend_init()
            _initialized = True


def last_native_error() -> str:
    return _last_error[0]


@dataclass
class Native:
    """A loaded model and its context. ``ctx``/``vocab``/``memory`` are raw C pointers."""

    model: Any
    ctx: Any
    vocab: Any
    memory: Any
    n_ctx: int
    n_batch: int
    n_vocab: int

    def close(self) -> None:
        if self.ctx is not None:
            C.llama_free(self.ctx)
            self.ctx = None
        if self.model is not None:
            C.llama_model_free(self.model)
            self.model = None


def load(path: Path, *, n_ctx: int, threads: int) -> Native:
    init_backend()
    _last_error[0] = ""
    model_params = C.llama_model_default_params()
    # The "extra" CPU buffer types include AMX kernels, which crash with a general protection
    # fault on VMs whose CPU reports AMX without enabling it (seen on these machines).
    model_params.use_extra_bufts = False
    model = C.llama_model_load_from_file(str(path).encode(), model_params)
    if not model:
        raise ModelError(
            f"llama.cpp could not load {path} ({last_native_error() or 'unknown error'}); the "
            "file may be truncated or corrupt: use a pack (--model default) or re-download it"
        )
    params = C.llama_context_default_params()
    params.n_ctx = n_ctx
    params.n_batch = params.n_ubatch = min(512, n_ctx)
    params.n_threads = params.n_threads_batch = threads
    params.swa_full = True  # sliding-window models must keep old positions for prefix reuse
    # llama.cpp turns flash attention on for the CPU by default ("auto"); measured here with a
    # 600-token context it made a 40-token prompt tail 4x and each generated token 2x slower.
    params.flash_attn_type = C.LLAMA_FLASH_ATTN_TYPE_DISABLED
    params.no_perf = True
    ctx = C.llama_init_from_model(model, params)
    if not ctx:
        C.llama_model_free(model)
        raise ModelError(
            f"llama.cpp could not create a context of {n_ctx} tokens for {path} "
            f"({last_native_error() or 'out of memory?'}); try a smaller context"
        )
    vocab = C.llama_model_get_vocab(model)
    return Native(
        model=model,
        ctx=ctx,
        vocab=vocab,
        memory=C.llama_get_memory(ctx),
        n_ctx=C.llama_n_ctx(ctx),
        n_batch=C.llama_n_batch(ctx),
        n_vocab=C.llama_vocab_n_tokens(vocab),
    )


def meta_string(native: Native, key: str) -> str | None:
    size = C.llama_model_meta_val_str(native.model, key.encode(), None, 0)
    if size < 0:
        return None
    buffer = ctypes.create_string_buffer(size + 1)
    C.llama_model_meta_val_str(native.model, key.encode(), buffer, size + 1)
    return buffer.value.decode("utf-8", errors="replace")


def token_text(native: Native, token: int) -> str:
    if token < 0:
        return ""
    return bytes(C.llama_vocab_get_text(native.vocab, token) or b"").decode("utf-8", "replace")


def tokenize(native: Native, text: str, *, add_bos: bool, special: bool) -> list[int]:
    data = text.encode("utf-8")
    capacity = len(data) + 8
    buffer = (C.llama_token * capacity)()
    count = C.llama_tokenize(native.vocab, data, len(data), buffer, capacity, add_bos, special)
    if count < 0:
        capacity = -count
        buffer = (C.llama_token * capacity)()
        count = C.llama_tokenize(native.vocab, data, len(data), buffer, capacity, add_bos, special)
    return list(buffer[:count])


class Decoder:
    """Feeds tokens to the context. One preallocated batch of one token keeps the per-token
    path to a single C call."""

    def __init__(self, native: Native) -> None:
        self._native = native
        self._one = (C.llama_token * 1)()
        self._single = C.llama_batch_get_one(self._one, 1)

    def step(self, token: int) -> None:
        self._one[0] = token
        self._check(C.llama_decode(self._native.ctx, self._single), 1)

    def feed(self, tokens: list[int]) -> None:
        """Evaluate a prompt in batches; logits are kept for the last token only."""
        for start in range(0, len(tokens), self._native.n_batch):
            chunk = tokens[start : start + self._native.n_batch]
            array = (C.llama_token * len(chunk))(*chunk)
            self._check(
                C.llama_decode(self._native.ctx, C.llama_batch_get_one(array, len(chunk))),
                len(chunk),
            )

    def _check(self, status: int, count: int) -> None:
        if status != 0:
            raise ModelError(
                f"llama.cpp failed to evaluate {count} token(s) (status {status}); "
                "the context may be full: shorten the prompt"
            )


def piece(native: Native, token: int, buffer: Any) -> bytes:
    """The bytes of one token (may be part of a UTF-8 character)."""
    size = C.llama_token_to_piece(native.vocab, token, buffer, len(buffer), 0, False)
    if size < 0:
        bigger = ctypes.create_string_buffer(-size)
        size = C.llama_token_to_piece(native.vocab, token, bigger, -size, 0, False)
        return bytes(bigger.raw[:size])
    return bytes(buffer.raw[:size])


def forget_from(native: Native, position: int) -> bool:
    """Drop KV entries of sequence 0 from ``position`` on; False if the cache cannot."""
    return bool(C.llama_memory_seq_rm(native.memory, 0, position, -1))


def clear(native: Native) -> None:
    C.llama_memory_clear(native.memory, True)


def save_sequence(native: Native) -> Any:
    size = C.llama_state_seq_get_size(native.ctx, 0)
    buffer = (ctypes.c_uint8 * size)()
    written = C.llama_state_seq_get_data(native.ctx, buffer, size, 0)
    return buffer if written == size else None


def restore_sequence(native: Native, state: Any) -> bool:
    clear(native)
    return bool(C.llama_state_seq_set_data(native.ctx, state, len(state), 0))


def schema_converter() -> Any:
    """llama-cpp-python's JSON-schema-to-GBNF converter (untyped upstream)."""
    from llama_cpp import llama_grammar

    converter: Any = llama_grammar.SchemaConverter
    return converter(prop_order={}, allow_fetch=False, dotall=False, raw_pattern=False)


def chat_formatter(template: str, bos_token: str, eos_token: str, *, open_turn: bool) -> Any:
    """llama-cpp-python's sandboxed Jinja renderer for a GGUF's chat template."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    return Jinja2ChatFormatter(template, eos_token, bos_token, add_generation_prompt=open_turn)
