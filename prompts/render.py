"""Plain-text pieces of the prompts: schema, dialogue state, exemplar turns, acts.

Everything here is deterministic text, so prompts can be snapshot-tested and the runtime's prefix
cache sees byte-identical static parts from turn to turn. The state is written compactly (one
line per service, short slot names) because it sits in the uncached tail of every turn; the
model's output format is :func:`agent.delta_text.render_delta` and nothing else.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from agent.delta_text import render_delta
from agent.domain import Act, ActType, AnnotatedTurn, DialogueState, Entity, ServiceSpec, SlotSpec

NO_STATE = "(empty)"
MAX_VALUES = 12  # categorical values listed in the schema; more would crowd out exemplars
# an offered entity in the responder's prompt: a few short attributes (a listing of every
# field, opening hours and blurbs included, cost ~70 tokens an entity before the first word)
MAX_OFFER_ATTRIBUTES = 3
MAX_OFFER_VALUE_CHARS = 40


def short_slot(name: str) -> str:
    """``Restaurants_1-city`` → ``city``."""
    return name.split("-", 1)[1] if "-" in name else name


def render_state(state: DialogueState) -> str:
    """``Restaurants_1: intent=FindRestaurants, city=San Jose`` per service, ``; `` between."""
    by_service: dict[str, list[str]] = {}
    for service, intent in state.intents.items():
        by_service.setdefault(service, []).append(f"intent={intent}")
    for slot, value in sorted(state.slots.items()):
        by_service.setdefault(slot.split("-", 1)[0], []).append(f"{short_slot(slot)}={value}")
    parts = [f"{service}: {', '.join(items)}" for service, items in by_service.items()]
    return "; ".join(parts) if parts else NO_STATE


def render_slot(slot: SlotSpec) -> str:
    """One schema line: name, description, and the allowed values of a categorical slot."""
    line = f"- {slot.name}: {slot.description.rstrip('.')}"
    if slot.categorical and slot.values:
        line += f" [{_values(slot.values)}]"
    return line


def _values(values: tuple[str, ...]) -> str:
    """``1, 2, … 8`` as ``1-8`` (saves ~15 tokens a slot); long lists end in ``...``."""
    if len(values) > 3 and all(v.isdigit() for v in values):
        numbers = [int(v) for v in values]
        if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return f"{values[0]}-{values[-1]}"
    shown = list(values[:MAX_VALUES]) + (["..."] if len(values) > MAX_VALUES else [])
    return ", ".join(shown)


def render_service(service: ServiceSpec) -> str:
    """A service: its description, intents and slots, one line each."""
    intents = ", ".join(f"{i.name} ({i.description.rstrip('.')})" for i in service.intents)
    lines = [f"{service.name}: {service.description.rstrip('.')}"]
    if intents:
        lines.append(f"intents: {intents}")
    lines.extend(render_slot(slot) for slot in service.slots)
    return "\n".join(lines)


def render_schema(services: Iterable[ServiceSpec]) -> str:
    return "\n\n".join(render_service(service) for service in services)


def exemplar_fields(turn: AnnotatedTurn) -> dict[str, str]:
    """The variables of an exemplar: what the model sees and the delta it should write."""
    return {
        "state": render_state(turn.prev_state),
        "system": turn.system or "(start)",
        "user": turn.user,
        "delta": render_delta(turn.delta),
    }


def query_fields(state: DialogueState, system_text: str, user_text: str) -> dict[str, str]:
    return {"state": render_state(state), "system": system_text or "(start)", "user": user_text}


def render_entity(entity: Entity, skip: Collection[str] = (), limit: int | None = None) -> str:
    """``- name (key=value, …)``: without the attributes ``skip`` names, and, when ``limit`` is
    given, only the first ``limit`` short ones."""
    pairs = [(short_slot(k), v) for k, v in entity.attributes.items()]
    pairs = [(k, v) for k, v in pairs if k not in skip]
    if limit is not None:
        pairs = [(k, v) for k, v in pairs if len(v) <= MAX_OFFER_VALUE_CHARS][:limit]
    attributes = ", ".join(f"{k}={v}" for k, v in pairs)
    return f"- {entity.name}" + (f" ({attributes})" if attributes else "")


def render_act(act: Act) -> str:
    """The facts the responder may use: act, service, slots, entities, booking. Each token here
    is read before the reply's first word, so an entity shows only what the act is about: in
    an offer what sets it apart (not what the search asked for, every match has that; a few
    short attributes: an offer is a sentence, not a listing), in an answer the attributes asked
    for, otherwise its name; a booking lists its own details."""
    lines = [f"act: {act.type.value}" + (f" ({act.service})" if act.service else "")]
    if act.slots:
        lines.append("slots: " + ", ".join(short_slot(s) for s in act.slots))
    if act.entities or act.total:
        lines.append(f"matches: {act.total or len(act.entities)}")
    named = {short_slot(s) for s in act.slots}
    for entity in () if act.booking else act.entities:  # a booking names its entity
        if act.type is ActType.OFFER:
            lines.append(render_entity(entity, named, MAX_OFFER_ATTRIBUTES))
        else:
            other = {short_slot(k) for k in entity.attributes} - named
            lines.append(
                render_entity(entity, other if act.type is ActType.INFORM else other | named)
            )
    if act.relax:
        lines.append("could relax: " + ", ".join(short_slot(s) for s in act.relax))
    if act.booking is not None:
        lines.append(f"booking reference: {act.booking.reference}")
        lines.extend(_booking_lines(act.booking.entity, act.booking.slots))
    return "\n".join(lines)


def _booking_lines(entity: str, slots: Mapping[str, str]) -> list[str]:
    lines = [f"booked: {entity}"] if entity else []
    lines.extend(f"{short_slot(k)}: {v}" for k, v in slots.items())
    return lines


def render_history(history: Iterable[tuple[str, str]]) -> str:
    return "\n".join(f"{role}: {text}" for role, text in history) or "(start)"
