"""Values shared by every layer: schema, dialogue state, acts, turns, bookings, model I/O.

Standard library only. Every value is a frozen dataclass so it can be cached, hashed and passed
between threads without copying.

Slot names follow MultiWOZ 2.2: ``<service>-<slot>`` in lower case (``restaurant-food``). Slot
values are normalized strings (see :func:`agent.language.normalize.normalize_value`); the special
value ``dontcare`` means the user has no preference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal

from agent.language.lexicon import Lexicon
from agent.language.slot_kinds import SlotKind, structural_kind

DONTCARE = "dontcare"

Role = Literal["system", "user", "assistant"]


# --------------------------------------------------------------------------- schema


@dataclass(frozen=True)
class SlotSpec:
    """One slot of a service. ``name`` is the full ``service-slot`` name."""

    name: str
    description: str
    categorical: bool = False
    values: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    result_values: tuple[str, ...] = ()  # what a booking draws for this result slot
    # what the value is (agent.language.slot_kinds); "" when built without one: structure decides
    kind: SlotKind | Literal[""] = ""
    aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()  # value -> its other names
    mentions: tuple[str, ...] = ()  # words that say a turn is about this slot ("wifi")

    def __post_init__(self) -> None:
        if not self.kind:
            shown = structural_kind(self.categorical, self.values, self.examples)
            object.__setattr__(self, "kind", shown)

    @property
    def service(self) -> str:
        return self.name.split("-", 1)[0]

    def aliases_of(self, value: str) -> tuple[str, ...]:
        """The other names the pack gives ``value`` ("center", "downtown" for ``centre``)."""
        wanted = value.lower()
        return next((names for key, names in self.aliases if key == wanted), ())

    def same_value(self, first: str, second: str) -> bool:
        """Whether two values mean the same for this slot: equal, or one an alias of the other
        (a record's ``yes`` and the user's ``free`` for parking)."""
        a, b = first.strip().lower(), second.strip().lower()
        return a == b or b in self.aliases_of(a) or a in self.aliases_of(b)


@dataclass(frozen=True)
class IntentSpec:
    """What a user can want from a service; transactional intents end in a booking."""

    name: str
    description: str
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    transactional: bool = False
    result_slots: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    description: str
    slots: tuple[SlotSpec, ...]
    intents: tuple[IntentSpec, ...] = ()

    def slot(self, name: str) -> SlotSpec | None:
        return next((s for s in self.slots if s.name == name), None)


@dataclass(frozen=True)
class DomainSchema:
    """A domain: the services a bot can serve in one conversation."""

    name: str
    services: tuple[ServiceSpec, ...]
    lexicon: Lexicon = Lexicon()  # the words of the pack's languages (agent.language.lexicon)

    def service(self, name: str) -> ServiceSpec | None:
        return next((s for s in self.services if s.name == name), None)

    def slot(self, name: str) -> SlotSpec | None:
        service = self.service(name.split("-", 1)[0])
        return service.slot(name) if service else None

    @property
    def slot_names(self) -> tuple[str, ...]:
        return tuple(slot.name for service in self.services for slot in service.slots)


# --------------------------------------------------------------------------- dialogue state


@dataclass(frozen=True)
class DialogueState:
    """The user's goal so far: slot values, the active intent per service, requested slots."""

    slots: Mapping[str, str] = field(default_factory=dict)
    intents: Mapping[str, str] = field(default_factory=dict)
    requested: frozenset[str] = frozenset()

    def apply(self, delta: StateDelta) -> DialogueState:
        """The state after ``delta``: sets override, deletions remove, intents replace (and
        move to the end: ``intents`` is in the order the services were last started)."""
        slots = {k: v for k, v in self.slots.items() if k not in delta.deleted}
        slots.update(delta.set)
        intents = {k: v for k, v in self.intents.items() if k not in delta.intents}
        intents.update(delta.intents)  # the service whose intent changed last comes last
        return DialogueState(slots=slots, intents=intents, requested=delta.requested)

    @property
    def services(self) -> tuple[str, ...]:
        """Services with at least one slot or an intent, in first-seen order."""
        seen = dict.fromkeys(k.split("-", 1)[0] for k in self.slots)
        seen.update(dict.fromkeys(self.intents))
        return tuple(seen)

    def only(self, services: Iterable[str]) -> DialogueState:
        """The part of the state that belongs to ``services`` (requested slots included)."""
        keep = frozenset(services)
        return DialogueState(
            slots={k: v for k, v in self.slots.items() if k.split("-", 1)[0] in keep},
            intents={k: v for k, v in self.intents.items() if k in keep},
            requested=frozenset(r for r in self.requested if r.split("-", 1)[0] in keep),
        )


@dataclass(frozen=True)
class StateDelta:
    """What one user turn changed. ``set`` values may be ``dontcare``."""

    set: Mapping[str, str] = field(default_factory=dict)
    deleted: frozenset[str] = frozenset()
    intents: Mapping[str, str] = field(default_factory=dict)
    requested: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.set or self.deleted or self.intents or self.requested)


# --------------------------------------------------------------------------- acts and results


class ActType(StrEnum):
    """What the system does next; chosen by the policy."""

    REQUEST = "request"  # ask for a missing required slot
    OFFER = "offer"  # propose matching entities
    NO_MATCH = "no_match"  # nothing matches; suggest relaxing a constraint
    INFORM = "inform"  # answer requested attributes of an entity
    CONFIRM = "confirm"  # ask for explicit confirmation before a transaction
    BOOK = "book"  # the transaction succeeded
    BOOK_FAILED = "book_failed"  # the transaction was refused by the backend
    CHAT = "chat"  # anything outside the task
    GREET = "greet"
    BYE = "bye"


@dataclass(frozen=True)
class Entity:
    """A database record: a venue, a train. ``name`` is its display name."""

    service: str
    name: str
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Booking:
    """A completed transaction with its 8-character reference."""

    service: str
    reference: str
    slots: Mapping[str, str] = field(default_factory=dict)
    entity: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True)
class Act:
    """The policy's decision for one turn and everything the responder may say."""

    type: ActType
    service: str = ""
    slots: tuple[str, ...] = ()  # slots requested, confirmed or informed
    entities: tuple[Entity, ...] = ()
    total: int = 0  # how many entities matched in all
    booking: Booking | None = None
    relax: tuple[str, ...] = ()  # constraints whose removal would give matches


@dataclass(frozen=True)
class SystemMove:
    """The system turn before a user turn, as slot values (agent.tracking.system_move reads it).
    Empty: nothing to carry."""

    offered: Mapping[str, str] = field(default_factory=dict)  # slot -> value proposed
    confirmed: Mapping[str, str] = field(default_factory=dict)  # slot -> value to confirm
    # service -> the record the conversation is about (offered, informed on or booked)
    focus: Mapping[str, Entity] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.offered or self.confirmed or self.focus)


NO_MOVE = SystemMove()


# --------------------------------------------------------------------------- conversation


@dataclass(frozen=True)
class Message:
    """One chat message for a model. ``cache`` marks the leading static prefix of a prompt."""

    role: Role
    content: str
    cache: bool = False


@dataclass(frozen=True)
class GenerationMeta:
    """What a user wants to know about a reply."""

    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    latency_s: float = 0.0
    first_token_s: float = 0.0
    cut_off: bool = False


@dataclass(frozen=True)
class Turn:
    """A stored utterance. Turns form a tree through ``parent_id``; a branch is a path."""

    id: int
    conversation_id: int
    parent_id: int | None
    role: Role
    text: str
    created_at: datetime
    state: DialogueState | None = None
    act: Act | None = None
    meta: GenerationMeta | None = None
    complete: bool = True


@dataclass(frozen=True)
class Conversation:
    id: int
    title: str
    domain: str
    model: str
    created_at: datetime
    updated_at: datetime
    archived: bool = False
    deleted: bool = False
    head_turn_id: int | None = None


@dataclass(frozen=True)
class SearchHit:
    conversation_id: int
    conversation_title: str
    turn_id: int
    role: Role
    snippet: str
    rank: float


# --------------------------------------------------------------------------- model I/O


@dataclass(frozen=True)
class GenerationParams:
    """Decoding settings. Temperature 0 with a fixed seed is fully deterministic."""

    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Constraint:
    """Constrained decoding: exactly one of a JSON schema (as a dict) or a GBNF grammar."""

    json_schema: Mapping[str, object] | None = None
    gbnf: str | None = None


@dataclass(frozen=True)
class Completion:
    """A finished generation. ``finish_reason`` is ``stop``, ``length`` or ``cancelled``."""

    text: str
    finish_reason: str
    meta: GenerationMeta


# --------------------------------------------------------------------------- annotated data


@dataclass(frozen=True)
class AnnotatedTurn:
    """One annotated user turn: what the tracker sees and what it should output.

    Used for exemplars (domain packs, SGD train) and for gold data in evaluation (SGD dev).
    ``state`` is the gold state after the turn (``prev_state.apply(delta)`` up to requested slots).
    """

    dialogue_id: str
    index: int  # index of the user turn within its dialogue, from 0
    services: tuple[str, ...]
    prev_state: DialogueState
    system: str  # the system utterance just before; "" at the start
    user: str
    delta: StateDelta
    state: DialogueState
    system_act: str = ""  # the act of the following system turn, when annotated
    # slot -> every value the gold accepts (first = the state's value); only slots with several
    acceptable: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    reply: str = ""  # the system utterance that followed, when known (responder examples)
    system_move: SystemMove = NO_MOVE  # what the system turn before did (offer, confirm)


@dataclass(frozen=True)
class AnnotatedDialogue:
    id: str
    services: tuple[str, ...]
    turns: tuple[AnnotatedTurn, ...]


@dataclass(frozen=True)
class DomainPack:
    """Everything a domain needs: schema, exemplar bank, database records, responder examples."""

    schema: DomainSchema
    exemplars: tuple[AnnotatedTurn, ...] = ()
    database: Mapping[str, tuple[Entity, ...]] = field(default_factory=dict)
    source: str = ""  # folder it was loaded from, for messages


# --------------------------------------------------------------------------- engine results


@dataclass(frozen=True)
class TurnResult:
    """What one user turn produced, after everything was stored."""

    conversation_id: int
    user_turn_id: int
    reply_turn_id: int
    state: DialogueState
    act: Act
    reply: str
    meta: GenerationMeta
    booking: Booking | None = None
    state_s: float = 0.0  # seconds from the user's Enter to the merged state
    # who wrote the reply ("model", "template", "cancelled") and, when the model's reply was
    # replaced by the template, why (agent.reply.grounding: "unknown fact: …", "asks nothing", …)
    reply_source: str = ""
    reply_issues: tuple[str, ...] = ()
