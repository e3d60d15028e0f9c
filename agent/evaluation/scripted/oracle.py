"""The ``fake`` model's brain: answers the engine's prompts from the script's own expectations.

With it the whole engine (tracker merge, policy, backend, responder, memory) runs in
milliseconds, so the runner and the suite's consistency with the policy and the database are
tested without weights. For a tracker prompt (a constrained call) it writes the delta that turns
the current state into the turn's expected ``state`` (and clears ``state_absent``), with a
guessed intent and requested slots; for a responder prompt it says the expected
``reply_contains`` words, plus the text ``reply_matches`` finds in the prompt (a booking
reference the prompt was grounded on). It is a test double: where the expectations are silent it
knows nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from agent.delta_text import render_delta
from agent.domain import Constraint, DomainSchema, IntentSpec, Message, StateDelta
from agent.evaluation.scripted.files import Expectation, ScriptTurn

_BOOKING_ACTS = frozenset({"confirm", "book", "book_failed"})
_TASK_ACTS = frozenset({"request", "offer", "no_match", "inform", *_BOOKING_ACTS})
# words in the user's text -> the attribute slot (short name) they ask for
_ASKS = (
    ("phone", "phone"),
    ("number", "phone"),
    ("address", "address"),
    ("where is", "address"),
    ("postcode", "postcode"),
    ("post code", "postcode"),
    ("entrance fee", "entrancefee"),
    ("how much", "entrancefee"),
    ("open", "openhours"),
    ("train id", "trainid"),
    ("price", "price"),
    ("how long", "duration"),
    ("travel time", "duration"),
    ("car", "type"),
)


class ExpectationOracle:
    """Holds the current turn; :meth:`reply` is a ``ScriptedChatModel`` reply function."""

    def __init__(self, schema: DomainSchema) -> None:
        self._schema = schema
        self._expect = Expectation()
        self._user = ""
        self._state: Mapping[str, str] = {}
        self._service = ""

    def begin_turn(self, turn: ScriptTurn, state: Mapping[str, str]) -> None:
        if not state:
            self._service = ""
        self._expect, self._user, self._state = turn.expect, turn.user, state

    def reply(self, messages: Sequence[Message], constraint: Constraint | None) -> str:
        if constraint is not None:
            return self.tracker_reply()
        return self.responder_reply(messages)

    def tracker_reply(self) -> str:
        changed = {k: v for k, v in self._expect.state.items() if self._state.get(k) != v}
        deleted = frozenset(s for s in self._expect.state_absent if s in self._state)
        services = [k.split("-", 1)[0] for k in [*changed, *deleted]]
        if not services and self._expect.act in _TASK_ACTS:
            # "I need somewhere to stay": only the intent changes; state_absent names the service
            services = [k.split("-", 1)[0] for k in self._expect.state_absent[:1]]
        self._service = services[-1] if services else self._service
        delta = StateDelta(
            set=changed,
            deleted=deleted,
            intents=self._intents(changed, services),
            requested=self._requested(),
        )
        return render_delta(delta)

    def responder_reply(self, messages: Sequence[Message]) -> str:
        words = list(self._expect.reply_contains)
        if self._expect.reply_matches:
            prompt = "\n".join(m.content for m in reversed(messages))
            found = re.search(self._expect.reply_matches, prompt)
            words.extend([found.group(0)] if found else [])
        return " ".join(words) + "." if words else "Okay."

    def _intents(self, changed: Mapping[str, str], services: Sequence[str]) -> dict[str, str]:
        service = services[-1] if services else self._service
        names = [i.name for i in self._service_intents(service)]
        booking = (
            self._expect.act in _BOOKING_ACTS
            or any("-book" in k for k in changed)
            or any(word in self._user.lower() for word in ("book", "reserve"))
        )
        preferred = [n for n in names if n.startswith("book")] if booking else []
        preferred += [n for n in names if n.startswith("find")] + names
        return {service: preferred[0]} if preferred and (services or booking) else {}

    def _service_intents(self, service: str) -> tuple[IntentSpec, ...]:
        spec = self._schema.service(service)
        return spec.intents if spec else ()

    def _requested(self) -> frozenset[str]:
        spec = self._schema.service(self._service)
        if spec is None:
            return frozenset()
        text = self._user.lower()
        wanted = {f"{self._service}-{slot}" for word, slot in _ASKS if word in text}
        return frozenset(s for s in wanted if spec.slot(s) is not None)
