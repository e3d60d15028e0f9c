"""What the system just did, as the tracker reads the next user turn: the values it offered or
asked the user to confirm, and the record in focus per service.

A user turn is half a conversation: "Yes, that works." after "Pizza Hut is in the centre" means
``restaurant-name = pizza hut``, and "a taxi there" after a booking means the booked place. The
words of the turn cannot say that; the system's last act can. Two sources build a
:class:`SystemMove`: the chat engine's own policy act (:func:`move_of_act`), and an annotated
corpus's system frame (SGD's ``OFFER`` and ``CONFIRM`` actions, in ``prompts.sgd``). The
type itself lives in :mod:`agent.domain`, beside :class:`Act`.

:func:`accepted` is the rule that carries an offer into the state. It reads the language only
through the pack's lexicon (cues ``yes``, ``accept``, ``refer``, ``no`` and ``reject``), so it
holds for any pack:

- the user accepts ("yes", "that would be great") or points at the offer ("that one",
  "there"), without any sign of hesitation ("no", "actually") or of wanting something else
  ("anything else?", "a cheaper one");
- only slots the turn itself left alone: a value the user said wins over the system's;
- only slots the tracker may set (result-only slots such as a phone number never enter a state);
- a confirmation fills only slots the state does not hold yet.

How often it carries the right values, measured against SGD train's gold states, is in
docs/dst-results.md ("The system's last act as input").
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from agent.domain import NO_MOVE, Act, ActType, DomainSchema, Entity, SystemMove
from agent.language.answers import Answer, confirmation
from agent.language.lexicon import Lexicon


def move_of_act(act: Act | None, focus: Mapping[str, Entity], schema: DomainSchema) -> SystemMove:
    """The chat engine's previous act as a move: an offer proposes its first record by the
    service's naming slot (the slot of kind ``name`` that a booking of the service takes)."""
    offered: dict[str, str] = {}
    if act is not None and act.type is ActType.OFFER and act.entities:
        entity = act.entities[0]
        slot = naming_slot(schema, entity.service)
        if slot:
            offered[slot] = entity.name
    return SystemMove(offered=offered, focus=dict(focus))


def naming_slot(schema: DomainSchema, service: str) -> str:
    """The slot that names a record of ``service``: of kind ``name``, taken by one of its
    intents (the first such slot; "" when the service has none)."""
    spec = schema.service(service)
    if spec is None:
        return ""
    taken = {s for i in spec.intents for s in (*i.required, *i.optional)}
    names = [s.name for s in spec.slots if s.kind == "name"]
    return next((s for s in names if s in taken), names[0] if names else "")


def accepted(
    move: SystemMove,
    user_text: str,
    lexicon: Lexicon,
    *,
    said: Collection[str],
    settable: Collection[str],
    held: Collection[str] = (),
) -> dict[str, str]:
    """The offered and confirmed values the user's turn accepts (see the module docstring).
    ``said``: slots the turn itself set; ``settable``: slots a state may hold; ``held``: slots
    the state already has (a confirmation fills only those: "San Francisco" confirmed does not
    replace the user's own "SF"; an offer the user takes replaces what was there)."""
    confirmed = {s: v for s, v in move.confirmed.items() if s not in held}
    proposed = {**confirmed, **move.offered}
    if not proposed or not _accepts(user_text, lexicon):
        return {}
    return {
        slot: value
        for slot, value in proposed.items()
        if slot in settable and slot not in said and value.strip()
    }


def _accepts(user_text: str, lexicon: Lexicon) -> bool:
    lowered = user_text.lower().replace("’", "'")
    if lexicon.pattern("no").search(lowered) or lexicon.pattern("reject").search(lowered):
        return False
    if confirmation(user_text, lexicon) is Answer.YES or refers(user_text, lexicon):
        return True
    return lexicon.pattern("accept").search(lowered) is not None


def refers(user_text: str, lexicon: Lexicon) -> bool:
    """Whether the turn points at something said before ("there", "that one"), not counting
    the words of the ``refer_not`` cue ("is there …?" asks whether something exists)."""
    lowered = lexicon.pattern("refer_not").sub(" ", user_text.lower().replace("’", "'"))
    return lexicon.pattern("refer").search(lowered) is not None


__all__ = ["NO_MOVE", "SystemMove", "accepted", "move_of_act", "naming_slot", "refers"]
