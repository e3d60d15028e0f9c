"""The yardstick for ``bench model``: llama.cpp driven as barely as Python can, on the same loaded
model and context as the runtime, so the two can be compared in one process and run."""

from __future__ import annotations

import time
from dataclasses import dataclass

from agent.llm import _native as native_api
from agent.llm.runtime import LlamaRuntime

C = native_api.C


@dataclass(frozen=True)
class BareRun:
    prompt_tokens: int
    prompt_s: float  # evaluating the prompt from an empty cache
    tokens: list[int]  # generated greedily, EOG included if reached
    decode_s: float  # from the first sampled token to the last: len(tokens) - 1 decode steps

    @property
    def prompt_tok_s(self) -> float:
        return self.prompt_tokens / self.prompt_s if self.prompt_s else 0.0

    @property
    def decode_tok_s(self) -> float:
        steps = len(self.tokens) - 1
        return steps / self.decode_s if steps > 0 and self.decode_s else 0.0


def bare_greedy(runtime: LlamaRuntime, prompt: list[int], n_tokens: int) -> BareRun:
    """Empty the cache, evaluate ``prompt``, then greedy-sample and ``llama_decode`` one token at a
    time, ``n_tokens`` times: no detokenizing, no stop checks, no Python generator."""
    native = runtime.native
    runtime.cache.reset()
    decoder = native_api.Decoder(native)
    started = time.perf_counter()
    decoder.feed(prompt)
    prompt_s = time.perf_counter() - started
    chain = C.llama_sampler_chain_init(C.llama_sampler_chain_default_params())
    C.llama_sampler_chain_add(chain, C.llama_sampler_init_greedy())
    try:
        tokens = [C.llama_sampler_sample(chain, native.ctx, -1)]
        started = time.perf_counter()
        for _ in range(n_tokens - 1):
            decoder.step(tokens[-1])
            tokens.append(C.llama_sampler_sample(chain, native.ctx, -1))
        decode_s = time.perf_counter() - started
    finally:
        C.llama_sampler_free(chain)
        runtime.cache.reset()  # the runtime's record of the cache no longer matches it
    return BareRun(len(prompt), prompt_s, tokens, decode_s)
