"""Messages → prompt text with the chat template stored in the GGUF, split at the cached prefix.

The template is the model's own (Jinja, as in ``tokenizer.chat_template``), rendered with
llama-cpp-python's sandboxed formatter, so no template tokens are written by hand here. A base
model without a template (Gemma-3-270M base) gets a plain ``role: text`` transcript instead.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agent.domain import Message
from agent.errors import ModelError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedPrompt:
    """``prefix`` is the static part (the leading ``cache=True`` messages), ``tail`` the rest."""

    prefix: str
    tail: str
    stop: tuple[str, ...] = ()


class ChatTemplate:
    def __init__(self, template: str | None, *, bos_token: str, eos_token: str) -> None:
        self.native = bool(template)
        self._open: Any = None
        self._closed: Any = None
        if template:
            from agent.llm._native import chat_formatter

            self._open = chat_formatter(template, bos_token, eos_token, open_turn=True)
            self._closed = chat_formatter(template, bos_token, eos_token, open_turn=False)

    def render(self, messages: Sequence[Message]) -> RenderedPrompt:
        if not messages:
            raise ModelError("a generation needs at least one message")
        static = _static_prefix(messages)
        full = self._text(messages, open_turn=True)
        if not static:
            return RenderedPrompt("", full, self._stops())
        prefix = self._text(static, open_turn=False)
        if not full.startswith(prefix):
            log.debug("the chat template renders the cached prefix differently; not caching it")
            return RenderedPrompt("", full, self._stops())
        return RenderedPrompt(prefix, full[len(prefix) :], self._stops())

    def _text(self, messages: Sequence[Message], *, open_turn: bool) -> str:
        formatter = self._open if open_turn else self._closed
        if formatter is None:
            return _transcript(messages, open_turn=open_turn)
        dicts = [{"role": m.role, "content": m.content} for m in messages]
        try:
            return str(formatter(messages=dicts).prompt)
        except Exception as error:  # Jinja raises many kinds; the template is the model's own
            raise ModelError(
                f"the model's chat template failed on these messages: {error}"
            ) from error

    def _stops(self) -> tuple[str, ...]:
        return () if self.native else ("\nuser:", "\nsystem:")


def _static_prefix(messages: Sequence[Message]) -> list[Message]:
    prefix: list[Message] = []
    for message in messages:
        if not message.cache:
            break
        prefix.append(message)
    return prefix


def _transcript(messages: Sequence[Message], *, open_turn: bool) -> str:
    text = "".join(f"{m.role}: {m.content.strip()}\n\n" for m in messages)
    return text + "assistant:" if open_turn else text
