"""Exemplar selection strategies, as LangChain example selectors over an :class:`ExemplarIndex`.

Accuracy wants exemplars chosen for the turn at hand; speed wants them in the runtime's cached
prompt prefix, which only works if they stay the same from turn to turn. Each strategy picks a
point on that line and says where its exemplars go: ``static`` ones (cacheable, placed after the
schema) and ``dynamic`` ones (placed in the per-turn tail, just before the current turn).

- ``fixed``: per service, the turns covering the most slots and intents; never change.
- ``bm25``: IC-DST, the k nearest turns by BM25 on every turn, nearest last; all dynamic.
- ``dialogue``: when a service first shows up, half BM25-nearest turns and half slot-covering
  ones, then kept for the rest of the dialogue; static, so later turns reuse the cached prefix.
- ``hybrid``: ``dialogue`` plus the single nearest turn per turn in the tail.

Lists are ordered least useful first: the prompt manager drops from the front when over budget.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from langchain_core.example_selectors import BaseExampleSelector

from agent.domain import AnnotatedTurn, DialogueState, DomainSchema, ServiceSpec
from agent.errors import UsageError
from prompts.bm25 import tokenize
from prompts.render import exemplar_fields
from prompts.retrieval import ExemplarIndex, key_tokens


@dataclass(frozen=True)
class Selection:
    """Exemplars for one turn: ``static`` go in the cached prefix, ``dynamic`` in the tail."""

    static: tuple[AnnotatedTurn, ...] = ()
    dynamic: tuple[AnnotatedTurn, ...] = ()


class ExemplarSelector(BaseExampleSelector, ABC):
    """Chooses exemplar turns for one dialogue's ``schema`` from a shared ``index``."""

    name: ClassVar[str]

    def __init__(self, index: ExemplarIndex, schema: DomainSchema, k: int = 4) -> None:
        self.index = index
        self.schema = schema
        self.k = k
        self.allowed = frozenset(s.name for s in schema.services)

    @abstractmethod
    def select(self, state: DialogueState, system: str, user: str) -> Selection: ...

    def reset(self) -> None:
        """Forget per-dialogue choices; called when a new dialogue starts."""

    def select_examples(self, input_variables: dict[str, Any]) -> list[dict[str, Any]]:
        """LangChain's entry point: ``state`` (a DialogueState), ``system``, ``user`` in; the
        exemplars' template variables out, static ones first."""
        state = input_variables.get("state")
        chosen = self.select(
            state if isinstance(state, DialogueState) else DialogueState(),
            str(input_variables.get("system", "")),
            str(input_variables.get("user", "")),
        )
        return [exemplar_fields(turn) for turn in (*chosen.static, *chosen.dynamic)]

    def add_example(self, example: dict[str, Any]) -> None:
        """Add ``{"turn": AnnotatedTurn}`` to the bank (shared by every selector on the index)."""
        turn = example.get("turn")
        if not isinstance(turn, AnnotatedTurn):
            raise TypeError("add_example expects {'turn': AnnotatedTurn}")
        self.index.add(turn)

    def with_nearest(
        self, selection: Selection, state: DialogueState, system: str, user: str
    ) -> Selection:
        """``selection``'s static exemplars plus the nearest turn not among them, as the one
        dynamic exemplar (``hybrid``, ``anchored``)."""
        taken = {id(t) for t in selection.static}
        hits = self.ranked(key_tokens(state, system, user), 2)
        extra = [turn for turn, _ in hits if id(turn) not in taken][:1]
        return Selection(static=selection.static, dynamic=tuple(extra))

    def ranked(
        self, query: Sequence[str], n: int, services: Sequence[ServiceSpec] = ()
    ) -> list[tuple[AnnotatedTurn, float]]:
        """The ``n`` best exemplars over ``services`` (default: all), best first, at most one
        per bank dialogue so that the few exemplars show different situations."""
        merged: list[tuple[AnnotatedTurn, float]] = []
        for service in services or self.schema.services:
            merged.extend(self.index.candidates(service, query, n, self.allowed))
        merged.sort(key=lambda pair: -pair[1])
        seen: set[str] = set()
        out: list[tuple[AnnotatedTurn, float]] = []
        for turn, score in merged:
            if turn.dialogue_id not in seen and len(out) < n:
                seen.add(turn.dialogue_id)
                out.append((turn, score))
        return out


class FixedSelector(ExemplarSelector):
    name = "fixed"

    def select(self, state: DialogueState, system: str, user: str) -> Selection:
        services = self.schema.services
        per_service = max(1, self.k // max(1, len(services)))
        chosen = [self.index.fixed(s, per_service, self.allowed) for s in services]
        ordered = [
            turns[rank]
            for rank in reversed(range(per_service))
            for turns in chosen
            if rank < len(turns)
        ]
        return Selection(static=tuple(ordered))


class BM25Selector(ExemplarSelector):
    name = "bm25"

    def select(self, state: DialogueState, system: str, user: str) -> Selection:
        hits = self.ranked(key_tokens(state, system, user), self.k)
        return Selection(dynamic=tuple(turn for turn, _ in reversed(hits)))


class DialogueSelector(ExemplarSelector):
    """Pins BM25 exemplars for a service when it first shows up, then keeps them."""

    name = "dialogue"

    def __init__(self, index: ExemplarIndex, schema: DomainSchema, k: int = 4) -> None:
        super().__init__(index, schema, k)
        self._pinned: dict[str, tuple[AnnotatedTurn, ...]] = {}

    def reset(self) -> None:
        self._pinned.clear()

    def select(self, state: DialogueState, system: str, user: str) -> Selection:
        query = key_tokens(state, system, user)
        for service in self._arrivals(state, user):
            n = self.k if not self._pinned else max(1, self.k // 2)
            self._pinned[service.name] = self._pin(service, query, n)
        return Selection(static=tuple(t for turns in self._pinned.values() for t in turns))

    def _pin(self, service: ServiceSpec, query: Sequence[str], n: int) -> tuple[AnnotatedTurn, ...]:
        """Half nearest turns (they match how this dialogue opens), half slot-covering ones
        (they show the slots the rest of the dialogue will fill); the nearest go last."""
        near = [turn for turn, _ in self.ranked(query, (n + 1) // 2, [service])]
        taken = {(t.dialogue_id, t.index) for t in near}
        cover = [
            t
            for t in self.index.fixed(service, n, self.allowed)
            if (t.dialogue_id, t.index) not in taken
        ]
        return tuple([*cover[: n - len(near)], *reversed(near)])

    def _arrivals(self, state: DialogueState, user: str) -> list[ServiceSpec]:
        """Services now in play without pinned exemplars: those in the state, and the one the
        user's words match best (so a service gets exemplars on the turn it is first named)."""
        names = [s for s in state.services if s in self.allowed]
        detected = self._detect(user)
        if detected is not None:
            names.append(detected.name)
        if not names and not self._pinned:
            names.append(self.schema.services[0].name)
        fresh = [n for n in dict.fromkeys(names) if n not in self._pinned]
        return [s for n in fresh if (s := self.schema.service(n)) is not None]

    def _detect(self, user: str) -> ServiceSpec | None:
        if len(self.schema.services) == 1:
            return self.schema.services[0]
        words = tokenize(user)
        return self.index.detect(words, self.schema.services) if words else None


class HybridSelector(DialogueSelector):
    """``dialogue`` in the prefix plus the nearest turn not already pinned, in the tail."""

    name = "hybrid"

    def select(self, state: DialogueState, system: str, user: str) -> Selection:
        return self.with_nearest(super().select(state, system, user), state, system, user)


class AnchoredSelector(FixedSelector):
    """``fixed`` in the prefix (the same for every conversation, so it is cached once, at
    start-up) plus the nearest turn not already there, in the tail: a chat never re-evaluates
    its exemplars when the conversation moves to another service."""

    name = "anchored"

    def select(self, state: DialogueState, system: str, user: str) -> Selection:
        return self.with_nearest(super().select(state, system, user), state, system, user)


STRATEGIES: dict[str, type[ExemplarSelector]] = {
    cls.name: cls
    for cls in (FixedSelector, BM25Selector, DialogueSelector, HybridSelector, AnchoredSelector)
}


def make_selector(
    strategy: str, index: ExemplarIndex, schema: DomainSchema, k: int
) -> ExemplarSelector:
    """The selector of ``strategy``; an unknown name is a ``UsageError`` listing the choices."""
    selector_class = STRATEGIES.get(strategy)
    if selector_class is None:
        raise UsageError(
            f"unknown exemplar strategy '{strategy}'; choose one of {', '.join(STRATEGIES)}"
        )
    return selector_class(index, schema, k)
