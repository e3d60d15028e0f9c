"""One SGD dialogue (the JSON object) as an :class:`AnnotatedDialogue`; see :mod:`prompts.sgd`
for the choices the data forces (canonical values, intents, requested slots)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agent.domain import (
    NO_MOVE,
    AnnotatedDialogue,
    AnnotatedTurn,
    DialogueState,
    StateDelta,
    SystemMove,
)

NO_INTENT = "NONE"

Json = dict[str, Any]


def convert_dialogue(raw: Json) -> AnnotatedDialogue:
    """One SGD dialogue object as an :class:`AnnotatedDialogue`."""
    dialogue_id = raw["dialogue_id"]
    turns: list[AnnotatedTurn] = []
    tracker = _GoldTracker()
    system: Json | None = None
    raw_turns = raw["turns"]
    for position, turn in enumerate(raw_turns):
        if turn["speaker"] != "USER":
            system = turn
            continue
        following = raw_turns[position + 1] if position + 1 < len(raw_turns) else None
        turns.append(tracker.user_turn(dialogue_id, len(turns), system, turn, following))
    return AnnotatedDialogue(id=dialogue_id, services=tuple(raw["services"]), turns=tuple(turns))


class _GoldTracker:
    """Carries the gold state across one dialogue's user turns."""

    def __init__(self) -> None:
        self.slots: dict[str, str] = {}
        self.acceptable: dict[str, tuple[str, ...]] = {}
        self.intents: dict[str, str] = {}
        self.prev = DialogueState()

    def user_turn(
        self,
        dialogue_id: str,
        index: int,
        system: Json | None,
        turn: Json,
        following: Json | None,
    ) -> AnnotatedTurn:
        frames = turn["frames"]
        sets: dict[str, str] = {}
        deleted: set[str] = set()
        intents: dict[str, str] = {}
        requested: set[str] = set()
        for frame in frames:
            service, state = frame["service"], frame["state"]
            self._merge_slots(service, state["slot_values"], sets, deleted)
            self._merge_intent(service, state["active_intent"], intents)
            requested.update(f"{service}-{slot}" for slot in state["requested_slots"])
        state_now = DialogueState(
            slots=dict(self.slots), intents=dict(self.intents), requested=frozenset(requested)
        )
        annotated = AnnotatedTurn(
            dialogue_id=dialogue_id,
            index=index,
            services=tuple(frame["service"] for frame in frames),
            prev_state=self.prev,
            system=system["utterance"] if system else "",
            user=turn["utterance"],
            delta=StateDelta(
                set=sets,
                deleted=frozenset(deleted),
                intents=intents,
                requested=frozenset(requested),
            ),
            state=state_now,
            system_act=render_sgd_acts(following) if following else "",
            reply=following["utterance"] if following else "",
            acceptable={k: v for k, v in self.acceptable.items() if len(v) > 1},
            system_move=system_move(system) if system else NO_MOVE,
        )
        self.prev = state_now
        return annotated

    def _merge_slots(
        self,
        service: str,
        values: Mapping[str, Sequence[str]],
        sets: dict[str, str],
        deleted: set[str],
    ) -> None:
        prefix = f"{service}-"
        for slot in [s for s in self.slots if s.startswith(prefix)]:
            if slot[len(prefix) :] not in values:
                del self.slots[slot]
                self.acceptable.pop(slot, None)
                deleted.add(slot)
        for short, options in values.items():
            slot = prefix + short
            if self.slots.get(slot) not in options:
                self.slots[slot] = sets[slot] = options[0]
            value = self.slots[slot]
            self.acceptable[slot] = (value, *(o for o in options if o != value))

    def _merge_intent(self, service: str, intent: str, changed: dict[str, str]) -> None:
        if intent == NO_INTENT:
            self.intents.pop(service, None)
        elif self.intents.get(service) != intent:
            self.intents[service] = changed[service] = intent


def render_sgd_acts(turn: Json) -> str:
    """A system turn's acts in the packs' notation with full slot names, SGD's act names:
    ``request(Restaurants_1-city), offer(Restaurants_1-restaurant_name=Sino)``."""
    acts: dict[str, list[str]] = {}
    for frame in turn["frames"]:
        for action in frame["actions"]:
            args = acts.setdefault(action["act"].lower(), [])
            slot, values = action["slot"], action["values"]
            if slot and slot != "intent":
                slot = f"{frame['service']}-{slot}"
            if slot:
                args.append(f"{slot}={'|'.join(values)}" if values else slot)
    return ", ".join(f"{act}({', '.join(args)})" if args else act for act, args in acts.items())


def system_move(turn: Json) -> SystemMove:
    """A system turn's ``OFFER`` and ``CONFIRM`` actions as the values it proposed (the first
    of each action's values), for the tracker to carry when the user accepts them."""
    moves: dict[str, dict[str, str]] = {"OFFER": {}, "CONFIRM": {}}
    for frame in turn["frames"]:
        for action in frame["actions"]:
            found = moves.get(action["act"])
            slot, values = action["slot"], action["values"]
            if found is not None and slot and slot != "intent" and values:
                found.setdefault(f"{frame['service']}-{slot}", values[0])
    return SystemMove(offered=moves["OFFER"], confirmed=moves["CONFIRM"])
