"""``LangChainChatModel``: any LangChain chat model as slotchat's ``ChatModel``.

The path for users who outgrow one machine: ``ChatOpenAI(base_url=...)`` pointed at a llama.cpp
or vLLM server. Generation settings and constraints travel as OpenAI-compatible request fields
(``response_format`` with a schema, ``grammar``), which llama.cpp's servers understand.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from agent.domain import Constraint, GenerationMeta, GenerationParams, Message
from agent.errors import ModelError
from agent.llm._completion import StreamCompletion
from agent.llm.langchain import to_langchain
from agent.ports import CancelToken, Generation, RunEnded

_WORDS = re.compile(r"\w+|[^\w\s]")


class LangChainChatModel(StreamCompletion):
    """A ``ChatModel`` over a LangChain chat model. Generation settings and constraints are sent
    as OpenAI-style request fields (``max_tokens``, ``temperature``, ``top_p``, ``seed``,
    ``response_format``, ``grammar``), which ``ChatOpenAI`` forwards to the server; set
    ``send_params=False`` for chat models that reject unknown call options."""

    def __init__(
        self,
        chat_model: BaseChatModel,
        *,
        name: str | None = None,
        context_size: int = 4096,
        send_params: bool = True,
    ) -> None:
        self._chat_model = chat_model
        self._name = name or str(getattr(chat_model, "model_name", "") or chat_model._llm_type)
        self._context_size = context_size
        self._send_params = send_params

    @property
    def name(self) -> str:
        return self._name

    @property
    def context_size(self) -> int:
        return self._context_size

    def count_tokens(self, text: str) -> int:
        """An estimate (words and punctuation): a remote server's tokenizer is not at hand."""
        return len(_WORDS.findall(text))

    def stream(
        self,
        messages: Sequence[Message],
        params: GenerationParams | None = None,
        constraint: Constraint | None = None,
        cancel: CancelToken | None = None,
    ) -> Generation:
        params = params or GenerationParams()
        options = self._options(params, constraint)
        return Generation(
            lambda ended: self._generate(list(messages), params, options, cancel, ended)
        )

    def _generate(
        self,
        messages: list[Message],
        params: GenerationParams,
        options: dict[str, Any],
        cancel: CancelToken | None,
        ended: RunEnded,
    ) -> Iterator[str]:
        run = _RemoteRun(messages, self)
        chunks = self._chat_model.stream(
            to_langchain(messages), stop=list(params.stop) or None, **options
        )
        try:
            for chunk in chunks:
                if cancel is not None and cancel.is_set():
                    run.finish = "cancelled"
                    break
                run.observe(chunk)
                piece = str(chunk.text)
                if piece:
                    run.text(piece)
                    yield piece
        except Exception as error:  # the transport's errors vary: httpx, openai, server-side
            run.finish = "error"
            raise ModelError(f"the remote chat model failed: {error}") from error
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
            ended(run.finish, run.meta())

    def _options(self, params: GenerationParams, constraint: Constraint | None) -> dict[str, Any]:
        if not self._send_params:
            return {}
        # ChatOpenAI renames max_tokens to max_completion_tokens, which llama.cpp's servers
        # ignore: the old name goes in the request body as well.
        body: dict[str, Any] = {"max_tokens": params.max_tokens}
        options: dict[str, Any] = {
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "seed": params.seed,
            "extra_body": body,
        }
        if constraint is not None and constraint.json_schema is not None:
            schema = dict(constraint.json_schema)
            options["response_format"] = {"type": "json_object", "schema": schema}
        elif constraint is not None and constraint.gbnf is not None:
            body["grammar"] = constraint.gbnf
        return options


class _RemoteRun:
    def __init__(self, messages: list[Message], model: LangChainChatModel) -> None:
        self.model = model
        self.started = time.perf_counter()
        self.first = 0.0
        self.pieces: list[str] = []
        self.finish = "stop"
        self.usage: Mapping[str, Any] = {}
        self.prompt_estimate = sum(model.count_tokens(m.content) for m in messages)

    def observe(self, chunk: BaseMessage) -> None:
        reason = chunk.response_metadata.get("finish_reason")
        if reason:
            self.finish = "length" if reason == "length" else "stop"
        usage = getattr(chunk, "usage_metadata", None)
        if usage:
            self.usage = usage

    def text(self, piece: str) -> None:
        self.first = self.first or time.perf_counter()
        self.pieces.append(piece)

    def meta(self) -> GenerationMeta:
        return GenerationMeta(
            model=self.model.name,
            prompt_tokens=int(self.usage.get("input_tokens", self.prompt_estimate)),
            completion_tokens=int(
                self.usage.get("output_tokens", self.model.count_tokens("".join(self.pieces)))
            ),
            latency_s=time.perf_counter() - self.started,
            first_token_s=self.first - self.started if self.first else 0.0,
            cut_off=self.finish != "stop",
        )
