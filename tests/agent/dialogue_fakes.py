"""Fakes shared by the policy, backend, responder and engine tests: a small cambridge-like pack,
an in-memory Memory, a scripted tracker and a recording listener. (No tests in here.)"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from agent.domain import (
    NO_MOVE,
    Act,
    Booking,
    Conversation,
    DialogueState,
    DomainPack,
    DomainSchema,
    Entity,
    GenerationMeta,
    IntentSpec,
    Message,
    Role,
    SearchHit,
    ServiceSpec,
    SlotSpec,
    StateDelta,
    SystemMove,
    Turn,
)
from agent.errors import NotFound
from agent.language.slot_kinds import SlotKind
from agent.ports import ConversationChanged
from tests.lexicons import EN_KO

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _slot(name: str, values: Sequence[str] = (), kind: SlotKind | None = None) -> SlotSpec:
    return SlotSpec(name, name, categorical=bool(values), values=tuple(values), kind=kind or "")


def mini_schema() -> DomainSchema:
    restaurant = ServiceSpec(
        "restaurant",
        "places to eat",
        (
            _slot("restaurant-food"),
            _slot("restaurant-area", ("centre", "north", "south", "east", "west")),
            _slot("restaurant-pricerange", ("cheap", "moderate", "expensive")),
            _slot("restaurant-name", kind="name"),
            _slot("restaurant-bookday", DAYS),
            _slot("restaurant-bookpeople", [str(n) for n in range(1, 9)]),
            _slot("restaurant-booktime", kind="time"),
            _slot("restaurant-phone"),
            _slot("restaurant-address"),
            _slot("restaurant-postcode"),
        ),
        (
            IntentSpec(
                "find_restaurant",
                "search",
                optional=(
                    "restaurant-pricerange",
                    "restaurant-area",
                    "restaurant-food",
                    "restaurant-name",
                    "restaurant-bookday",
                ),
            ),
            IntentSpec(
                "book_restaurant",
                "book",
                required=("restaurant-bookday", "restaurant-bookpeople", "restaurant-booktime"),
                transactional=True,
            ),
        ),
    )
    train = ServiceSpec(
        "train",
        "trains",
        (
            _slot("train-departure"),
            _slot("train-destination"),
            _slot("train-day", DAYS),
            _slot("train-leaveat", kind="time"),
            _slot("train-arriveby", kind="time"),
            _slot("train-bookpeople", kind="number"),
        ),
        (
            IntentSpec("find_train", "search", required=("train-departure", "train-destination")),
            IntentSpec("book_train", "book", required=("train-bookpeople",), transactional=True),
        ),
    )
    taxi = ServiceSpec(
        "taxi",
        "taxis",
        (
            _slot("taxi-departure"),
            _slot("taxi-destination"),
            _slot("taxi-leaveat", kind="time"),
            SlotSpec("taxi-type", "car", result_values=("tesla", "skoda")),
            SlotSpec("taxi-phone", "phone", result_values=("07#########",)),
        ),
        (
            IntentSpec(
                "book_taxi",
                "book",
                required=("taxi-departure", "taxi-destination", "taxi-leaveat"),
                transactional=True,
                result_slots=("taxi-type", "taxi-phone"),
            ),
        ),
    )
    return DomainSchema("mini", (restaurant, train, taxi), lexicon=EN_KO)


def _restaurant(name: str, food: str, area: str, price: str, phone: str, postcode: str) -> Entity:
    attributes = {
        "food": food,
        "area": area,
        "pricerange": price,
        "phone": phone,
        "postcode": postcode,
        "address": f"{len(name)} {name.split()[0]} street",
    }
    return Entity("restaurant", name, attributes)


def _train(train_id: str, leave: str, arrive: str, day: str = "friday") -> Entity:
    attributes = {
        "departure": "cambridge",
        "destination": "london kings cross",
        "day": day,
        "leaveAt": leave,
        "arriveBy": arrive,
        "price": "23.60 pounds",
    }
    return Entity("train", train_id, attributes)


def mini_pack() -> DomainPack:
    restaurants = (
        _restaurant("pizza hut city centre", "italian", "centre", "cheap", "01223323737", "cb21ab"),
        _restaurant("zizzi cambridge", "italian", "centre", "cheap", "01223365599", "cb21ab"),
        _restaurant("ask restaurant", "italian", "centre", "cheap", "01223364917", "cb21uf"),
        _restaurant("da vinci pizzeria", "italian", "north", "cheap", "01223351707", "cb43bl"),
        _restaurant("the golden curry", "indian", "centre", "expensive", "01223329432", "cb58aa"),
        _restaurant("curry prince", "indian", "east", "moderate", "01223566388", "cb58jj"),
    )
    trains = (
        _train("TR1000", "05:00", "05:51"),
        _train("TR1001", "09:00", "09:51"),
        _train("TR1002", "13:00", "13:51"),
        _train("TR1003", "17:00", "17:51"),
    )
    return DomainPack(mini_schema(), database={"restaurant": restaurants, "train": trains})


# --------------------------------------------------------------------------- memory


@dataclass
class InMemoryMemory:
    """The Memory port over dicts: a tree of turns per conversation, heads, states, bookings."""

    conversations: dict[int, Conversation] = field(default_factory=dict)
    turns: dict[int, Turn] = field(default_factory=dict)
    heads: dict[int, int | None] = field(default_factory=dict)
    booked: dict[int, list[Booking]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def create_conversation(self, *, title: str, domain: str, model: str) -> Conversation:
        now = datetime.now(UTC)
        conversation = Conversation(next(self._ids), title, domain, model, now, now)
        self.conversations[conversation.id] = conversation
        self.heads[conversation.id] = None
        return conversation

    def get_conversation(self, conversation_id: int) -> Conversation:
        if conversation_id not in self.conversations:
            raise NotFound(f"no conversation {conversation_id}")
        conversation = self.conversations[conversation_id]
        return replace(conversation, head_turn_id=self.heads[conversation_id])

    def list_conversations(self, *, include_archived: bool = False) -> list[Conversation]:
        return [self.get_conversation(c) for c in self.conversations]

    def append_turn(
        self,
        conversation_id: int,
        role: Role,
        text: str,
        *,
        parent_id: int | None = None,
        complete: bool = True,
        meta: GenerationMeta | None = None,
        expected_head: int | None = None,
    ) -> Turn:
        self.get_conversation(conversation_id)
        self._check(conversation_id, expected_head, "your message was not sent")
        parent = parent_id if parent_id is not None else self.heads[conversation_id]
        turn = Turn(
            next(self._ids), conversation_id, parent, role, text, datetime.now(UTC),
            meta=meta, complete=complete,
        )  # fmt: skip
        self.turns[turn.id] = turn
        self.heads[conversation_id] = turn.id
        return turn

    def update_turn(
        self,
        turn_id: int,
        *,
        text: str | None = None,
        complete: bool | None = None,
        meta: GenerationMeta | None = None,
    ) -> None:
        turn = self.turns[turn_id]
        turn = replace(
            turn,
            text=turn.text if text is None else text,
            complete=turn.complete if complete is None else complete,
            meta=turn.meta if meta is None else meta,
        )
        self.turns[turn_id] = turn

    def save_state(
        self,
        turn_id: int,
        state: DialogueState,
        act: Act | None = None,
        *,
        expected_head: int | None = None,
    ) -> None:
        conversation_id = self.turns[turn_id].conversation_id
        self._check(conversation_id, expected_head, "your state edit was not saved")
        self.turns[turn_id] = replace(self.turns[turn_id], state=state, act=act)

    def _check(self, conversation_id: int, expected: int | None, refused: str) -> None:
        """As ``SqlMemory`` does: a head other than the one the caller saw refuses the write."""
        if expected is not None and expected != self.heads[conversation_id]:
            raise ConversationChanged(conversation_id, "changed", refused, "reload it")

    def active_branch(self, conversation_id: int) -> list[Turn]:
        branch: list[Turn] = []
        turn_id = self.heads[conversation_id]
        while turn_id is not None:
            branch.append(self.turns[turn_id])
            turn_id = self.turns[turn_id].parent_id
        return branch[::-1]

    def latest_state(self, conversation_id: int) -> DialogueState:
        states = [t.state for t in self.active_branch(conversation_id) if t.state is not None]
        return states[-1] if states else DialogueState()

    def begin_reply(
        self,
        user_turn: Turn,
        state: DialogueState,
        act: Act,
        booking: Booking | None = None,
        *,
        expected_head: int | None = None,
    ) -> Turn:
        conversation_id = user_turn.conversation_id
        self._check(conversation_id, expected_head, "no new reply was made")
        turn = self.append_turn(
            conversation_id, "assistant", "", parent_id=user_turn.id, complete=False
        )
        self.save_state(turn.id, state, act)
        if booking is not None:
            self.add_booking(conversation_id, turn.id, booking)
        return self.turns[turn.id]

    def answering(self, conversation_id: int) -> AbstractContextManager[None]:
        return nullcontext()

    def being_answered(self, conversation_id: int) -> bool:
        return False

    def add_booking(self, conversation_id: int, turn_id: int | None, booking: Booking) -> None:
        self.booked.setdefault(conversation_id, []).append(booking)

    def bookings(self, conversation_id: int) -> list[Booking]:
        return list(self.booked.get(conversation_id, []))

    def search(self, query: str, *, limit: int = 20) -> list[SearchHit]:
        return []


# --------------------------------------------------------------------------- tracker, prompts


@dataclass
class ScriptedTracker:
    """Returns the scripted deltas in order (an empty delta when the script runs out)."""

    deltas: list[StateDelta] = field(default_factory=list)
    calls: list[tuple[DialogueState, str, str]] = field(default_factory=list)

    def track(
        self,
        state: DialogueState,
        system_text: str,
        user_text: str,
        move: SystemMove = NO_MOVE,
    ) -> tuple[StateDelta, DialogueState]:
        self.calls.append((state, system_text, user_text))
        delta = self.deltas.pop(0) if self.deltas else StateDelta()
        return delta, state.apply(delta)


class SimplePrompts:
    """TrackerPrompts with the responder's own local prompt."""

    def tracker_messages(
        self, state: DialogueState, system_text: str, user_text: str
    ) -> list[Message]:
        return [Message("user", user_text)]

    def responder_messages(
        self,
        act: Act,
        state: DialogueState,
        history: Sequence[tuple[Role, str]],
        user_text: str,
    ) -> list[Message]:
        from agent.reply.writer import local_responder_messages

        return local_responder_messages(act, state, history, user_text)


@dataclass
class RecordingListener:
    states: list[tuple[DialogueState, Act]] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)

    def on_state(self, state: DialogueState, act: Act) -> None:
        self.states.append((state, act))

    def on_token(self, text: str) -> None:
        self.tokens.append(text)

    def on_replace(self, text: str) -> None:
        self.replaced.append(text)

    @property
    def shown(self) -> str:
        return self.replaced[-1] if self.replaced else "".join(self.tokens)


def delta(
    set_: Mapping[str, str] | None = None,
    *,
    intents: Mapping[str, str] | None = None,
    requested: Sequence[str] = (),
    deleted: Sequence[str] = (),
) -> StateDelta:
    return StateDelta(
        set=dict(set_ or {}),
        deleted=frozenset(deleted),
        intents=dict(intents or {}),
        requested=frozenset(requested),
    )
