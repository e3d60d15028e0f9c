"""What every ChatModel here shares: ``complete`` is ``stream`` joined, plus the last run's
finish reason and metadata."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence

from agent.domain import Completion, Constraint, GenerationMeta, GenerationParams, Message
from agent.ports import CancelToken


class StreamCompletion(ABC):
    """Mixin: subclasses implement ``stream`` and set ``_finish``/``_meta`` when a run ends."""

    _finish: str = "stop"
    _meta: GenerationMeta = GenerationMeta()

    @abstractmethod
    def stream(
        self,
        messages: Sequence[Message],
        params: GenerationParams | None = None,
        constraint: Constraint | None = None,
        cancel: CancelToken | None = None,
    ) -> Iterator[str]:
        """Yield the reply's text pieces; set ``_finish`` and ``_meta`` when done."""

    def complete(
        self,
        messages: Sequence[Message],
        params: GenerationParams | None = None,
        constraint: Constraint | None = None,
        cancel: CancelToken | None = None,
    ) -> Completion:
        text = "".join(self.stream(messages, params, constraint, cancel))
        return Completion(text=text, finish_reason=self._finish, meta=self._meta)

    def last_meta(self) -> GenerationMeta:
        return self._meta

    def warm(self, messages: Sequence[Message]) -> None:
        """Nothing to prepare by default; the llama.cpp runtime caches the prefix."""
        return None
