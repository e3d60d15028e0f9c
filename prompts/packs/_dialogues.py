"""Example dialogues (``dialogues/*.yaml``) as the pack's exemplar bank of annotated turns.

A user turn's annotation is the state *change* (``set``, ``delete``, ``intent``, ``requested``),
the same notion the tracker writes (see :mod:`agent.delta_text`); the gold state is accumulated
here. ``intent:`` names the active intent; it becomes part of the delta only when it changes,
so repeating it on every turn is harmless. Values are normalized the MultiWOZ way on load.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from agent.domain import (
    DONTCARE,
    ActType,
    AnnotatedDialogue,
    AnnotatedTurn,
    DialogueState,
    DomainSchema,
    StateDelta,
)
from agent.language.normalize import normalize_value
from prompts.packs._models import DialogueModel, TurnModel
from prompts.packs._source import Loc, Located

_ACT = re.compile(r"\s*(?P<type>[a-z_]+)\s*(?:\((?P<args>[^()]*)\))?\s*(?:,|$)")
_ACT_TYPES = frozenset(a.value for a in ActType)


@dataclass(frozen=True)
class _Context:
    schema: DomainSchema
    intents: dict[str, str]  # intent name -> service
    located: Located


def build_dialogue(
    model: DialogueModel, loc: Loc, schema: DomainSchema, located: Located
) -> AnnotatedDialogue:
    """The dialogue's user turns, annotated; problems are added to ``located``."""
    intents = {i.name: s.name for s in schema.services for i in s.intents}
    context = _Context(schema, intents, located)
    state, system = DialogueState(), ""
    turns: list[AnnotatedTurn] = []
    for position, turn in enumerate(model.turns):
        turn_loc = (*loc, "turns", position)
        _check_alternation(model.turns, position, turn_loc, located)
        if turn.user is None:
            system = turn.system or ""
            check_act(turn.act, (*turn_loc, "act"), context)
            continue
        delta = _delta(turn, state, turn_loc, context)
        after = model.turns[position + 1] if position + 1 < len(model.turns) else None
        turns.append(_annotated(model.id, len(turns), state, system, turn, delta, after))
        state = turns[-1].state
    services = tuple(dict.fromkeys(s for t in turns for s in t.services))
    return AnnotatedDialogue(id=model.id, services=services, turns=tuple(turns))


def _annotated(
    dialogue_id: str,
    index: int,
    prev: DialogueState,
    system: str,
    turn: TurnModel,
    delta: StateDelta,
    after: TurnModel | None,
) -> AnnotatedTurn:
    touched = [*delta.set, *delta.deleted, *delta.requested]
    services = dict.fromkeys(slot.split("-", 1)[0] for slot in touched)
    services.update(dict.fromkeys(delta.intents))
    return AnnotatedTurn(
        dialogue_id=dialogue_id,
        index=index,
        services=tuple(services),
        prev_state=prev,
        system=system,
        user=(turn.user or "").strip(),
        delta=delta,
        state=prev.apply(delta),
        system_act=after.act if after and after.system is not None else "",
        reply=(after.system or "").strip() if after else "",
    )


def _delta(turn: TurnModel, prev: DialogueState, loc: Loc, context: _Context) -> StateDelta:
    sets = {
        slot: _value(slot, value, (*loc, "set", slot), context)
        for slot, value in turn.set.items()
        if _known_slot(slot, (*loc, "set", slot), context)
    }
    deleted = frozenset(_deleted(turn, prev, loc, context))
    intents: dict[str, str] = {}
    if turn.intent is not None:
        service = context.intents.get(turn.intent)
        if service is None:
            names = ", ".join(sorted(context.intents)) or "(none defined in domain.yaml)"
            context.located.add(
                (*loc, "intent"), f"unknown intent '{turn.intent}'; use one of: {names}"
            )
        elif prev.intents.get(service) != turn.intent:
            intents[service] = turn.intent
    requested = frozenset(
        slot
        for i, slot in enumerate(turn.requested)
        if _known_slot(slot, (*loc, "requested", i), context)
    )
    return StateDelta(set=sets, deleted=deleted, intents=intents, requested=requested)


def _deleted(turn: TurnModel, prev: DialogueState, loc: Loc, context: _Context) -> list[str]:
    out = []
    for i, slot in enumerate(turn.delete):
        where = (*loc, "delete", i)
        if not _known_slot(slot, where, context):
            continue
        if slot in turn.set:
            context.located.add(where, f"'{slot}' is both set and deleted; keep one")
        elif slot not in prev.slots:
            context.located.add(
                where,
                f"'{slot}' is not set at this point, so it cannot be "
                "deleted; remove it from delete",
            )
        else:
            out.append(slot)
    return out


def _known_slot(slot: str, loc: Loc, context: _Context) -> bool:
    if context.schema.slot(slot) is not None:
        return True
    hint = (
        f"did you mean '{close}'?"
        if (close := _closest(slot, context))
        else "slots are listed in domain.yaml"
    )
    context.located.add(loc, f"unknown slot '{slot}'; {hint}")
    return False


def _closest(slot: str, context: _Context) -> str | None:
    """The likely intended slot: service prefixes are long and alike, so compare the rest."""
    service, _, short = slot.partition("-")
    spec = context.schema.service(service)
    if spec is None:
        close = difflib.get_close_matches(slot, context.schema.slot_names, n=1)
        return close[0] if close else None
    names = {s.name.partition("-")[2]: s.name for s in spec.slots}
    close = difflib.get_close_matches(short, list(names), n=1)
    return names[close[0]] if close else None


def _value(slot: str, raw: str, loc: Loc, context: _Context) -> str:
    spec = context.schema.slot(slot)
    value = normalize_value(slot, raw)
    if not value:
        context.located.add(loc, "empty value; write a value, 'dontcare', or use delete")
    elif spec and spec.categorical and value != DONTCARE and value not in spec.values:
        context.located.add(
            loc,
            f"'{raw}' is not an allowed value of categorical slot '{slot}';"
            f" use one of: {', '.join(spec.values)} (or dontcare)",
        )
    return value


def check_act(act: str, loc: Loc, context: _Context) -> None:
    """``request(restaurant-area)``, ``offer(restaurant-name=x, restaurant-area=y)``, ``book``."""
    position = 0
    while position < len(act.strip()):
        match = _ACT.match(act, position)
        if match is None or match.end() == position:
            context.located.add(
                loc,
                f"cannot read act '{act}'; write e.g. request(slot) or "
                "offer(slot=value), several separated by commas",
            )
            return
        _check_one_act(match, loc, context)
        position = match.end()


def _check_one_act(match: re.Match[str], loc: Loc, context: _Context) -> None:
    if match["type"] not in _ACT_TYPES:
        context.located.add(
            loc, f"unknown act '{match['type']}'; use one of: {', '.join(sorted(_ACT_TYPES))}"
        )
    for arg in filter(None, (a.strip() for a in (match["args"] or "").split(","))):
        _known_slot(arg.split("=", 1)[0].strip(), loc, context)


def _check_alternation(turns: list[TurnModel], position: int, loc: Loc, located: Located) -> None:
    if position == 0:
        return
    speaker = "user" if turns[position].user is not None else "system"
    previous = "user" if turns[position - 1].user is not None else "system"
    if speaker == previous:
        located.add(loc, f"two {speaker} turns in a row; system and user turns alternate")
