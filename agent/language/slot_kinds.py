"""What kind of value a slot holds, and how to tell when a pack does not say.

A pack declares each slot's kind (``kind: time`` in ``domain.yaml``); the engine's rules read
:attr:`agent.domain.SlotSpec.kind` instead of guessing from the slot's name. When nothing is
declared the kind follows from the slot's structure only, never from its name:

- ``boolean``: a categorical slot whose values are all yes/no words of the pack's languages
  (the lexicon's ``yes_no_value`` cue);
- ``number``: values (or examples) that are all whole numbers;
- ``time``: values or examples all shaped ``HH:MM``;
- ``date``: values or examples all ISO dates (``2026-12-01``);
- ``categorical``: any other slot with a closed list of values; ``text`` for the rest.

``name`` (a record's name or id, or a person's) cannot be seen in the structure; a pack says it.
A ``date`` slot may be categorical too: then its values are the days it takes (weekdays).

Stdlib only, like :mod:`agent.domain`, which uses it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal, get_args

from agent.language.lexicon import Lexicon

SlotKind = Literal["categorical", "boolean", "number", "time", "date", "name", "text"]
SLOT_KINDS: tuple[SlotKind, ...] = get_args(SlotKind)

_CLOCK = re.compile(r"^(?:[01]?\d|2[0-3]):[0-5]\d$")
_ISO_DATE = re.compile(r"^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$")


def structural_kind(categorical: bool, values: Sequence[str], examples: Sequence[str]) -> SlotKind:
    """The kind the values' shape shows, without any language's words (so never ``boolean``)."""
    shown = [v.strip() for v in (values if categorical and values else examples) if v.strip()]
    if shown and all(v.isdigit() for v in shown):
        return "number"
    if shown and all(_CLOCK.match(v) for v in shown):
        return "time"
    if shown and all(_ISO_DATE.match(v) for v in shown):
        return "date"
    return "categorical" if categorical else "text"


def infer_kind(
    categorical: bool, values: Sequence[str], examples: Sequence[str], lexicon: Lexicon
) -> SlotKind:
    """The kind of an undeclared slot: :func:`structural_kind`, or ``boolean`` when a
    categorical slot's values are all yes/no words of ``lexicon``."""
    if categorical and values and all(is_yes_no_value(v, lexicon) for v in values):
        return "boolean"
    return structural_kind(categorical, values, examples)


def is_yes_no_value(value: str, lexicon: Lexicon) -> bool:
    """Whether ``value`` is one of the lexicon's words for a yes/no slot's values."""
    wanted = value.strip().lower()
    return any(wanted == p for group in lexicon.phrases("yes_no_value") for p in group.phrases)
