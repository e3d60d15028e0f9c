"""``domain.yaml`` as a :class:`DomainSchema`, with the checks that need the whole file.

Slot names are full ``<service>-<slot>`` names everywhere in a pack, as in MultiWOZ 2.2, so an
example dialogue can mention any service's slots without ambiguity. Intent names are unique in a
pack, so an example turn's ``intent:`` alone says which service it belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from agent.domain import DomainSchema, IntentSpec, ServiceSpec, SlotSpec
from agent.language.lexicon import Lexicon
from agent.language.normalize import normalize_value
from agent.language.slot_kinds import infer_kind
from prompts.packs._lexicon import pack_lexicon
from prompts.packs._models import DomainModel, IntentModel, ServiceModel, SlotModel
from prompts.packs._source import Loc, Located


def build_schema(model: DomainModel, located: Located) -> DomainSchema:
    """The schema; problems found on the way are added to ``located``."""
    _check_unique(located, ("services",), [s.name for s in model.services], "service")
    all_slots = [
        (i, j, slot.name) for i, s in enumerate(model.services) for j, slot in enumerate(s.slots)
    ]
    _check_unique_at(
        located, [(("services", i, "slots", j, "name"), n) for i, j, n in all_slots], "slot"
    )
    all_intents = [
        (("services", i, "intents", j, "name"), intent.name)
        for i, s in enumerate(model.services)
        for j, intent in enumerate(s.intents)
    ]
    _check_unique_at(located, all_intents, "intent")
    lexicon = pack_lexicon(model.language, model.lexicon, located, ())
    shared = _shared_aliases(model, located)
    context = _Context(located, lexicon, shared)
    services = tuple(_service(s, ("services", i), context) for i, s in enumerate(model.services))
    return DomainSchema(name=model.name, services=services, lexicon=lexicon)


@dataclass(frozen=True)
class _Context:
    """What every slot is built with: where problems go, the pack's lexicon, and the
    domain-level aliases (value -> other names, for every categorical slot with the value)."""

    located: Located
    lexicon: Lexicon
    shared: Mapping[str, tuple[str, ...]]


def _shared_aliases(model: DomainModel, located: Located) -> dict[str, tuple[str, ...]]:
    """``aliases:`` of ``domain.yaml``; a value no categorical slot has is a problem."""
    known = {v.lower() for s in model.services for slot in s.slots for v in slot.values}
    out: dict[str, tuple[str, ...]] = {}
    for value, names in model.aliases.items():
        if value.lower() not in known:
            located.add(
                ("aliases", value),
                f"'{value}' is no value of any categorical slot; aliases name a value's "
                "other names (centre: [center, downtown])",
            )
        out[value.lower()] = _phrases(names)
    return out


def _service(model: ServiceModel, loc: Loc, context: _Context) -> ServiceSpec:
    located = context.located
    slots = tuple(
        _slot(model.name, slot, (*loc, "slots", i), context) for i, slot in enumerate(model.slots)
    )
    names = {slot.name for slot in slots}
    intents = tuple(
        _intent(intent, names, (*loc, "intents", i), located)
        for i, intent in enumerate(model.intents)
    )
    return ServiceSpec(model.name, model.description.strip(), slots, intents)


def _slot(service: str, model: SlotModel, loc: Loc, context: _Context) -> SlotSpec:
    located = context.located
    if not model.name.startswith(f"{service}-") or len(model.name) <= len(service) + 1:
        located.add(
            (*loc, "name"),
            f"slot names start with their service: write '{service}-{model.name.split('-')[-1]}'",
        )
    if model.categorical and not model.values:
        located.add(
            (*loc, "values"),
            "a categorical slot needs its allowed values; list them or set categorical: false",
        )
    if model.values and not model.categorical:
        located.add(
            (*loc, "values"),
            "only categorical slots have allowed values; add "
            "categorical: true or rename 'values' to 'examples'",
        )
    values = tuple(dict.fromkeys(normalize_value(model.name, v) for v in model.values))
    if model.kind == "boolean" and not model.categorical:
        located.add(
            (*loc, "kind"), "a boolean slot is categorical; add categorical: true and its values"
        )
    kind = model.kind or infer_kind(model.categorical, values, model.examples, context.lexicon)
    return SlotSpec(
        name=model.name,
        description=model.description.strip(),
        categorical=model.categorical,
        values=values,
        examples=tuple(model.examples),
        result_values=tuple(model.result_values),
        kind=kind,
        aliases=_slot_aliases(model, values, kind, loc, context),
        mentions=_phrases(model.mentions),
    )


def _slot_aliases(
    model: SlotModel, values: tuple[str, ...], kind: str, loc: Loc, context: _Context
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The slot's own aliases and the domain-level ones of its values, value by value; an
    alias that is another of its values, or that two values share, is a problem."""
    merged: dict[str, tuple[str, ...]] = {}
    for value in values if model.categorical else ():
        if value in context.shared:
            merged[value] = context.shared[value]
    for key, names in model.aliases.items():
        value = normalize_value(model.name, key)
        if model.categorical and value not in values:
            context.located.add(
                (*loc, "aliases", key),
                f"'{key}' is not a value of {model.name}; use one of: {', '.join(values)}",
            )
        merged[value] = tuple(dict.fromkeys((*merged.get(value, ()), *_phrases(names))))
    # a yes/no slot's values may name each other ("free" is a "yes" for parking)
    others = () if kind == "boolean" else values
    _check_collisions(merged, others, (*loc, "aliases"), context.located)
    return tuple(merged.items())


def _check_collisions(
    aliases: Mapping[str, tuple[str, ...]], values: tuple[str, ...], loc: Loc, located: Located
) -> None:
    """An alias that is another value of the slot, or that two values share, is ambiguous."""
    owner: dict[str, str] = {}
    for value, names in aliases.items():
        for name in names:
            if name in values and name != value:
                located.add((*loc, value), f"alias '{name}' is itself a value of this slot")
            elif owner.setdefault(name, value) != value:
                located.add(
                    (*loc, value),
                    f"alias '{name}' names both '{owner[name]}' and '{value}'; keep it on one",
                )


def _phrases(names: Iterable[str]) -> tuple[str, ...]:
    cleaned = (" ".join(name.lower().replace("’", "'").split()) for name in names)
    return tuple(dict.fromkeys(name for name in cleaned if name))


def _intent(model: IntentModel, slots: set[str], loc: Loc, located: Located) -> IntentSpec:
    for key in ("required", "optional", "result_slots"):
        for i, name in enumerate(getattr(model, key)):
            if name not in slots:
                located.add(
                    (*loc, key, i),
                    f"intent '{model.name}' names slot '{name}', which "
                    f"its service does not have; use one of: {', '.join(sorted(slots))}",
                )
    return IntentSpec(
        name=model.name,
        description=model.description.strip(),
        required=tuple(model.required),
        optional=tuple(model.optional),
        transactional=model.transactional,
        result_slots=tuple(model.result_slots),
    )


def _check_unique(located: Located, loc: Loc, names: Iterable[str], what: str) -> None:
    _check_unique_at(located, [((*loc, i, "name"), n) for i, n in enumerate(names)], what)


def _check_unique_at(located: Located, named: Sequence[tuple[Loc, str]], what: str) -> None:
    first: dict[str, Loc] = {}
    for loc, name in named:
        if name in first:
            line = located.line(first[name])
            located.add(
                loc, f"duplicate {what} name '{name}' (first at line {line}); rename or remove one"
            )
        else:
            first[name] = loc
