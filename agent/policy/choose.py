"""The dialogue policy: which act comes next, decided by rules from the state, never by the model.

A pure function of its inputs (the database lookup is passed in as ``find``), so the same state
always yields the same act and every branch is unit-tested. The order of questions:

1. After a CONFIRM, an explicit yes (and nothing changed) books; a no asks what to change.
2. A turn without task content is small talk: GREET, BYE or CHAT.
3. Requested attributes are INFORMed about the entity in focus.
4. A transactional intent: find the entity, REQUEST missing/invalid required slots, then CONFIRM.
5. Otherwise a search: REQUEST a first constraint, OFFER matches, or NO_MATCH with the
   constraints whose removal would give results (``relax``).

BOOK is only ever returned in step 1, so nothing books without a confirmation the user answered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from agent.backend.transactions import (
    booking_problems,
    identity_slot,
    transaction_intent,
    with_identity,
)
from agent.domain import (
    DONTCARE,
    Act,
    ActType,
    Booking,
    DialogueState,
    DomainSchema,
    Entity,
    StateDelta,
)
from agent.language.answers import Answer, confirmation
from agent.language.lexicon import Lexicon

Find = Callable[[str, Mapping[str, str]], Sequence[Entity]]

MAX_OFFERED = 3
MAX_ASKED = 3


@dataclass(frozen=True)
class Situation:
    """Everything the policy looks at for one turn."""

    schema: DomainSchema
    state: DialogueState
    delta: StateDelta  # what actually changed this turn (same values set again are not changes)
    user_text: str
    find: Find
    previous: Act | None = None  # the act of the previous system turn
    # per service, the entity in focus (last offered, informed or booked)
    entities: Mapping[str, Entity] = field(default_factory=dict)
    # per service, the last booking made in this conversation
    booked: Mapping[str, Booking] = field(default_factory=dict)


def decide(situation: Situation) -> Act:
    """The next system act for ``situation``."""
    previous = situation.previous
    answer = confirmation(situation.user_text, situation.schema.lexicon)
    if previous is not None and _answers_confirm(previous, answer, situation.delta):
        return _after_confirm(situation, previous, answer)
    service = focus_service(situation)
    if not service or not _task_content(situation):
        return _small_talk(situation.user_text, service, situation.schema.lexicon)
    requested = _informable(situation, service)
    if requested and _in_play(situation, service) and not _booking_turn(situation, service):
        return _inform(situation, service, requested)
    if _transactional(situation, service):
        return _transaction(situation, service)
    return _search(situation, service)


def focus_service(situation: Situation) -> str:
    """The service this turn is about: asked about, then intended, then changed, then earlier."""
    delta, state = situation.delta, situation.state
    asked = [s for s in sorted(delta.requested) if _in_play(situation, s.split("-", 1)[0])]
    for slots in (asked, list(delta.intents), [*delta.set, *delta.deleted]):
        services = [s.split("-", 1)[0] for s in slots]
        known = [s for s in services if situation.schema.service(s)]
        if known:
            return known[-1]
    if situation.previous and situation.previous.service:
        return situation.previous.service
    return state.services[-1] if state.services else ""


def _task_content(situation: Situation) -> bool:
    delta = situation.delta
    if delta.set or delta.deleted or delta.intents:
        return True
    return any(_in_play(situation, s.split("-", 1)[0]) for s in delta.requested)


def _in_play(situation: Situation, service: str) -> bool:
    """Attributes can be asked about a service the conversation is about: one with constraints
    or an intent, or whose entity was offered (a stray "requested" elsewhere is ignored)."""
    state = situation.state
    if any(k.startswith(f"{service}-") for k in state.slots) or service in state.intents:
        return True
    return service in situation.entities


def service_slots(state: DialogueState, service: str) -> dict[str, str]:
    return {k: v for k, v in state.slots.items() if k.startswith(f"{service}-")}


def searchable(schema: DomainSchema, service: str) -> bool:
    """A service with a non-transactional intent is looked up in a database before booking."""
    spec = schema.service(service)
    return bool(spec and any(not i.transactional for i in spec.intents))


def relaxable(find: Find, service: str, constraints: Mapping[str, str]) -> tuple[str, ...]:
    """Constraints whose removal alone would give at least one match."""
    return tuple(
        slot
        for slot in constraints
        if find(service, {k: v for k, v in constraints.items() if k != slot})
    )


def _answers_confirm(previous: Act, answer: Answer, delta: StateDelta) -> bool:
    """A yes/no to the previous CONFIRM that changes none of the confirmed service's slots."""
    if previous.type is not ActType.CONFIRM or answer is Answer.NONE:
        return False
    return not _touches(delta, previous.service)


def _touches(delta: StateDelta, service: str) -> bool:
    return any(k.startswith(f"{service}-") for k in (*delta.set, *delta.deleted))


def _after_confirm(situation: Situation, previous: Act, answer: Answer) -> Act:
    service = previous.service
    if answer is Answer.NO:
        return Act(ActType.REQUEST, service=service, entities=previous.entities)
    entity = previous.entities[0] if previous.entities else None
    slots = with_identity(situation.schema, service, situation.state.slots, entity)
    missing, invalid = booking_problems(situation.schema, service, slots)
    if missing or invalid:
        asked = (*invalid, *missing)[:MAX_ASKED]
        return Act(ActType.REQUEST, service=service, slots=asked, entities=previous.entities)
    return Act(ActType.BOOK, service=service, slots=previous.slots, entities=previous.entities)


def _small_talk(text: str, service: str, lexicon: Lexicon) -> Act:
    lowered = text.lower().replace("’", "'")
    if lexicon.pattern("bye").search(lowered):
        return Act(ActType.BYE, service=service)
    if lexicon.pattern("greet", at_start=True).search(lowered):
        return Act(ActType.GREET, service=service)
    return Act(ActType.CHAT, service=service)


def _constraints(situation: Situation, service: str) -> dict[str, str]:
    """Search constraints: the service's slots minus its names and the booking details."""
    slots = service_slots(situation.state, service)
    identity = identity_slot(situation.schema, service)
    return {k: v for k, v in slots.items() if k != identity and not _detail(situation.schema, k)}


def _detail(schema: DomainSchema, slot: str) -> bool:
    """A name (``kind: name``), or a booking detail: a slot only the service's transactional
    intents take, when it also has a search intent (a table's day and time, a stay's nights)."""
    spec = schema.slot(slot)
    service = schema.service(slot.split("-", 1)[0])
    if spec is None or service is None:
        return False
    if spec.kind == "name":
        return True
    searched = {
        n for i in service.intents if not i.transactional for n in (*i.required, *i.optional)
    }
    booked = {n for i in service.intents if i.transactional for n in (*i.required, *i.optional)}
    return bool(searched) and slot in booked and slot not in searched


def _named(situation: Situation, service: str) -> Entity | None:
    slot = identity_slot(situation.schema, service)
    name = situation.state.slots.get(slot, "")
    if not name or name == DONTCARE:
        return None
    named = situation.find(service, {slot: name})
    return named[0] if named else None


def _names_unknown(situation: Situation, service: str) -> bool:
    """The user named an entity the database does not have."""
    name = situation.state.slots.get(identity_slot(situation.schema, service), "")
    return bool(name) and name != DONTCARE and _named(situation, service) is None


def _focus_entity(situation: Situation, service: str, results: Sequence[Entity]) -> Entity | None:
    """The named entity, else the one in focus if it still matches, else the best match."""
    named = _named(situation, service)
    if named or _names_unknown(situation, service):
        return named
    current = situation.entities.get(service)
    if current and any(e.name == current.name for e in results):
        return current
    return results[0] if results else None


def _informable(situation: Situation, service: str) -> tuple[str, ...]:
    """Requested slots a search result can answer (the find intent's result slots, or any slot
    when it lists none); a tracker asking for ``-ref`` or every slot at once is ignored."""
    spec = situation.schema.service(service)
    results = (
        {s for i in spec.intents if not i.transactional for s in i.result_slots} if spec else set()
    )
    asked = sorted(s for s in situation.state.requested if s.startswith(f"{service}-"))
    return tuple(s for s in asked if not results or s in results)


def _booking_turn(situation: Situation, service: str) -> bool:
    """This turn asks to book: the booking intent was just chosen or booking details given."""
    intent = transaction_intent(situation.schema, service)
    if intent is None:
        return False
    chosen = situation.delta.intents.get(service) == intent.name
    return chosen or _details_given(situation, service, intent.required)


def _details_given(situation: Situation, service: str, required: Sequence[str]) -> bool:
    """Booking details changed this turn; naming the place alone is not a booking request."""
    identity = identity_slot(situation.schema, service)
    return any(s in situation.delta.set for s in required if s != identity)


def _inform(situation: Situation, service: str, requested: tuple[str, ...]) -> Act:
    results = situation.find(service, _constraints(situation, service))
    entity = _focus_entity(situation, service, results)
    entity = entity or situation.entities.get(service)
    if entity is None:
        return _search(situation, service)
    return Act(ActType.INFORM, service=service, slots=requested, entities=(entity,))


def _transactional(situation: Situation, service: str) -> bool:
    """A booking intent, or booking details given for a bookable service (a tracker that missed
    the intent still lets the user book)."""
    intent = transaction_intent(situation.schema, service)
    if intent is None:
        return False
    if _already_booked(situation, service):
        return False
    active = situation.state.intents.get(service, "")
    if active == intent.name or not searchable(situation.schema, service):
        return True
    return _details_given(situation, service, intent.required)


def _already_booked(situation: Situation, service: str) -> bool:
    """The booking of this service was made with exactly the current details: the transaction
    is done, and a later question about the place must not lead to a second one."""
    booking = situation.booked.get(service)
    intent = transaction_intent(situation.schema, service)
    if booking is None or intent is None:
        return False
    slots = service_slots(situation.state, service)
    identity = identity_slot(situation.schema, service)
    same = (booking.slots.get(s) == slots.get(s) for s in intent.required if s != identity)
    return all(same)


def _transaction(situation: Situation, service: str) -> Act:
    entity = None
    if searchable(situation.schema, service):
        constraints = _constraints(situation, service)
        results = situation.find(service, constraints)
        entity = _focus_entity(situation, service, results)
        if entity is None:
            return _no_match(situation, service, constraints)
    entities = (entity,) if entity else ()
    slots = with_identity(situation.schema, service, situation.state.slots, entity)
    missing, invalid = booking_problems(situation.schema, service, slots)
    if missing or invalid:
        asked = (*invalid, *missing)[:MAX_ASKED]
        return Act(ActType.REQUEST, service=service, slots=asked, entities=entities)
    intent = transaction_intent(situation.schema, service)
    identity = identity_slot(situation.schema, service)
    required = intent.required if intent else ()
    details = tuple(s for s in required if s in slots and s != identity)
    return Act(ActType.CONFIRM, service=service, slots=details, entities=entities)


def _search(situation: Situation, service: str) -> Act:
    constraints = _constraints(situation, service)
    missing = _missing_search_slots(situation, service, constraints)
    if missing:
        return Act(ActType.REQUEST, service=service, slots=missing)
    results = situation.find(service, constraints)
    if not results or _names_unknown(situation, service):
        return _no_match(situation, service, constraints)
    first = _focus_entity(situation, service, results)
    shown = [first] if first else []
    # by name: the entity in focus is the one of an earlier turn, not the same object
    others = [e for e in results if first is None or e.name != first.name]
    shown += others[: MAX_OFFERED - len(shown)]
    return Act(
        ActType.OFFER,
        service=service,
        slots=tuple(constraints),
        entities=tuple(shown),
        total=len(results),
    )


def _missing_search_slots(
    situation: Situation, service: str, constraints: Mapping[str, str]
) -> tuple[str, ...]:
    """Required slots of the search intent; with none required, ask for a first constraint."""
    spec = situation.schema.service(service)
    find_intent = next((i for i in spec.intents if not i.transactional), None) if spec else None
    if find_intent is None:
        return ()
    slots = service_slots(situation.state, service)
    missing = tuple(s for s in find_intent.required if not slots.get(s))
    if missing or constraints or slots.get(identity_slot(situation.schema, service)):
        return missing[:MAX_ASKED]
    booking = transaction_intent(situation.schema, service)
    details = set(booking.required) if booking else set()
    options = [
        s for s in find_intent.optional if s not in details and not _detail(situation.schema, s)
    ]
    return tuple(options[:2])


def _no_match(situation: Situation, service: str, constraints: Mapping[str, str]) -> Act:
    if _names_unknown(situation, service):
        name = identity_slot(situation.schema, service)
        relax = (name,) if situation.find(service, constraints) else ()
        return Act(ActType.NO_MATCH, service=service, slots=(name,), relax=relax)
    return Act(
        ActType.NO_MATCH,
        service=service,
        slots=tuple(constraints),
        relax=relaxable(situation.find, service, constraints),
    )
