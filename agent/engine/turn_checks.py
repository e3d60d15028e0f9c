"""Two rules the engine applies between the stages: which state it keeps
(:class:`StateFilter`) and what a BOOK act does to the backend (:func:`carry_out`).

The slots a user can set are the tracker's rule,
:func:`agent.tracking.state_grammar.trackable_slots`: one answer for the grammar that lets the
model write a slot and for the engine that keeps it.
"""

from __future__ import annotations

import dataclasses
import logging

from agent.backend.records import BookingRefused
from agent.domain import Act, ActType, Booking, DialogueState, DomainSchema
from agent.ports import Backend
from agent.tracking.state_grammar import trackable_slots

log = logging.getLogger(__name__)


class StateFilter:
    """Keeps of a state what the schema allows (see :meth:`valid`)."""

    def __init__(self, schema: DomainSchema) -> None:
        self.schema = schema
        self.names = frozenset(schema.slot_names)
        self.settable = frozenset(trackable_slots(schema))

    def valid(self, state: DialogueState) -> DialogueState:
        """Only slots the schema knows, with non-empty values; intents of known services. A
        slot the user cannot set (``restaurant-phone``) was asked for, not given."""
        names, settable = self.names, self.settable
        slots = {k: v.strip() for k, v in state.slots.items() if k in settable and v.strip()}
        asked = {k for k in state.slots if k in names and k not in settable}
        intents = {s: i for s, i in state.intents.items() if self.schema.service(s)}
        requested = frozenset(r for r in {*state.requested, *asked} if r in names)
        return DialogueState(slots=slots, intents=intents, requested=requested)


def carry_out(backend: Backend, act: Act, state: DialogueState, reuse: Booking | None) -> Act:
    """Carry out a BOOK act: the booking goes into the act, or the act becomes BOOK_FAILED.
    ``reuse`` (a regenerated reply's old booking) is shown again rather than made twice."""
    if act.type is not ActType.BOOK:
        return act
    if reuse is not None and reuse.service == act.service:
        return dataclasses.replace(act, booking=reuse)
    entity = act.entities[0] if act.entities else None
    try:
        booking = backend.book(act.service, state.slots, entity)
    except BookingRefused as refused:
        log.info("booking refused: %s", refused)
        slots = (*refused.invalid, *refused.missing)
        return Act(ActType.BOOK_FAILED, act.service, slots, act.entities)
    return dataclasses.replace(act, booking=booking)
