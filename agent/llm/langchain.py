"""LangChain in both directions.

* ``SlotchatChatModel`` is a LangChain ``BaseChatModel`` over any ``ChatModel`` (the llama.cpp
  runtime, the fake), so slotchat's model works in any LangChain chain, streaming included.
* ``LangChainChatModel`` is a ``ChatModel`` over any LangChain chat model, e.g. ``ChatOpenAI``
  pointed at a llama.cpp or vLLM server: the path for users who outgrow one machine.

A message's ``cache`` flag travels as ``additional_kwargs["cache"]``; a constraint travels as the
``json_schema``/``grammar`` call options one way and as the OpenAI-compatible ``response_format``
/ ``grammar`` request fields the other way (what llama.cpp's servers understand).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

from agent.domain import Completion, Constraint, GenerationMeta, GenerationParams, Message, Role
from agent.errors import ModelError
from agent.ports import CancelToken, ChatModel

_ROLES: dict[str, Role] = {"system": "system", "human": "user", "ai": "assistant"}
_WORDS = re.compile(r"\w+|[^\w\s]")


def to_messages(messages: Sequence[BaseMessage]) -> list[Message]:
    converted = []
    for message in messages:
        role = _ROLES.get(message.type)
        if role is None:
            raise ModelError(
                f"slotchat models take system, human and ai messages, not {message.type}"
            )
        cache = bool(message.additional_kwargs.get("cache", False))
        converted.append(Message(role, str(message.text), cache=cache))
    return converted


def to_langchain(messages: Sequence[Message]) -> list[BaseMessage]:
    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    extra = {"cache": True}
    return [
        kinds[m.role](content=m.content, additional_kwargs=extra if m.cache else {})
        for m in messages
    ]


class SlotchatChatModel(BaseChatModel):
    """LangChain's face of a ``ChatModel``. Options per call: ``json_schema``, ``grammar``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    chat_model: Any  # a ChatModel; Any because pydantic cannot check a Protocol
    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0

    @property
    def _llm_type(self) -> str:
        return "slotchat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.chat_model.name, "max_tokens": self.max_tokens}

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        completion: Completion = self.chat_model.complete(
            to_messages(messages), self._params(stop, kwargs), _constraint(kwargs)
        )
        message = AIMessage(
            content=completion.text,
            response_metadata=_response_metadata(completion.meta, completion.finish_reason),
            usage_metadata=_usage(completion.meta),
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        model: ChatModel = self.chat_model
        params = self._params(stop, kwargs)
        for piece in model.stream(to_messages(messages), params, _constraint(kwargs)):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        meta = model.last_meta()
        finish = "length" if meta.cut_off else "stop"
        last = AIMessageChunk(
            content="",
            response_metadata=_response_metadata(meta, finish),
            usage_metadata=_usage(meta),
        )
        yield ChatGenerationChunk(message=last)

    def _params(self, stop: list[str] | None, options: Mapping[str, Any]) -> GenerationParams:
        return GenerationParams(
            max_tokens=int(options.get("max_tokens", self.max_tokens)),
            temperature=float(options.get("temperature", self.temperature)),
            top_p=float(options.get("top_p", self.top_p)),
            seed=int(options.get("seed", self.seed)),
            stop=tuple(stop or ()),
        )


def _constraint(options: Mapping[str, Any]) -> Constraint | None:
    schema, grammar = options.get("json_schema"), options.get("grammar")
    if schema is None and grammar is None:
        return None
    return Constraint(json_schema=schema, gbnf=grammar)


def _response_metadata(meta: GenerationMeta, finish: str) -> dict[str, Any]:
    return {
        "model_name": meta.model,
        "finish_reason": finish,
        "cached_tokens": meta.cached_tokens,
        "first_token_s": meta.first_token_s,
        "latency_s": meta.latency_s,
    }


def _usage(meta: GenerationMeta) -> Any:
    return {
        "input_tokens": meta.prompt_tokens,
        "output_tokens": meta.completion_tokens,
        "total_tokens": meta.prompt_tokens + meta.completion_tokens,
    }


class LangChainChatModel:
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
        self._meta = GenerationMeta(model=self._name)
        self._finish = "stop"

    @property
    def name(self) -> str:
        return self._name

    @property
    def context_size(self) -> int:
        return self._context_size

    def count_tokens(self, text: str) -> int:
        """An estimate (words and punctuation): a remote server's tokenizer is not at hand."""
        return len(_WORDS.findall(text))

    def last_meta(self) -> GenerationMeta:
        return self._meta

    def stream(
        self,
        messages: Sequence[Message],
        params: GenerationParams | None = None,
        constraint: Constraint | None = None,
        cancel: CancelToken | None = None,
    ) -> Iterator[str]:
        params = params or GenerationParams()
        options = self._options(params, constraint)
        return self._generate(list(messages), params, options, cancel)

    def complete(
        self,
        messages: Sequence[Message],
        params: GenerationParams | None = None,
        constraint: Constraint | None = None,
        cancel: CancelToken | None = None,
    ) -> Completion:
        text = "".join(self.stream(messages, params, constraint, cancel))
        return Completion(text=text, finish_reason=self._finish, meta=self._meta)

    def _generate(
        self,
        messages: list[Message],
        params: GenerationParams,
        options: dict[str, Any],
        cancel: CancelToken | None,
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
            self._finish = run.finish
            self._meta = run.meta()

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
