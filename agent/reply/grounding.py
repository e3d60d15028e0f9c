"""Is a reply grounded? The check behind "never invent a venue, phone, booking or reference".

A reply may state only what the backend produced in this conversation: the act's entities and
their attributes, the act's booking, the conversation's earlier bookings, and the state the
tracker accepted. What looks like a fact is extracted from the reply — phone numbers, postcodes,
train ids, numbers, any venue name from the database, capitalised multi-word names — and each
one must be found in that text. The user's own words do not make a fact true: they may only
ground a *name* the reply echoes ("Kings College sounds lovely"), never a number, a phone or a
reference. A reference-shaped token (8 letters and digits) is grounded by a real booking only,
and a reply that says a booking was made (the lexicon's ``booking_claim`` and ``booking_done``
cues: the words are the language's, not the engine's) needs a booking to say it of. For task
acts the reply must also carry the act's point (the offered name, the informed values, the
reference), otherwise the template says it better. And it must be in the pack's language: a
reply whose letters are mostly none of the lexicon's ``letters`` (an English sentence from a
model asked in Korean) is replaced by the pack's own template.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence

from agent.domain import Act, ActType, Booking, DialogueState
from agent.language.lexicon import Lexicon
from agent.reply.templates import attribute

_PHONE = re.compile(r"(?<![\w.])\+?\d[\d\s-]{5,}\d(?!\w|\.\d)")
_POSTCODE = re.compile(r"\b[a-z]{1,2}\d{1,2}[a-z]?\s?\d[a-z]{2}\b", re.IGNORECASE)
_REFERENCE = re.compile(r"\b(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]{8}\b", re.IGNORECASE)
_NUMBER = re.compile(r"\b\d[\d.,:]*\d\b")  # prices, times, counts of two or more digits
_TRAIN_ID = re.compile(r"\bTR\d{3,5}\b", re.IGNORECASE)
_PROPER = re.compile(r"\b[A-Z][a-z']+(?:\s+(?:of|the|and|&)?\s*[A-Z][a-z']+)+")
# before a transaction (or after a failed one) the reply may ask "shall I book it?", never say
# it is done; a chat, greeting, goodbye or answer may mention a booking only if one was made
_NOT_YET = (
    ActType.CONFIRM,
    ActType.OFFER,
    ActType.REQUEST,
    ActType.NO_MATCH,
    ActType.BOOK_FAILED,
)
_MIN_NAME = 6
NO_WORDS = Lexicon()  # a pack without a language: only the structural checks
_OWN_LETTERS = 0.5  # a reply with fewer of its letters in the pack's languages is another's
_POSSESSIVE = re.compile(r"['’]s$")


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace("’", "'")).strip()


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def allowed_text(act: Act, state: DialogueState, bookings: Sequence[Booking] = ()) -> str:
    """Everything the backend produced that the reply may repeat, folded to lower case."""
    parts = [str(act.total), *state.slots.values()]
    for entity in act.entities:
        parts += [entity.name, *map(str, entity.attributes.values())]
    for booking in _bookings(act, bookings):
        parts += [booking.reference, booking.entity, *booking.slots.values()]
    return _fold(" | ".join(parts))


def problems(
    reply: str,
    act: Act,
    state: DialogueState,
    user_text: str = "",
    known_names: Collection[str] = (),
    *,
    bookings: Sequence[Booking] = (),
    lexicon: Lexicon = NO_WORDS,
) -> list[str]:
    """What in ``reply`` is not grounded, or what the act needed and the reply lacks; an empty
    list means the reply may be shown as it is. ``bookings``: the conversation's bookings the
    engine knows (besides the act's own); ``lexicon``: the pack's words (booking claims)."""
    allowed = allowed_text(act, state, bookings)
    said = f"{allowed} | {_fold(user_text)}"  # a name the user said may be echoed
    found = [f"unknown fact: {fact}" for fact in _figures(reply) if not _allowed(fact, allowed)]
    names = _names(reply, known_names, lexicon.words("not_a_name"))
    found += [f"unknown fact: {name}" for name in names if not _ok(name, said)]
    found += _false_references(reply, act, bookings)
    found += _false_claims(reply, act, bookings, lexicon)
    found += [f"missing: {need}" for need in _needs(act) if not _allowed(need, _fold(reply))]
    if act.type is ActType.REQUEST and "?" not in reply:
        found.append("asks nothing")  # "as a booking assistant I'm not equipped to…"
    if _repeats(reply):
        found.append("repeats itself")
    share = lexicon.share_in_language(reply)
    if share is not None and share < _OWN_LETTERS:
        found.append("not in the pack's language")  # an English reply to a Korean pack
    return found


def _bookings(act: Act, bookings: Sequence[Booking]) -> list[Booking]:
    return [*bookings, *([act.booking] if act.booking is not None else [])]


def _false_references(reply: str, act: Act, bookings: Sequence[Booking]) -> list[str]:
    """Reference-shaped tokens that no booking of this conversation has (an entity's own
    attribute of that shape, such as an id on file, is the backend's too)."""
    real = {b.reference.lower() for b in _bookings(act, bookings)}
    real |= {str(v).lower() for e in act.entities for v in (e.name, *e.attributes.values())}
    tokens = [m.group(0) for m in _REFERENCE.finditer(reply)]
    return [f"unknown reference: {t}" for t in tokens if t.lower() not in real]


def _false_claims(reply: str, act: Act, bookings: Sequence[Booking], lexicon: Lexicon) -> list[str]:
    """A booking said to be made when this act made none (and, outside the steps of a booking,
    when the conversation has none either)."""
    if act.type is ActType.BOOK and act.booking is not None:
        return []
    folded = _fold(reply)
    if act.type in _NOT_YET or act.type is ActType.BOOK:
        claimed = lexicon.pattern("booking_done").search(folded) is not None
        return ["claims a booking not made"] if claimed else []
    if not bookings and lexicon.pattern("booking_claim").search(folded):
        return ["claims a booking"]
    return []


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


def _figures(reply: str) -> Iterator[str]:
    """Phones, postcodes, train ids and numbers: facts only the backend or the state give."""
    for pattern in (_PHONE, _POSTCODE, _TRAIN_ID, _NUMBER):
        for match in pattern.finditer(reply):
            yield match.group(0).strip()


def _names(reply: str, known_names: Collection[str], openers: frozenset[str]) -> Iterator[str]:
    """Capitalised runs of words and the names on file that the reply contains. ``openers``
    (the lexicon's ``not_a_name``) are capitalised words that start no name ("Thanks", "I'm")."""
    for match in _PROPER.finditer(reply):
        # "Loch Fyne's postcode": the possessive is not part of the name ("Kettle's Yard" is)
        words = _POSSESSIVE.sub("", match.group(0)).split()
        while words and words[0].lower() in openers:
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
