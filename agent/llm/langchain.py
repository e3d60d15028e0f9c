"""LangChain in both directions.

* ``SlotchatChatModel`` is a LangChain ``BaseChatModel`` over any ``ChatModel`` (the llama.cpp
  runtime, the fake), so slotchat's model works in any LangChain chain, streaming included.
* ``LangChainChatModel`` (in ``agent.llm.remote``) is a ``ChatModel`` over any LangChain chat
  model, e.g. ``ChatOpenAI`` pointed at a llama.cpp or vLLM server: the path for users who
  outgrow one machine.

A message's ``cache`` flag travels as ``additional_kwargs["cache"]``; a constraint travels as the
``json_schema``/``grammar`` call options one way and as the OpenAI-compatible ``response_format``
/ ``grammar`` request fields the other way (what llama.cpp's servers understand).
"""

from __future__ import annotations

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
from agent.ports import ChatModel

_ROLES: dict[str, Role] = {"system": "system", "human": "user", "ai": "assistant"}


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
        generation = model.stream(to_messages(messages), params, _constraint(kwargs))
        for piece in generation:
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        meta = generation.result().meta
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
