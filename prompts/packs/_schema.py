"""``domain.yaml`` as a :class:`DomainSchema`, with the checks that need the whole file.

Slot names are full ``<service>-<slot>`` names everywhere in a pack, as in MultiWOZ 2.2, so an
example dialogue can mention any service's slots without ambiguity. Intent names are unique in a
pack, so an example turn's ``intent:`` alone says which service it belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from agent.domain import DomainSchema, IntentSpec, ServiceSpec, SlotSpec
from agent.normalize import normalize_value
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
    services = tuple(_service(s, ("services", i), located) for i, s in enumerate(model.services))
    lexicon = pack_lexicon(model.language, model.lexicon, located, ())
    return DomainSchema(name=model.name, services=services, lexicon=lexicon)


def _service(model: ServiceModel, loc: Loc, located: Located) -> ServiceSpec:
    slots = tuple(
        _slot(model.name, slot, (*loc, "slots", i), located) for i, slot in enumerate(model.slots)
    )
    names = {slot.name for slot in slots}
    intents = tuple(
        _intent(intent, names, (*loc, "intents", i), located)
        for i, intent in enumerate(model.intents)
    )
    return ServiceSpec(model.name, model.description.strip(), slots, intents)


def _slot(service: str, model: SlotModel, loc: Loc, located: Located) -> SlotSpec:
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
    return SlotSpec(
        name=model.name,
        description=model.description.strip(),
        categorical=model.categorical,
        values=values,
        examples=tuple(model.examples),
        result_values=tuple(model.result_values),
    )


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
