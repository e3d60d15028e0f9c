"""What every ChatModel here shares: ``complete`` is ``stream`` read to the end, and a model
without a prompt cache has nothing to warm."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from agent.domain import Completion, Constraint, GenerationParams, Message
from agent.ports import CancelToken, Generation


class StreamCompletion(ABC):
    """Mixin: subclasses implement ``stream``, returning a :class:`Generation` whose producer
    records the run's end."""

    @abstractmethod
    def stream(
        self,
        messages: Sequence[Message],
        params: GenerationParams | None = None,
        constraint: Constraint | None = None,
        cancel: CancelToken | None = None,
    ) -> Generation:
        """The reply's text pieces, and the run's record once they end."""

    def complete(
        self,
        messages: Sequence[Message],
        params: GenerationParams | None = None,
        constraint: Constraint | None = None,
        cancel: CancelToken | None = None,
    ) -> Completion:
        return self.stream(messages, params, constraint, cancel).drain()

    def warm(self, messages: Sequence[Message]) -> None:
        """Nothing to prepare by default; the llama.cpp runtime caches the prefix."""
        return None
