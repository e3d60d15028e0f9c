"""Choosing the next token: llama.cpp's sampler chain, with a grammar applied only when needed.

Applying a grammar to every candidate of a 150k vocabulary costs milliseconds per token, so (as
llama.cpp's own ``common_sampler`` does) the plain chain picks a token first and the grammar only
checks that one token; the full grammar pass runs only when the pick is rejected. Only tokens the
grammar allowed are ever accepted into it, which avoids llama.cpp's "empty grammar stack" abort.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from agent.domain import GenerationParams
from agent.errors import ModelError
from agent.llm import _native
from agent.llm._native import Native, last_native_error

C = _native.C

_TOKEN_DATA = np.dtype([("id", "<i4"), ("logit", "<f4"), ("p", "<f4")])


class TokenSampler:
    def __init__(self, native: Native, params: GenerationParams, grammar: str | None) -> None:
        self._native = native
        self._chain = _chain(params)
        self._grammar: Any = None
        self._one = (C.llama_token_data * 1)()
        self._one_array = C.llama_token_data_array(self._one, 1, -1, False)
        self._all: np.ndarray[Any, Any] | None = None
        if grammar is not None:
            self._grammar = compile_grammar(native, grammar)

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
