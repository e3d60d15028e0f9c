"""Which user turn set each slot: derived from the state snapshots along a branch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agent.domain import DialogueState, Turn

EDITED = 0  # the user changed the slot by hand in the state panel


def slot_origins(branch: Sequence[Turn]) -> dict[str, int]:
    """Slot → number (from 1) of the user turn after which it last took its current value."""
    origins: dict[str, int] = {}
    previous: Mapping[str, str] = {}
    number = 0
    for turn in branch:
        if turn.role == "user":
            number += 1
        if turn.state is None:
            continue
        origins = advance(origins, previous, turn.state, number)
        previous = turn.state.slots
    return origins


def advance(
    origins: Mapping[str, int],
    previous: Mapping[str, str],
    state: DialogueState,
    number: int,
) -> dict[str, int]:
    """Origins after ``state`` replaced ``previous`` during user turn ``number``."""
    updated = {slot: n for slot, n in origins.items() if slot in state.slots}
    for slot, value in state.slots.items():
        if previous.get(slot) != value or slot not in updated:
            updated[slot] = number
    return updated
