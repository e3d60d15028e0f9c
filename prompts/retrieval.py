"""The exemplar bank, indexed once per service, and the candidates it offers for a target service.

Build one :class:`ExemplarIndex` over all of SGD train (a few seconds) and share it between the
many per-dialogue prompt managers of an evaluation; the selectors in :mod:`prompts.selectors`
only read it. The retrieval key is IC-DST's (Hu et al. 2022): previous state + last system turn +
user turn, scored with BM25 (:mod:`prompts.bm25`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from agent.domain import AnnotatedTurn, DialogueState, DomainSchema, ServiceSpec
from prompts.bm25 import BM25Index, tokenize
from prompts.schema_match import ServiceRewriter, similar_services

SOURCES_PER_UNSEEN = 2  # similar train services borrowed for a service the bank lacks
DETECT_HITS = 10  # nearest bank turns that vote on the service a user turn is about
FIXED_SCAN = 3000  # bank turns per service considered for the fixed exemplars


def key_tokens(state: DialogueState, system: str, user: str) -> list[str]:
    """IC-DST's retrieval key: previous state (short names and values), system, user."""
    state_words = [f"{slot.split('-', 1)[-1]} {value}" for slot, value in state.slots.items()]
    return tokenize(" ".join([*state_words, system, user]))


def turn_tokens(turn: AnnotatedTurn) -> list[str]:
    return key_tokens(turn.prev_state, turn.system, turn.user)


class ExemplarIndex:
    """Bank turns grouped by service, each group with its own BM25 index.

    ``schema`` describes the bank's services; without it, services missing from the bank get no
    exemplars (with it, they borrow rewritten exemplars from similar services).
    """

    def __init__(self, bank: Iterable[AnnotatedTurn], schema: DomainSchema | None = None) -> None:
        self.schema = schema
        self._turns: dict[str, list[AnnotatedTurn]] = {}
        self._bm25: dict[str, BM25Index] = {}
        self._rewriters: dict[str, list[ServiceRewriter]] = {}
        self._fixed: dict[tuple[str, int, frozenset[str]], list[AnnotatedTurn]] = {}
        self._all: list[AnnotatedTurn] = []
        self._global: BM25Index | None = None
        for turn in bank:
            self.add(turn)

    def add(self, turn: AnnotatedTurn) -> None:
        """Add a turn; the affected services are re-indexed on their next search."""
        for service in dict.fromkeys(turn.services):
            self._turns.setdefault(service, []).append(turn)
            self._bm25.pop(service, None)
        self._all.append(turn)
        self._global = None
        self._fixed.clear()

    def warm(self) -> ExemplarIndex:
        """Build every service's BM25 now, so the first searches are as fast as the rest."""
        for service in self._turns:
            self._index(service)
        self._global_index()
        return self

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(self._turns)

    def __len__(self) -> int:
        return len(self._all)

    def _global_index(self) -> BM25Index:
        if self._global is None:
            self._global = BM25Index([tokenize(t.user) for t in self._all])
        return self._global

    def detect(self, words: Sequence[str], targets: Sequence[ServiceSpec]) -> ServiceSpec | None:
        """Which of ``targets`` the user's ``words`` are about: the nearest bank turns over the
        whole bank (one IDF for all services, so common words weigh little) vote with their
        scores for the services their deltas change (or the target they stand in for)."""
        votes: dict[str, float] = {}
        for doc, score in self._global_index().top(words, DETECT_HITS):
            changed = _changed_services(self._all[doc])
            for target in targets:
                if any(r.source.name in changed for r in self.rewriters(target)):
                    votes[target.name] = votes.get(target.name, 0.0) + score
        best = max(votes, key=lambda name: votes[name], default=None)
        return next((t for t in targets if t.name == best), None)

    def turns(self, service: str) -> Sequence[AnnotatedTurn]:
        return self._turns.get(service, ())

    def _index(self, service: str) -> BM25Index:
        index = self._bm25.get(service)
        if index is None:
            index = BM25Index([turn_tokens(t) for t in self._turns.get(service, ())])
            self._bm25[service] = index
        return index

    def search(
        self, service: str, query: Sequence[str], n: int
    ) -> list[tuple[AnnotatedTurn, float]]:
        """The ``n`` bank turns of ``service`` nearest to ``query``, best first."""
        turns = self._turns.get(service, ())
        return [(turns[i], score) for i, score in self._index(service).top(query, n)]

    def rewriters(self, target: ServiceSpec) -> list[ServiceRewriter]:
        """How to borrow exemplars for ``target``: from itself, or from similar bank services."""
        cached = self._rewriters.get(target.name)
        if cached is not None:
            return cached
        if target.name in self._turns or self.schema is None:
            own = self.schema.service(target.name) if self.schema else None
            found = [ServiceRewriter(own or target, target)] if target.name in self._turns else []
        else:
            bank_services = [s for s in self.schema.services if s.name in self._turns]
            found = [ServiceRewriter(s, target) for s in similar_services(target, bank_services)]
            found = found[:SOURCES_PER_UNSEEN]
        self._rewriters[target.name] = found
        return found

    def candidates(
        self, target: ServiceSpec, query: Sequence[str], n: int, allowed: frozenset[str]
    ) -> list[tuple[AnnotatedTurn, float]]:
        """Up to ``n`` exemplars for ``target``, best first, rewritten onto it when borrowed and
        limited to the ``allowed`` services (turns that change other services are skipped)."""
        found: list[tuple[AnnotatedTurn, float]] = []
        for rewriter in self.rewriters(target):
            borrowed = rewriter.source.name != target.name
            for turn, score in self.search(rewriter.source.name, query, n * 4):
                fitted = rewriter.rewrite(turn) if borrowed else turn
                fitted = fit_to_services(fitted, allowed) if fitted is not None else None
                if fitted is not None:
                    found.append((fitted, score))
        found.sort(key=lambda pair: -pair[1])
        return found[:n]

    def fixed(self, target: ServiceSpec, n: int, allowed: frozenset[str]) -> list[AnnotatedTurn]:
        """``n`` exemplars for ``target`` that together cover the most slots and intents;
        the same for every query (cached), so they can sit in the cached prompt prefix."""
        key = (target.name, n, allowed)
        if key not in self._fixed:
            pool_key = (target.name, 0, allowed)  # n=0: the candidate pool, shared by every n
            if pool_key not in self._fixed:
                self._fixed[pool_key] = self._fitted(target, allowed)
            self._fixed[key] = _cover(self._fixed[pool_key], n)
        return self._fixed[key]

    def _fitted(self, target: ServiceSpec, allowed: frozenset[str]) -> list[AnnotatedTurn]:
        out: list[AnnotatedTurn] = []
        for rewriter in self.rewriters(target):
            borrowed = rewriter.source.name != target.name
            for turn in self._turns[rewriter.source.name][:FIXED_SCAN]:
                if not set(turn.prev_state.intents) <= {rewriter.source.name}:
                    continue  # a turn that follows another task may lean on its values
                fitted = rewriter.rewrite(turn) if borrowed else turn
                fitted = fit_to_services(fitted, allowed) if fitted is not None else None
                if fitted is not None and fitted.delta.set:
                    out.append(fitted)
        return out


def _changed_services(turn: AnnotatedTurn) -> set[str]:
    delta = turn.delta
    slots = [*delta.set, *delta.deleted, *delta.requested]
    return {s.split("-", 1)[0] for s in slots} | set(delta.intents) or set(turn.services)


def _cover(pool: Sequence[AnnotatedTurn], n: int) -> list[AnnotatedTurn]:
    """Greedy set cover of slot names and intents; ties go to the shorter user turn."""
    features = [_features(t) for t in pool]
    covered: set[str] = set()
    chosen: list[int] = []
    for _ in range(min(n, len(pool))):
        best = min(
            (i for i in range(len(pool)) if i not in chosen),
            key=lambda i: (
                -len(features[i] - covered),
                len(pool[i].user),
                pool[i].dialogue_id,
                pool[i].index,
            ),
        )
        chosen.append(best)
        covered |= features[best]
    return [pool[i] for i in chosen]


def _features(turn: AnnotatedTurn) -> set[str]:
    return {*turn.delta.set, *turn.delta.intents.values()}


def fit_to_services(turn: AnnotatedTurn, allowed: frozenset[str]) -> AnnotatedTurn | None:
    """The turn with its previous state limited to ``allowed`` services; None if its delta
    touches another service (the prompt's schema would not explain that output)."""
    delta = turn.delta
    touched = [*delta.set, *delta.deleted, *delta.requested]
    if any(slot.split("-", 1)[0] not in allowed for slot in touched):
        return None
    if any(service not in allowed for service in delta.intents):
        return None
    prev = turn.prev_state
    if all(slot.split("-", 1)[0] in allowed for slot in prev.slots) and all(
        s in allowed for s in prev.intents
    ):
        return turn
    projected = _project(prev, allowed)
    if _carries_hidden_values(turn, prev, projected):
        return None
    return replace(turn, prev_state=projected)


def _carries_hidden_values(turn: AnnotatedTurn, prev: DialogueState, shown: DialogueState) -> bool:
    """True if the delta copies a value from another service's state that the exemplar no
    longer shows (``to_location=SFO`` from an earlier flight): the output would look invented."""
    hidden = {v.lower() for k, v in prev.slots.items() if k not in shown.slots}
    text = f"{turn.system} {turn.user}".lower()
    return any(v.lower() in hidden and v.lower() not in text for v in turn.delta.set.values())


def _project(state: DialogueState, allowed: frozenset[str]) -> DialogueState:
    return DialogueState(
        slots={k: v for k, v in state.slots.items() if k.split("-", 1)[0] in allowed},
        intents={k: v for k, v in state.intents.items() if k in allowed},
        requested=frozenset(r for r in state.requested if r.split("-", 1)[0] in allowed),
    )
