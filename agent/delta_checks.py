"""Cheap lexical checks on a predicted delta, for what no grammar or prompt can guarantee.

- Negation: "not Italian", "anything but Chinese" must not set food=italian / chinese. A value
  whose mention in the user turn has a negation word shortly before it, in the same clause, is
  dropped.
- One span, one slot: the model often copies the same span into two slots of one service
  (a city into both origin and destination). Only one keeps it.
- "dontcare" only when the user said something like it ("any", "doesn't matter"): otherwise
  it is the model filling the form with defaults.
- Types: a clock time only in a time slot and a time slot only a clock time, a date ("march
  4th", "tomorrow") only in a date or day slot: small models put the turn's time into a date
  slot, a date into a city slot and a street ("lane") into a time slot.
- Wrong slot: "a park in the east" written as attraction-name: park; a free-text value that is
  the allowed value of exactly one categorical slot goes there (optional).
- Support: a categorical value the turn never mentions is usually the model filling the form
  with defaults; optionally drop it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from agent.domain import DONTCARE, DomainSchema
from agent.normalize import NUMBER_WORDS, is_time_slot, parse_time

NEGATIONS = frozenset(
    {
        "not",
        "no",
        "never",
        "without",
        "except",
        "nor",
        "n't",
        "dont",
        "don't",
        "doesn't",
        "isn't",
        "aren't",
        "won't",
        "wouldn't",
        "didn't",
        "hate",
        "dislike",
        "avoid",
        "besides",
    }
)
_CLAUSE_BREAK = re.compile(r"[,.;:!?]|\b(?:but|rather|instead|actually|however|and)\b")
_WORDS = re.compile(r"[\w']+")
_WINDOW = 4
_DONTCARE_CUE = re.compile(
    r"\b(?:any|anything|anywhere|anytime|anyone|whatever|whichever|either|all the same|"
    r"(?:do not|don'?t|doesn'?t|does not|won'?t|wouldn'?t) (?:care|matter|mind)|"
    r"no (?:preference|matter)|not (?:particular|picky|fussy|important)|flexible|open to)\b"
)


def wordset(text: str) -> frozenset[str]:
    """A set of words written as running text (long word lists stay readable)."""
    return frozenset(text.split())


# words of a turn that only acknowledges ("Alright.", "Thanks, that's all for now.")
_COURTESY = wordset(
    """yes yeah yep ok okay alright sure great perfect fine good nice cool awesome wonderful
    fantastic excellent thanks thank you very much so lot that that's this it is was will would
    be all for now goodbye bye no nope not i i'm me my your help appreciate sounds seems looks
    works work correct right please and the a an do don't need anything else nothing glad
    kind of too everything"""
)


def only_acknowledges(user_text: str) -> bool:
    """The turn says nothing of its own: thanks, yes, "that works", goodbye."""
    return all(word in _COURTESY for word in _WORDS.findall(user_text.lower()))


def says_dontcare(user_text: str) -> bool:
    """Whether the user's words could mean "no preference" for something."""
    return _DONTCARE_CUE.search(user_text.lower().replace("’", "'")) is not None


def negated(value: str, user_text: str) -> bool:
    """Whether every mention of ``value`` in ``user_text`` follows a negation in its clause."""
    lowered = user_text.lower()
    needle = value.lower().strip()
    if not needle or needle == DONTCARE:
        return False
    starts = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(needle)}(?!\w)", lowered)]
    return bool(starts) and all(_negated_before(lowered[:start]) for start in starts)


def _negated_before(prefix: str) -> bool:
    clause = _CLAUSE_BREAK.split(prefix)[-1]
    words = _WORDS.findall(clause.replace("n't", " n't"))
    return any(word in NEGATIONS for word in words[-_WINDOW:])


def drop_negated(values: Mapping[str, str], user_text: str) -> dict[str, str]:
    return {slot: value for slot, value in values.items() if not negated(value, user_text)}


def one_slot_per_span(values: Mapping[str, str], schema: DomainSchema) -> dict[str, str]:
    """Keep each free-text value in at most one slot per service (a time prefers a time slot)."""
    kept: dict[str, str] = {}
    owner: dict[tuple[str, str], str] = {}
    for slot, value in values.items():
        spec = schema.slot(slot)
        if value == DONTCARE or (spec is not None and spec.categorical):
            kept[slot] = value
            continue
        key = (slot.split("-", 1)[0], value.lower())
        previous = owner.get(key)
        if previous is None or _better_owner(slot, previous, value):
            kept.pop(previous or "", None)
            owner[key] = slot
            kept[slot] = value
    return kept


def _better_owner(slot: str, previous: str, value: str) -> bool:
    is_time = parse_time(value.lower()) is not None
    return is_time and is_time_slot(slot) and not is_time_slot(previous)


def supported(value: str, slot: str, text: str) -> bool:
    """Whether ``text`` mentions ``value`` (spaced or not: "guest house"; a number as a word:
    "two") or, for yes/no values, a word of the slot's name ("free parking" → parking=yes)."""
    lowered = text.lower().replace("center", "centre")
    needle = value.lower()
    if value == DONTCARE or needle in lowered or needle in lowered.replace(" ", ""):
        return True
    if needle in {"true", "false", "yes", "no"}:
        words = slot.split("-", 1)[-1].replace("_", " ").split()
        return any(word in lowered for word in words if len(word) > 3)
    if needle.isdigit():
        return int(needle) in {NUMBER_WORDS.get(word) for word in _WORDS.findall(lowered)}
    return any(word in lowered for word in _WORDS.findall(needle) if len(word) > 3)


DATE = re.compile(  # a word that makes a value a date (shared with agent.candidates)
    r"\b(?:\d{1,2}(?:st|nd|rd|th)|today|tomorrow|tonight|yesterday|weekend|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
)


def well_typed(slot: str, value: str) -> bool:
    """False for a clock time outside a time slot, anything but a time (or dontcare) in a time
    slot ("taxi-leaveat: lane"), or a date outside a date/day slot."""
    lowered = value.lower()
    name = slot.split("-", 1)[-1].lower()
    timely = is_time_slot(slot)
    if timely:
        return lowered == DONTCARE or parse_time(lowered, bare_numbers=True) is not None
    if name.endswith("id") and lowered != DONTCARE and not any(c.isdigit() for c in lowered):
        return False  # an id ("TR1234") has digits: "train-trainid: taxi" is a stray word
    if parse_time(lowered) is not None:
        return False
    dated = "date" in name or "day" in name
    return dated or DATE.search(lowered) is None


def to_categorical_slot(values: Mapping[str, str], schema: DomainSchema) -> dict[str, str]:
    """A free-text value that is the allowed value of exactly one categorical slot ("a park in
    the east" → attraction-name: park) goes to that slot, unless the delta sets it already."""
    owners: dict[str, list[str]] = {}
    for spec in (slot for service in schema.services for slot in service.slots):
        for allowed in spec.values if spec.categorical else ():
            owners.setdefault(allowed.lower(), []).append(spec.name)
    moved: dict[str, str] = {}
    for slot, value in values.items():
        found, targets = schema.slot(slot), owners.get(value.lower(), [])
        free = found is not None and not found.categorical and value != DONTCARE
        if free and len(targets) == 1 and targets[0] not in values:
            moved.setdefault(targets[0], value.lower())
        else:
            moved[slot] = value
    return moved
