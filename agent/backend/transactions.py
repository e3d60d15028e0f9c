"""What a transaction needs, read from the schema: which intent books a service, which slot names
the chosen record, and whether the values in hand can be booked.

The policy asks these questions before it offers to book; the backend asks them again before it
books (:class:`agent.backend.records.DomainBackend`). Both read the one answer here. Imports only
:mod:`agent.domain`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from agent.domain import DONTCARE, DomainSchema, Entity, IntentSpec

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_MAX_COUNT = 20


def transaction_intent(schema: DomainSchema, service: str) -> IntentSpec | None:
    """The first transactional intent of ``service`` (``book_restaurant``), if it has one."""
    spec = schema.service(service)
    return next((i for i in spec.intents if i.transactional), None) if spec else None


def identity_slot(schema: DomainSchema, service: str) -> str:
    """The slot naming the chosen record (``restaurant-name``, ``train-trainid``): a slot the
    booking requires and the search returns; ``<service>-name`` when the schema says nothing."""
    spec = schema.service(service)
    booking = transaction_intent(schema, service)
    if spec and booking:
        results = {s for i in spec.intents if not i.transactional for s in i.result_slots}
        found = next((s for s in booking.required if s in results), None)
        if found:
            return found
    return f"{service}-name"


def with_identity(
    schema: DomainSchema, service: str, slots: Mapping[str, str], entity: Entity | None
) -> dict[str, str]:
    """The service's slots, with the identity slot filled from the chosen record: "book it"
    after an offer books the offered place without the user repeating its name."""
    own = {k: v for k, v in slots.items() if k.startswith(f"{service}-") and v}
    if entity is not None:
        own[identity_slot(schema, service)] = entity.name
    return own


def normalize_time(value: str) -> str | None:
    match = _TIME.match(value.strip())
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else None


def value_problem(schema: DomainSchema, slot: str, value: str) -> bool:
    """True when ``value`` cannot be used in a transaction for ``slot``."""
    value = value.strip().lower()
    if not value or value == DONTCARE:
        return True
    spec = schema.slot(slot)
    if spec is None:
        return False
    if spec.categorical and spec.values and value not in spec.values:
        return True
    if spec.kind == "number":
        return not (value.isdigit() and 1 <= int(value) <= _MAX_COUNT)
    if spec.kind == "time":
        return normalize_time(value) is None
    return False


def booking_problems(
    schema: DomainSchema, service: str, slots: Mapping[str, str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(missing, invalid) required slots of the service's transaction, in schema order."""
    intent = transaction_intent(schema, service)
    required = intent.required if intent else ()
    missing = tuple(s for s in required if not slots.get(s))
    invalid = tuple(s for s in required if slots.get(s) and value_problem(schema, s, slots[s]))
    return missing, invalid
