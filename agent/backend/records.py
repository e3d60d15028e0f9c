"""The domain's database and its transactions, over a loaded :class:`DomainPack`.

Lookups are plain filters over ``pack.database``: a constraint ``restaurant-food=italian`` keeps
records whose ``food`` attribute equals ``italian`` (case-insensitive, or through the slot's
aliases: a user's ``free`` parking finds records that say ``yes``); ``dontcare`` and slots the
records do not describe (``restaurant-bookday``) are ignored, names match by substring, and the
train times compare as times (``leaveat`` = leaves at or after, ``arriveby`` = arrives at or
before). Services without records (the taxi) need no lookup: they are booked directly.

Bookings are refused, with a message for the user, unless every required slot of the service's
transactional intent is present and valid for its kind (a number slot takes a count from 1 to
20, a time slot ``HH:MM``). The policy asks the same question first
(:func:`agent.backend.transactions.booking_problems`), so a refusal here is the last line of
defence, not the normal path.
"""

from __future__ import annotations

import random
import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from agent.backend.transactions import (
    booking_problems,
    identity_slot,
    normalize_time,
    transaction_intent,
    with_identity,
)
from agent.domain import DONTCARE, Booking, DomainPack, DomainSchema, Entity, SlotSpec
from agent.errors import SlotchatError

REFERENCE_LENGTH = 8
_REFERENCE_ALPHABET = string.ascii_uppercase + string.digits


class BookingRefused(SlotchatError):
    """The backend would not carry out a transaction; ``missing``/``invalid`` say why."""

    def __init__(self, message: str, missing: tuple[str, ...] = (), invalid: tuple[str, ...] = ()):
        super().__init__(message)
        self.missing = missing
        self.invalid = invalid


def slot_key(slot: str) -> str:
    """``restaurant-pricerange`` -> ``pricerange``: the attribute a slot refers to."""
    return attribute_key(slot.split("-", 1)[-1])


def attribute_key(name: str) -> str:
    """Database keys vary in spelling (``arriveBy``, ``entrance fee``); compare them folded."""
    return re.sub(r"[\s_]", "", name.lower())


class DomainBackend:
    """:class:`agent.ports.Backend` over a domain pack's records. ``rng_seed`` makes references
    reproducible (tests, scripted dialogues); without it they come from ``secrets``."""

    def __init__(self, pack: DomainPack, rng_seed: int | None = None) -> None:
        self._pack = pack
        self._rng: random.Random = (
            random.Random(rng_seed) if rng_seed is not None else secrets.SystemRandom()
        )
        self._keys = {
            service: {attribute_key(k) for e in records for k in e.attributes} | {"name"}
            for service, records in pack.database.items()
        }

    @property
    def schema(self) -> DomainSchema:
        return self._pack.schema

    def has_records(self, service: str) -> bool:
        return bool(self._pack.database.get(service))

    def entity_names(self) -> tuple[str, ...]:
        """Every record's name: what a reply must not mention unless the act offers it."""
        return tuple(e.name for records in self._pack.database.values() for e in records)

    def vocabulary(self) -> dict[str, tuple[str, ...]]:
        """Per free-text slot of a service with records, the values the records hold (the
        identity slot: the names), for the tracker's candidates (agent.tracking.candidates)."""
        out: dict[str, tuple[str, ...]] = {}
        for service in self.schema.services:
            records = self._pack.database.get(service.name, ())
            if not records:
                continue
            identity = identity_slot(self.schema, service.name)
            for slot in service.slots:
                if slot.categorical:
                    continue
                if slot.name == identity:
                    found = [e.name for e in records]
                else:
                    key = slot_key(slot.name)
                    found = [str(v) for e in records if (v := _attribute(e, key)) is not None]
                if found:
                    out[slot.name] = tuple(dict.fromkeys(v.lower() for v in found))
        return out

    def find(self, service: str, constraints: Mapping[str, str]) -> list[Entity]:
        usable = self._usable(service, constraints)
        found = [
            e for e in self._pack.database.get(service, ()) if all(w.matches(e) for w in usable)
        ]
        return _ordered(found, {w.key: w.value for w in usable})

    def book(self, service: str, slots: Mapping[str, str], entity: Entity | None) -> Booking:
        own = with_identity(self.schema, service, slots, entity)
        missing, invalid = booking_problems(self.schema, service, own)
        if missing or invalid:
            raise BookingRefused(_refusal(missing, invalid), missing, invalid)
        if entity is None and self.has_records(service):
            raise BookingRefused(f"I need to know which {service} to book first.")
        return Booking(
            service=service,
            reference=self._reference(),
            slots={**own, **self._extras(service)},
            entity=entity.name if entity else "",
            created_at=datetime.now(UTC),
        )

    def _usable(self, service: str, constraints: Mapping[str, str]) -> list[_Wanted]:
        keys = self._keys.get(service, set())
        identity = identity_slot(self.schema, service)
        usable = []
        for slot, value in constraints.items():
            key = "name" if slot == identity else slot_key(slot)
            value = value.strip().lower()
            if slot.startswith(f"{service}-") and value and value != DONTCARE and key in keys:
                usable.append(_Wanted(key, value, self.schema.slot(slot)))
        return usable

    def _reference(self) -> str:
        while True:
            ref = "".join(self._rng.choice(_REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
            if any(c.isdigit() for c in ref) and any(c.isalpha() for c in ref):
                return ref

    def _extras(self, service: str) -> dict[str, str]:
        """What the transaction itself produces: a value for each of its result slots whose
        ``result_values`` the pack lists (a taxi's car and phone), drawn from them."""
        intent = transaction_intent(self.schema, service)
        specs = [self.schema.slot(name) for name in (intent.result_slots if intent else ())]
        return {s.name: self._draw(s.result_values) for s in specs if s and s.result_values}

    def _draw(self, values: tuple[str, ...]) -> str:
        """One of ``values``, each ``#`` in it replaced by a digit drawn anew."""
        value = self._rng.choice(values)
        return "".join(self._rng.choice(string.digits) if c == "#" else c for c in value)


def _attribute(entity: Entity, key: str) -> str | None:
    if key == "name":
        return entity.name
    return next((v for k, v in entity.attributes.items() if attribute_key(k) == key), None)


@dataclass(frozen=True)
class _Wanted:
    """One usable search constraint: the record attribute, the wanted value, the slot."""

    key: str
    value: str
    spec: SlotSpec | None

    def matches(self, entity: Entity) -> bool:
        have = _attribute(entity, self.key)
        if have is None:
            return False
        have = str(have).strip().lower()
        if self.key == "name":
            return self.value in have or have in self.value
        if self.key in ("leaveat", "arriveby"):
            return _time_matches(self.key, have, self.value)
        return self.spec.same_value(have, self.value) if self.spec else have == self.value


def _time_matches(key: str, value: str, wanted: str) -> bool:
    have, want = normalize_time(value), normalize_time(wanted)
    if have is None or want is None:
        return want is None  # a constraint we cannot read filters nothing
    return have >= want if key == "leaveat" else have <= want


def _ordered(found: list[Entity], constraints: Mapping[str, str]) -> list[Entity]:
    """Trains: the first to leave after ``leaveat``, or the last to arrive before ``arriveby``."""
    if "leaveat" in constraints:
        return sorted(found, key=lambda e: normalize_time(_attribute(e, "leaveat") or "") or "")
    if "arriveby" in constraints:
        found = sorted(found, key=lambda e: normalize_time(_attribute(e, "arriveby") or "") or "")
        return found[::-1]
    return found


def _refusal(missing: tuple[str, ...], invalid: tuple[str, ...]) -> str:
    parts = []
    if missing:
        parts.append("missing " + ", ".join(_label(s) for s in missing))
    if invalid:
        parts.append("not a valid value for " + ", ".join(_label(s) for s in invalid))
    return f"I can't make that booking yet ({'; '.join(parts)}). Please tell me and I'll try again."


def _label(slot: str) -> str:
    return slot.split("-", 1)[-1]
