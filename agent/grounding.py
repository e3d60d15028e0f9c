"""Is a reply grounded in its act? The check behind "never invent a venue, phone or reference".

A reply may name only what the act carries (its entities and their attributes, the booking) or
what the user and the state already said. What looks like a fact is extracted from the reply —
phone numbers, postcodes, 8-character references, train ids, any venue name from the database,
capitalised multi-word names — and each one must be found in that allowed text. For task acts the
reply must also carry the act's point (the offered name, the informed values, the reference),
otherwise the template says it better.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator

from agent.domain import Act, ActType, DialogueState
from agent.replies import attribute

_PHONE = re.compile(r"(?<![\w.])\+?\d[\d\s-]{5,}\d(?!\w|\.\d)")
_POSTCODE = re.compile(r"\b[a-z]{1,2}\d{1,2}[a-z]?\s?\d[a-z]{2}\b", re.IGNORECASE)
_REFERENCE = re.compile(r"\b(?=[A-Z]*\d)(?=\d*[A-Z])[A-Z0-9]{8}\b")
_NUMBER = re.compile(r"\b\d[\d.,:]*\d\b")  # prices, times, counts of two or more digits
_TRAIN_ID = re.compile(r"\bTR\d{3,5}\b", re.IGNORECASE)
_PROPER = re.compile(r"\b[A-Z][a-z']+(?:\s+(?:of|the|and|&)?\s*[A-Z][a-z']+)+")
_NOT_NAMES = frozenset(
    [
        "I",
        "I'm",
        "I'd",
        "I'll",
        "The",
        "A",
        "An",
        "Hello",
        "Hi",
        "Hey",
        "Dear",
        "Thank",
        "Thanks",
        "Good",
        "Yes",
        "No",
        "Sure",
        "Sorry",
        "Please",
        "Great",
        "Okay",
        "Ok",
        "Of",
        "Certainly",
        "Absolutely",
        "Unfortunately",
        "Would",
        "Shall",
        "Could",
        "Let",
    ]
)
_BOOKING_CLAIM = re.compile(r"\b(booked|reserved|reservation is|reference (number|code))\b", re.I)
# before a transaction: the reply may ask "shall I book it?", never say it is done
_DONE_CLAIM = re.compile(
    r"\b(is|are|has been|have been|was) (now )?(booked|reserved|confirmed)\b"
    r"|\breference (is|number|code)\b",
    re.I,
)
_BEFORE_BOOKING = (ActType.CONFIRM, ActType.OFFER, ActType.REQUEST, ActType.NO_MATCH)
_MIN_NAME = 6
_POSSESSIVE = re.compile(r"['’]s$")


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def allowed_text(act: Act, state: DialogueState, user_text: str) -> str:
    """Everything the reply may repeat, folded to lower case."""
    parts = [user_text, str(act.total), *state.slots.values()]
    for entity in act.entities:
        parts += [entity.name, *map(str, entity.attributes.values())]
    if act.booking:
        parts += [act.booking.reference, act.booking.entity, *act.booking.slots.values()]
    return _fold(" | ".join(parts))


def problems(
    reply: str,
    act: Act,
    state: DialogueState,
    user_text: str = "",
    known_names: Collection[str] = (),
) -> list[str]:
    """What in ``reply`` is not grounded in ``act``, or what the act needed and the reply lacks.
    An empty list means the reply may be shown as it is."""
    allowed = allowed_text(act, state, user_text)
    found = [
        f"unknown fact: {fact}" for fact in _facts(reply, known_names) if not _ok(fact, allowed)
    ]
    if act.type in (ActType.CHAT, ActType.GREET, ActType.BYE) and _BOOKING_CLAIM.search(reply):
        found.append("claims a booking")
    elif act.type in _BEFORE_BOOKING and _DONE_CLAIM.search(reply):
        found.append("claims a booking not made")
    found += [f"missing: {need}" for need in _needs(act) if not _allowed(need, _fold(reply))]
    if act.type is ActType.REQUEST and "?" not in reply:
        found.append("asks nothing")  # "as a booking assistant I'm not equipped to…"
    if _repeats(reply):
        found.append("repeats itself")
    return found


def _repeats(reply: str) -> bool:
    """A sentence said twice: small models loop until the token limit."""
    sentences = [s.strip().lower() for s in re.split(r"(?<=[.!?])\s+", reply) if len(s) > 12]
    return len(sentences) != len(set(sentences))


def _allowed(fact: str, allowed: str) -> bool:
    folded = _fold(fact)
    if folded in allowed:
        return True
    digits = _digits(fact)
    if len(digits) >= 6:
        return digits in _digits(allowed)
    return folded.replace(" ", "") in allowed.replace(" ", "")


def _facts(reply: str, known_names: Collection[str]) -> Iterator[str]:
    for pattern in (_PHONE, _POSTCODE, _REFERENCE, _TRAIN_ID, _NUMBER):
        for match in pattern.finditer(reply):
            yield match.group(0).strip()
    for match in _PROPER.finditer(reply):
        # "Loch Fyne's postcode": the possessive is not part of the name ("Kettle's Yard" is)
        words = _POSSESSIVE.sub("", match.group(0)).split()
        while words and words[0] in _NOT_NAMES:
            words.pop(0)
        if len(words) >= 2:
            yield " ".join(words)
    folded = _fold(reply)
    for name in known_names:
        name = _fold(name)
        if len(name) >= _MIN_NAME and re.search(rf"\b{re.escape(name)}\b", folded):
            yield name


def _ok(fact: str, allowed: str) -> bool:
    """Allowed as a whole, or (a capitalised run of words) from some word on: "For Zizzi
    Cambridge" is fine when "zizzi cambridge" is allowed."""
    words = fact.split()
    return any(_allowed(" ".join(words[i:]), allowed) for i in range(max(1, len(words) - 1)))


def _needs(act: Act) -> list[str]:
    """The facts a reply for ``act`` must state."""
    if act.type is ActType.OFFER and act.entities:
        return [act.entities[0].name]
    if act.type is ActType.INFORM and act.entities:
        values = [attribute(act.entities[0], s) for s in act.slots]
        return [v for v in values if v and v != "?"]
    if act.type is ActType.CONFIRM and act.entities:
        return [act.entities[0].name]
    if act.type is ActType.BOOK and act.booking:
        # what the transaction made is news to the user: a taxi's phone number too
        made = [v for k, v in act.booking.slots.items() if k.endswith("-phone") and v]
        return [act.booking.reference, *made]
    return []
