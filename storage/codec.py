"""Domain values to JSON-ready dicts and back: state snapshots, acts, bookings, metadata.

The same shapes are stored in the JSON columns and written by ``sessions export``, so an export
is readable without slotchat and imports back exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agent.domain import Act, ActType, Booking, DialogueState, Entity, GenerationMeta

Json = dict[str, Any]


def utc(value: datetime) -> datetime:
    """Stored naive, meaning UTC (the same on SQLite and PostgreSQL); handed out aware."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def naive_utc(value: datetime) -> datetime:
    return utc(value).replace(tzinfo=None)


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def clean_text(text: str) -> str:
    """``text`` as every backend can store it: lone surrogates (undecodable bytes that reached us
    as ``surrogateescape``) and NUL (which PostgreSQL refuses) become U+FFFD."""
    if "\x00" not in text:
        try:
            text.encode("utf-8")
            return text
        except UnicodeEncodeError:
            pass
    return "".join("\ufffd" if ch == "\x00" or "\ud800" <= ch <= "\udfff" else ch for ch in text)


def state_to_json(state: DialogueState) -> Json:
    return {
        "slots": dict(state.slots),
        "intents": dict(state.intents),
        "requested": sorted(state.requested),
    }


def state_from_json(data: Json) -> DialogueState:
    return DialogueState(
        slots=dict(data.get("slots", {})),
        intents=dict(data.get("intents", {})),
        requested=frozenset(data.get("requested", ())),
    )


def entity_to_json(entity: Entity) -> Json:
    return {"service": entity.service, "name": entity.name, "attributes": dict(entity.attributes)}


def entity_from_json(data: Json) -> Entity:
    return Entity(data["service"], data["name"], dict(data.get("attributes", {})))


def booking_to_json(booking: Booking) -> Json:
    created = booking.created_at
    return {
        "service": booking.service,
        "reference": booking.reference,
        "slots": dict(booking.slots),
        "entity": booking.entity,
        "created_at": utc(created).isoformat() if created else None,
    }


def booking_from_json(data: Json) -> Booking:
    created = data.get("created_at")
    return Booking(
        service=data["service"],
        reference=data["reference"],
        slots=dict(data.get("slots", {})),
        entity=data.get("entity", ""),
        created_at=utc(datetime.fromisoformat(created)) if created else None,
    )


def act_to_json(act: Act) -> Json:
    return {
        "type": act.type.value,
        "service": act.service,
        "slots": list(act.slots),
        "entities": [entity_to_json(e) for e in act.entities],
        "total": act.total,
        "booking": booking_to_json(act.booking) if act.booking else None,
        "relax": list(act.relax),
    }


def act_from_json(data: Json) -> Act:
    booking = data.get("booking")
    return Act(
        type=ActType(data["type"]),
        service=data.get("service", ""),
        slots=tuple(data.get("slots", ())),
        entities=tuple(entity_from_json(e) for e in data.get("entities", ())),
        total=int(data.get("total", 0)),
        booking=booking_from_json(booking) if booking else None,
        relax=tuple(data.get("relax", ())),
    )


META_FIELDS = (
    "model",
    "prompt_tokens",
    "completion_tokens",
    "cached_tokens",
    "latency_s",
    "first_token_s",
    "cut_off",
)


def meta_to_json(meta: GenerationMeta) -> Json:
    return {name: getattr(meta, name) for name in META_FIELDS}


def meta_from_json(data: Json) -> GenerationMeta:
    return GenerationMeta(**{name: data[name] for name in META_FIELDS if name in data})
