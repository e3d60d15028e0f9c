"""Exemplars for services the bank has never seen: borrow a similar service and rename its slots.

8 of the 17 SGD dev services never occur in train. Their closest train services usually share the
task (``Restaurants_2`` ↔ ``Restaurants_1``) but not the slot names (``location``/``city``),
and a 0.5B model copies the names it sees in the exemplars. So an exemplar of the source service is
rewritten onto the target: each slot is mapped by name/description word overlap, one-to-one, and
turns that use a slot with no counterpart are skipped. The utterances and values stay exactly as
in train: only names change, so the exemplars remain honest train data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from agent.domain import AnnotatedTurn, DialogueState, IntentSpec, ServiceSpec, SlotSpec, StateDelta
from prompts.bm25 import tokenize

MIN_SLOT_SIMILARITY = 0.25
_FAMILY = re.compile(r"_\d+$")


def family(service: str) -> str:
    """``Restaurants_2`` → ``restaurants``: SGD's numbered variants of one task."""
    return _FAMILY.sub("", service).lower()


# A few generic words that schemas use interchangeably for one concept.
_CONCEPTS = {
    "city": "location",
    "town": "location",
    "destination": "location",
    "located": "location",
    "where": "location",
    "party": "people",
    "seats": "people",
    "size": "people",
    "guests": "people",
    "title": "name",
}
_GENERIC = frozenset(["whether", "has", "boolean", "flag", "indicating", "if", "tentative"])


def _words(name: str, description: str) -> set[str]:
    words = tokenize(name.replace("_", " ") + " " + description)
    return {_CONCEPTS.get(w, w) for w in words if w not in _GENERIC}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _common_words(service: ServiceSpec) -> set[str]:
    """Words in most of a service's slot descriptions (``restaurant``): no help telling slots
    apart, and they make every slot of two related services look alike."""
    counts: dict[str, int] = {}
    for slot in service.slots:
        for word in _words("", slot.description):
            counts[word] = counts.get(word, 0) + 1
    return {w for w, c in counts.items() if c * 2 > len(service.slots) and len(service.slots) > 3}


def _slot_words(slot: SlotSpec, common: set[str]) -> set[str]:
    words = _words(slot.name.split("-", 1)[-1], slot.description)
    return (words - common) or words


def slot_similarity(a: SlotSpec, b: SlotSpec, common: set[str] | None = None) -> float:
    """Word overlap of short names and descriptions, plus a bonus for equal short names.
    ``common``: words to ignore (see ``_common_words``)."""
    short_a, short_b = a.name.split("-", 1)[-1], b.name.split("-", 1)[-1]
    common = common or set()
    score = _jaccard(_slot_words(a, common), _slot_words(b, common))
    score += 0.5 * _jaccard(_words(short_a, "") - common, _words(short_b, "") - common)
    if short_a == short_b:
        score += 0.5
    if a.categorical != b.categorical:
        score -= 0.1
    return score


def service_similarity(target: ServiceSpec, source: ServiceSpec) -> float:
    """How well ``source``'s exemplars can stand in for ``target``'s."""
    same_family = 1.0 if family(target.name) == family(source.name) else 0.0
    slots = [max((slot_similarity(t, s) for s in source.slots), default=0.0) for t in target.slots]
    slot_score = sum(slots) / len(slots) if slots else 0.0
    words = _jaccard(
        _words(target.name, target.description), _words(source.name, source.description)
    )
    return same_family + slot_score + words


def similar_services(
    target: ServiceSpec, candidates: Sequence[ServiceSpec], n: int = 2
) -> list[ServiceSpec]:
    """The ``n`` candidates most similar to ``target``, best first (never ``target`` itself).
    Variants of the same task (``Hotels_1`` for ``Hotels_4``), when there are any, are the only
    ones returned: another task's exemplars would teach the wrong situations."""
    others = [c for c in candidates if c.name != target.name]
    kin = [c for c in others if family(c.name) == family(target.name)]
    return sorted(kin or others, key=lambda s: -service_similarity(target, s))[:n]


def slot_mapping(source: ServiceSpec, target: ServiceSpec) -> dict[str, str]:
    """Source slot name → target slot name, one-to-one, greedily by similarity."""
    common = _common_words(source) | _common_words(target)
    pairs = sorted(
        (
            (slot_similarity(s, t, common), s.name, t.name)
            for s in source.slots
            for t in target.slots
        ),
        reverse=True,
    )
    mapping: dict[str, str] = {}
    for score, source_name, target_name in pairs:
        if score < MIN_SLOT_SIMILARITY:
            break
        if source_name not in mapping and target_name not in mapping.values():
            mapping[source_name] = target_name
    return mapping


def _intent_score(a: IntentSpec, b: IntentSpec) -> float:
    words = _jaccard(_words(a.name, a.description), _words(b.name, b.description))
    return words + (0.5 if a.transactional == b.transactional else 0.0)


def intent_mapping(source: ServiceSpec, target: ServiceSpec) -> dict[str, str]:
    """Source intent → the target intent with the same transactional kind and most shared words."""
    mapping: dict[str, str] = {}
    for intent in source.intents:
        best = max(target.intents, key=lambda t: _intent_score(intent, t), default=None)
        if best is not None:
            mapping[intent.name] = best.name
    return mapping


class ServiceRewriter:
    """Rewrites turns of ``source`` so that they speak about ``target``."""

    def __init__(self, source: ServiceSpec, target: ServiceSpec) -> None:
        self.source, self.target = source, target
        self.slots = slot_mapping(source, target)
        self.intents = intent_mapping(source, target)

    def rewrite(self, turn: AnnotatedTurn) -> AnnotatedTurn | None:
        """The turn with ``source`` names replaced, or None when its delta cannot be mapped."""
        delta = turn.delta
        touched = [*delta.set, *delta.deleted, *delta.requested]
        if any(slot not in self.slots for slot in touched):
            return None  # another service's slot, or one the target has no counterpart for
        new_delta = StateDelta(
            set=self._slots(delta.set),
            deleted=frozenset(self._names(delta.deleted)),
            intents=self._intents(delta.intents),
            requested=frozenset(self._names(delta.requested)),
        )
        return replace(
            turn,
            services=(self.target.name,),
            prev_state=self._state(turn.prev_state),
            state=self._state(turn.state),
            delta=new_delta,
            acceptable={},
        )

    def _ours(self, slot: str) -> bool:
        return slot.startswith(self.source.name + "-")

    def _names(self, slots: frozenset[str]) -> list[str]:
        return [self.slots[s] for s in slots if s in self.slots]

    def _slots(self, values: Mapping[str, str]) -> dict[str, str]:
        return {self.slots[k]: v for k, v in values.items() if k in self.slots}

    def _intents(self, intents: Mapping[str, str]) -> dict[str, str]:
        intent = intents.get(self.source.name)
        mapped = self.intents.get(intent) if intent else None
        return {self.target.name: mapped} if mapped else {}

    def _state(self, state: DialogueState) -> DialogueState:
        return DialogueState(
            slots=self._slots(state.slots),
            intents=self._intents(state.intents),
            requested=frozenset(self._names(state.requested)),
        )
