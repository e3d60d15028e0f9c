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

The words these checks read (negations, "no preference" cues, courtesy words, clause breaks, date
words) are the pack's lexicon's cues ``negation``, ``negation_after``, ``dontcare``, ``courtesy``,
``clause_break`` and ``date_word``; a slot's kind says what it holds, never its name. Callers
without a lexicon read the English one (:func:`agent.language.normalize.fallback_lexicon`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from agent.domain import DONTCARE, DomainSchema, SlotSpec
from agent.language.lexicon import Lexicon
from agent.language.normalize import fallback_lexicon, is_time_slot, parse_number, parse_time, terms

_PUNCTUATION_BREAK = r"[,.;:!?]"
_WORDS = re.compile(r"[\w']+")
_WINDOW = 4


def wordset(text: str) -> frozenset[str]:
    """A set of words written as running text (long word lists stay readable)."""
    return frozenset(text.split())


def _lexicon(lexicon: Lexicon | None) -> Lexicon:
    return lexicon if lexicon is not None and lexicon.languages else fallback_lexicon()


def only_acknowledges(user_text: str, lexicon: Lexicon | None = None) -> bool:
    """The turn says nothing of its own: thanks, yes, "that works", goodbye (every word is
    one of the lexicon's ``courtesy`` words)."""
    courtesy = _lexicon(lexicon).words("courtesy")
    return all(word in courtesy for word in _WORDS.findall(user_text.lower()))


def says_dontcare(user_text: str, lexicon: Lexicon | None = None) -> bool:
    """Whether the user's words could mean "no preference" for something (cue ``dontcare``)."""
    folded = user_text.lower().replace("’", "'")
    return _lexicon(lexicon).pattern("dontcare").search(folded) is not None


def negated(value: str, user_text: str, lexicon: Lexicon | None = None) -> bool:
    """Whether every mention of ``value`` in ``user_text`` follows a negation in its clause
    ("not italian"), or is followed by one (cue ``negation_after``: "이탈리아 말고")."""
    lowered = user_text.lower()
    needle = value.lower().strip()
    if not needle or needle == DONTCARE:
        return False
    words = _lexicon(lexicon)
    end = r"(?!\w)" if words.terms.bounded else ""  # Korean endings attach: 이탈리아는 말고
    mentions = list(re.finditer(rf"(?<!\w){re.escape(needle)}{end}", lowered))
    return bool(mentions) and all(
        _negated_before(lowered[: m.start()], words) or _negated_after(lowered[m.end() :], words)
        for m in mentions
    )


def _clause_break(lexicon: Lexicon) -> re.Pattern[str]:
    return _breaks(lexicon.pattern("clause_break").pattern)


@lru_cache(maxsize=16)
def _breaks(words: str) -> re.Pattern[str]:
    return re.compile(f"{_PUNCTUATION_BREAK}|{words}")


def _negated_before(prefix: str, lexicon: Lexicon) -> bool:
    clause = _clause_break(lexicon).split(prefix)[-1]
    words = _WORDS.findall(clause.replace("n't", " n't"))
    negations = lexicon.words("negation")
    return any(word in negations for word in words[-_WINDOW:])


def _negated_after(suffix: str, lexicon: Lexicon) -> bool:
    clause = _clause_break(lexicon).split(suffix)[0]
    near = " ".join(clause.split()[:_WINDOW])
    return lexicon.pattern("negation_after").search(near) is not None


def drop_negated(
    values: Mapping[str, str], user_text: str, lexicon: Lexicon | None = None
) -> dict[str, str]:
    return {s: v for s, v in values.items() if not negated(v, user_text, lexicon)}


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
        if previous is None or _better_owner(slot, previous, value, schema):
            kept.pop(previous or "", None)
            owner[key] = slot
            kept[slot] = value
    return kept


def _better_owner(slot: str, previous: str, value: str, schema: DomainSchema) -> bool:
    is_time = parse_time(value.lower(), lexicon=schema.lexicon) is not None
    return is_time and _timely(slot, schema) and not _timely(previous, schema)


def _timely(slot: str, schema: DomainSchema | None) -> bool:
    spec = schema.slot(slot) if schema is not None else None
    return spec is not None and is_time_slot(spec)


def supported(value: str, slot: str, text: str, schema: DomainSchema | None = None) -> bool:
    """Whether ``text`` mentions ``value`` (spaced or not: "guest house"; one of its aliases;
    a number as a word: "two") or, for yes/no values, a word of the slot's name ("free
    parking" → parking=yes)."""
    spec = schema.slot(slot) if schema is not None else None
    lexicon = _lexicon(schema.lexicon if schema is not None else None)
    lowered = text.lower()
    needle = value.lower()
    if value == DONTCARE or needle in lowered or needle in lowered.replace(" ", ""):
        return True
    if spec is not None and any(alias in lowered for alias in spec.aliases_of(needle)):
        return True
    canonical = set(dict(lexicon.terms.booleans).values())  # what yes/no values become
    if needle in canonical or needle in lexicon.words("yes_no_value"):
        words = slot.split("-", 1)[-1].replace("_", " ").split()
        return any(word in lowered for word in words if len(word) > 3)
    if needle.isdigit():
        said = {parse_number(word, lexicon) for word in _WORDS.findall(lowered)}
        return int(needle) in said
    return any(word in lowered for word in _WORDS.findall(needle) if len(word) > 3)


class _DatePattern:
    """``DATE.search(text)``: a word that makes a value a date (an ordinal day, a month or day
    name, the lexicon's ``date_word`` cue), in the English lexicon (for callers without one;
    :func:`dated` reads a pack's)."""

    def search(self, text: str) -> re.Match[str] | None:
        return _date_pattern(fallback_lexicon()).search(text)


DATE = _DatePattern()  # shared with agent.tracking.candidates


def dated(text: str, lexicon: Lexicon | None = None) -> bool:
    """Whether lower-cased ``text`` holds a date word of the lexicon (see ``DATE``)."""
    return _date_pattern(_lexicon(lexicon)).search(text) is not None


@lru_cache(maxsize=16)
def _date_pattern(lexicon: Lexicon) -> re.Pattern[str]:
    words = terms(lexicon)
    names = [group[0] for group in (*words.days, *words.months) if group]
    names += sorted(lexicon.words("date_word"))
    ordinal = "|".join(map(re.escape, words.ordinals))
    alternation = "|".join(map(re.escape, sorted(set(names), key=len, reverse=True)))
    day = rf"\d{{1,2}}(?:{ordinal})" if ordinal else r"(?!)"
    edge = r"\b" if words.bounded else ""
    return re.compile(rf"{edge}(?:{day}|{alternation or '(?!)'}){edge}")


def well_typed(slot: str, value: str, schema: DomainSchema | None = None) -> bool:
    """False for a clock time outside a time slot, anything but a time (or dontcare) in a time
    slot ("taxi-leaveat: lane"), a date outside a date slot, or a value without digits in a
    name slot whose examples all have digits (an id: "train-trainid: taxi"). The slot's kind
    comes from ``schema``; without one (or for a slot it lacks) the slot holds text."""
    lowered = value.lower()
    spec = schema.slot(slot) if schema is not None else None
    lexicon = schema.lexicon if schema is not None else None
    if _timely(slot, schema):
        return (
            lowered == DONTCARE
            or parse_time(lowered, bare_numbers=True, lexicon=lexicon) is not None
        )
    if lowered != DONTCARE and _needs_digits(spec) and not any(c.isdigit() for c in lowered):
        return False
    if parse_time(lowered, lexicon=lexicon) is not None:
        return False
    return (spec is not None and spec.kind == "date") or not dated(lowered, lexicon)


def _needs_digits(spec: SlotSpec | None) -> bool:
    """A name slot whose examples all have digits takes ids ("TR1234")."""
    if spec is None or spec.kind != "name":
        return False
    shown = spec.examples or (spec.values if spec.categorical else ())
    return bool(shown) and all(any(c.isdigit() for c in v) for v in shown)


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
