"""``LlamaRuntime``: a GGUF model in process, behind the ``ChatModel`` port.

Everything a generation needs that can fail (template, tokenization, context size, grammar) is
checked when ``stream`` is called, before the first token; the tokens then come from a loop that
does per token one sample, one detokenize and one ``llama_decode``, nothing more. One generation
runs at a time: a lock serialises callers from different threads (the TUI worker, a test), and a
second generation started from the thread that is still consuming the first is an error rather
than a deadlock. Each call's record (tokens, timings, cut-off) comes back with its
:class:`~agent.ports.Generation`, never as state of the runtime.
"""

from __future__ import annotations

import codecs
import ctypes
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from agent.domain import Constraint, GenerationMeta, GenerationParams, Message
from agent.errors import ModelError
from agent.llm import _native as native_api
from agent.llm._completion import StreamCompletion
from agent.llm.grammar import constraint_grammar
from agent.llm.prompt_cache import PromptCache
from agent.llm.sampler import GrammarCache, TokenSampler
from agent.llm.stops import StopScanner
from agent.llm.template import ChatTemplate
from agent.ports import CancelToken, Generation, RunEnded

C = native_api.C  # through _native, which sets up the process before llama.cpp loads
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreparedPrompt:
    """A prompt as tokens: the static prefix (cacheable) and the rest."""

    prefix: list[int]
    tail: list[int]
    stops: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.prefix) + len(self.tail)


class LlamaRuntime(StreamCompletion):
    def __init__(
        self,
        path: Path,
        *,
        name: str | None = None,
        threads: int = 2,
        n_ctx: int = 4096,
        seed: int = 0,
        prefix_slots: int = 4,
    ) -> None:
        self.path = path
        self._name = name or path.stem
        self._seed = seed
        self.native = native_api.load(path, n_ctx=n_ctx, threads=threads)
        self._template = self._load_template()
        self._bos_text = native_api.token_text(self.native, C.llama_vocab_bos(self.native.vocab))
        self._add_bos = bool(C.llama_vocab_get_add_bos(self.native.vocab)) and bool(self._bos_text)
        self._decoder = native_api.Decoder(self.native)
        self.cache = PromptCache(self.native, self._decoder, slots=prefix_slots)
        self.grammars = GrammarCache(self.native)
        self._lock = threading.Lock()
        self._owner: int | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def context_size(self) -> int:
        return int(self.native.n_ctx)

    def count_tokens(self, text: str) -> int:
        return len(native_api.tokenize(self.native, text, add_bos=False, special=False))

    def close(self) -> None:
        """Free the model and its context (waits for a generation in another thread)."""
        if self._owner == threading.get_ident():
            raise ModelError("close the running generation before closing the model")
        with self._lock:
            self.grammars.close()
            self.native.close()

    def prepare(self, messages: Sequence[Message]) -> PreparedPrompt:
        """Render with the model's chat template and tokenize; check it fits the context."""
        rendered = self._template.render(messages)
        first = rendered.prefix or rendered.tail
        bos = self._add_bos and not first.startswith(self._bos_text)
        prefix = self._tokens(rendered.prefix, add_bos=bos)
        tail = self._tokens(rendered.tail, add_bos=bos and not rendered.prefix)
        prompt = PreparedPrompt(prefix, tail, rendered.stop)
        if prompt.size >= self.context_size:
            raise ModelError(
                f"the prompt is {prompt.size} tokens but the model's context holds "
                f"{self.context_size}; shorten the conversation or the examples"
            )
        return prompt

    def warm(self, messages: Sequence[Message]) -> None:
        """Evaluate and save the cached prefix of ``messages`` (those marked ``cache=True``)
        without generating, so the first real request with that prefix is served from it."""
        prompt = self.prepare(messages)
        if not prompt.prefix:
            return
        self._acquire()
        try:
            self.cache.load(prompt.prefix, prompt.tail or prompt.prefix[-1:])
        finally:
            self._release()

    def score_options(
        self, messages: Sequence[Message], options: Sequence[str]
    ) -> dict[str, float]:
        """The log-probability of each option as the model's whole answer to ``messages``
        (:class:`agent.ports.OptionScorer`): the sum over its tokens, each read from the logits
        after the prompt and the option's tokens before it. Options that share no first token
        cost nothing beyond the prompt; the context keeps the prompt for the next call."""
        prompt = self.prepare(messages)
        tokenized = {option: self._tokens(option, add_bos=False) for option in options}
        self._acquire()
        try:
            self.cache.load(prompt.prefix, prompt.tail)
            first = _log_softmax(self._last_logits())
            scores: dict[str, float] = {}
            for option, tokens in tokenized.items():
                total = float(first[tokens[0]]) if tokens else float("-inf")
                for index in range(1, len(tokens)):  # the option's later tokens, one by one
                    self.cache.load(prompt.prefix, [*prompt.tail, *tokens[:index]])
                    total += float(_log_softmax(self._last_logits())[tokens[index]])
                scores[option] = total
            return scores
        finally:
            self._release()

    def _last_logits(self) -> Any:
        logits = C.llama_get_logits_ith(self.native.ctx, -1)
        return np.ctypeslib.as_array(logits, shape=(self.native.n_vocab,)).astype(np.float64)

    def stream(
        self,
        messages: Sequence[Message],
        params: GenerationParams | None = None,
        constraint: Constraint | None = None,
        cancel: CancelToken | None = None,
    ) -> Generation:
        """Checks everything that can be checked now (template, context size, grammar: it is
        compiled here, once, into :attr:`grammars`) and raises ``ModelError`` before returning;
        the generation then yields the text pieces."""
        params = params or GenerationParams()
        prompt = self.prepare(messages)
        grammar = constraint_grammar(constraint)
        if grammar is not None:
            self.grammars.check(grammar)  # fail now, not mid-way
        return Generation(lambda ended: self._generate(prompt, params, grammar, cancel, ended))

    def _generate(
        self,
        prompt: PreparedPrompt,
        params: GenerationParams,
        grammar: str | None,
        cancel: CancelToken | None,
        ended: RunEnded,
    ) -> Iterator[str]:
        self._acquire()
        started = time.perf_counter()
        run = _Run(started)
        sampler: TokenSampler | None = None
        try:
            run.cached = self.cache.load(prompt.prefix, prompt.tail)
            seeded = params if params.seed else replace(params, seed=self._seed)
            compiled: Any = None if grammar is None else self.grammars.fresh(grammar)
            sampler = TokenSampler(self.native, seeded, compiled)
            stops = StopScanner((*prompt.stops, *params.stop))
            limit = min(params.max_tokens, self.context_size - prompt.size)
            yield from self._tokens_loop(sampler, stops, limit, run, cancel)
        except GeneratorExit:
            run.finish = "cancelled"  # the consumer stopped reading
            raise
        finally:
            if sampler is not None:
                sampler.close()
            ended(run.finish, run.meta(self._name, prompt.size))
            self._release()

    def _tokens_loop(
        self,
        sampler: TokenSampler,
        stops: StopScanner,
        limit: int,
        run: _Run,
        cancel: CancelToken | None,
    ) -> Iterator[str]:
        """The hot path: keep it free of anything that is not needed per token."""
        utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        buffer = ctypes.create_string_buffer(64)
        native, vocab, is_eog = self.native, self.native.vocab, C.llama_vocab_is_eog
        run.finish = "length"
        while run.produced < limit:
            if cancel is not None and cancel.is_set():
                run.finish = "cancelled"
                break
            token = sampler.sample()
            if is_eog(vocab, token):
                run.finish = "stop"
                break
            run.produced += 1
            text = stops.push(utf8.decode(native_api.piece(native, token, buffer)))
            if text:
                run.first = run.first or time.perf_counter()
                yield text
            if stops.stopped:
                run.finish = "stop"
                break
            if run.produced < limit:
                self.cache.step(token)
        rest = "" if stops.stopped else stops.push(utf8.decode(b"", final=True)) + stops.flush()
        if rest:
            run.first = run.first or time.perf_counter()
            yield rest

    def _tokens(self, text: str, *, add_bos: bool) -> list[int]:
        if not text:
            return []
        return native_api.tokenize(self.native, text, add_bos=add_bos, special=True)

    def _load_template(self) -> ChatTemplate:
        template = native_api.meta_string(self.native, "tokenizer.chat_template")
        if not template:
            log.info("%s has no chat template; using a plain transcript", self.path.name)
        vocab = self.native.vocab
        return ChatTemplate(
            template,
            bos_token=native_api.token_text(self.native, C.llama_vocab_bos(vocab)),
            eos_token=native_api.token_text(self.native, C.llama_vocab_eos(vocab)),
        )

    def _acquire(self) -> None:
        if self._owner == threading.get_ident():
            raise ModelError(
                "a generation is still running in this thread: consume or close it before "
                "starting another"
            )
        self._lock.acquire()
        self._owner = threading.get_ident()

    def _release(self) -> None:
        self._owner = None
        self._lock.release()


def _log_softmax(logits: Any) -> Any:
    top = float(np.max(logits))
    return logits - (top + float(np.log(np.sum(np.exp(logits - top)))))


class _Run:
    """Counters of one generation, turned into ``GenerationMeta`` at the end."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.first = 0.0
        self.produced = 0
        self.cached = 0
        self.finish = "stop"

    def meta(self, model: str, prompt_tokens: int) -> GenerationMeta:
        end = time.perf_counter()
        return GenerationMeta(
            model=model,
            prompt_tokens=prompt_tokens,
            completion_tokens=self.produced,
            cached_tokens=self.cached,
            latency_s=end - self.started,
            first_token_s=(self.first - self.started) if self.first else 0.0,
            cut_off=self.finish != "stop",
        )
