"""Choosing the next token: llama.cpp's sampler chain, with a grammar applied only when needed.

Applying a grammar to every candidate of a 150k vocabulary costs milliseconds per token, so (as
llama.cpp's own ``common_sampler`` does) the plain chain picks a token first and the grammar only
checks that one token; the full grammar pass runs only when the pick is rejected. Only tokens the
grammar allowed are ever accepted into it, which avoids llama.cpp's "empty grammar stack" abort.

Grammars are compiled in one place, :class:`GrammarCache`: once per text, when a generation is
asked for (so a bad grammar fails before the first token), and each generation samples with a
copy of that compiled grammar in its start state.
"""

from __future__ import annotations

import ctypes
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from agent.domain import GenerationParams
from agent.errors import ModelError
from agent.llm import _native
from agent.llm._native import Native, last_native_error

C = _native.C

_TOKEN_DATA = np.dtype([("id", "<i4"), ("logit", "<f4"), ("p", "<f4")])


class TokenSampler:
    """The sampler of one generation. ``grammar`` is a compiled grammar sampler in its start
    state (:meth:`GrammarCache.fresh`), or ``None``; the sampler owns it from here and frees it
    in :meth:`close`."""

    def __init__(self, native: Native, params: GenerationParams, grammar: Any = None) -> None:
        self._native = native
        self._chain = _chain(params)
        self._grammar: Any = grammar
        self._one = (C.llama_token_data * 1)()
        self._one_array = C.llama_token_data_array(self._one, 1, -1, False)
        self._all: np.ndarray[Any, Any] | None = None

    def sample(self) -> int:
        token = int(C.llama_sampler_sample(self._chain, self._native.ctx, -1))
        if self._grammar is None:
            return token
        if not self._allows(token):
            token = self._constrained()
        if not C.llama_vocab_is_eog(self._native.vocab, token):
            C.llama_sampler_accept(self._grammar, token)
        return token

    def close(self) -> None:
        for sampler in (self._chain, self._grammar):
            if sampler:
                C.llama_sampler_free(sampler)
        self._chain = self._grammar = None

    def _allows(self, token: int) -> bool:
        entry: Any = self._one[0]
        entry.id, entry.logit, entry.p = token, 1.0, 0.0
        self._one_array.size, self._one_array.selected = 1, -1
        C.llama_sampler_apply(self._grammar, ctypes.byref(self._one_array))
        return bool(np.isfinite(self._one[0].logit))

    def _constrained(self) -> int:
        """The full pass: grammar over all candidates, then the plain chain over what is left."""
        n_vocab = self._native.n_vocab
        if self._all is None:
            self._all = np.zeros(n_vocab, dtype=_TOKEN_DATA)
        candidates = self._all
        logits = C.llama_get_logits_ith(self._native.ctx, -1)
        candidates["id"] = np.arange(n_vocab, dtype=np.int32)
        candidates["logit"] = np.ctypeslib.as_array(logits, shape=(n_vocab,))
        candidates["p"] = 0.0
        data = candidates.ctypes.data_as(ctypes.POINTER(C.llama_token_data))
        array = C.llama_token_data_array(data, n_vocab, -1, False)
        C.llama_sampler_apply(self._grammar, ctypes.byref(array))
        C.llama_sampler_apply(self._chain, ctypes.byref(array))
        if array.selected < 0 or not np.isfinite(candidates["logit"][array.selected]):
            raise ModelError("the grammar allows no next token here; check the grammar's rules")
        return int(candidates["id"][array.selected])


class GrammarCache:
    """The compiled grammars of one model, by their text. Parsing is the costly part (and
    llama.cpp's reset of a grammar sampler parses the text again), so each text is parsed once
    and kept in its start state; a generation gets a clone, which copies the parsed rules. The
    least recently used beyond ``size`` are freed, :meth:`close` frees the rest (before the
    model is). Safe to share between threads."""

    def __init__(self, native: Native, size: int = 8) -> None:
        self._native = native
        self._size = size
        self._compiled: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, grammar: str) -> None:
        """Compile ``grammar`` unless it is cached: a ``ModelError`` now, if it is invalid."""
        with self._lock:
            self._start_state(grammar)

    def fresh(self, grammar: str) -> Any:
        """A sampler of ``grammar`` in its start state; the caller frees it."""
        with self._lock:
            return C.llama_sampler_clone(self._start_state(grammar))

    def close(self) -> None:
        with self._lock:
            while self._compiled:
                C.llama_sampler_free(self._compiled.popitem()[1])

    def __len__(self) -> int:
        return len(self._compiled)

    def _start_state(self, grammar: str) -> Any:
        sampler = self._compiled.pop(grammar, None) or compile_grammar(self._native, grammar)
        self._compiled[grammar] = sampler
        while len(self._compiled) > self._size:
            C.llama_sampler_free(self._compiled.popitem(last=False)[1])
        return sampler


def compile_grammar(native: Native, grammar: str) -> Any:
    """A llama.cpp grammar sampler, or a ``ModelError`` quoting llama.cpp's parse error."""
    sampler = C.llama_sampler_init_grammar(native.vocab, grammar.encode("utf-8"), b"root")
    if not sampler:
        detail = last_native_error() or "llama.cpp could not parse it"
        raise ModelError(
            f"invalid GBNF grammar ({detail}); check the rule names and that a 'root' rule exists"
        )
    return sampler


def _chain(params: GenerationParams) -> Any:
    chain = C.llama_sampler_chain_init(C.llama_sampler_chain_default_params())
    if params.temperature <= 0:
        C.llama_sampler_chain_add(chain, C.llama_sampler_init_greedy())
        return chain
    if params.top_p < 1.0:
        C.llama_sampler_chain_add(chain, C.llama_sampler_init_top_p(params.top_p, 1))
    C.llama_sampler_chain_add(chain, C.llama_sampler_init_temp(params.temperature))
    C.llama_sampler_chain_add(chain, C.llama_sampler_init_dist(params.seed & 0xFFFFFFFF))
    return chain
