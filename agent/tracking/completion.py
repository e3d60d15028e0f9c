"""After the model: what the user's words settle that the model got wrong or left out.

The candidate grammar (:mod:`agent.tracking.candidates`) keeps a small model from inventing values;
it cannot make it write every value, nor put a number or a place in the right one of two similar
slots. What the user's words settle beyond doubt is applied here, deterministically:

- a value the user said that only one slot of the service can take ("a cheap guesthouse in the
  south": the model wrote two of the three and stopped);
- a number tied to a slot by the word after it ("2 star", "3 nights", "for 4 people");
- a time tied to arriving or leaving ("arriving by 19:00", "leave after 10:00");
- origin and destination from "from X" and "to Y";
- the search intent of a service the model gave values for but did not start.

The words that tie a value to a slot are the pack's lexicon's cues (``route_from``,
``route_to``, ``route_stop``, ``arrive_cue``, ``leave_cue``, ``party``, ``not_party``,
``party_slot``, ``name_article``)
and its number words and counters; which slot takes a time is its kind, and whether it is
when to arrive or to leave, the ``arrive_cue``/``leave_cue`` cue in its description.

The numbers, times and trip ends the words tie to slots are worked out once per turn
(:func:`settle_words`, a :class:`SettledWords`) and read twice: by the grammar, which leaves
those slots out (:func:`settled_by_words`), and by :func:`complete_unique`, which writes them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from agent.domain import DONTCARE, DomainSchema, SlotSpec, StateDelta
from agent.language.lexicon import Lexicon
from agent.language.normalize import fallback_lexicon, is_time_slot, parse_number, parse_time
from agent.tracking.candidates import (
    ASK_STOP,
    TIME_WORDS,
    WORD,
    TurnCandidates,
    plain_text,
    route_end,
    stem,
)


@dataclass(frozen=True)
class SettledWords:
    """What one turn's words tie to slots, per service: numbers and times tied to their slot
    (``tied``: "2 star", "leave after 10:00"; numbers first, the order they are applied in)
    and a trip's ends after "from"/"to" (``routes``). Of one turn's candidates: pass it only
    with the :class:`TurnCandidates` and the text it was worked out from."""

    tied: Mapping[str, Mapping[str, str]]
    routes: Mapping[str, Mapping[str, str]]


def settle_words(
    found: TurnCandidates,
    schema: DomainSchema,
    user_text: str,
    services: Sequence[str] | None = None,
) -> SettledWords:
    """The :class:`SettledWords` of ``services`` (default: the services in play)."""
    text = plain_text(user_text)
    lexicon = _words(schema)
    names = found.services if services is None else services
    return SettledWords(
        tied={service: _tied(found, schema, service, text) for service in names},
        routes={service: _route_values(found, service, text, lexicon) for service in names},
    )


def _tied(found: TurnCandidates, schema: DomainSchema, service: str, text: str) -> dict[str, str]:
    attached = _attached_numbers(schema, service, text)
    attached.update(_attached_times(found, schema, service, text))
    return attached


def _settled_of(
    settled: SettledWords | None,
    found: TurnCandidates,
    schema: DomainSchema,
    user_text: str,
    service: str,
) -> tuple[Mapping[str, str], Mapping[str, str]]:
    """The tied values and trip ends of ``service``: from ``settled``, or worked out now for a
    service it does not cover."""
    if settled is None or service not in settled.tied:
        settled = settle_words(found, schema, user_text, (service,))
    return settled.tied[service], settled.routes[service]


def complete_unique(
    delta: StateDelta,
    found: TurnCandidates,
    schema: DomainSchema,
    user_text: str,
    settled: SettledWords | None = None,
) -> StateDelta:
    """``delta`` plus the values the model left out although the turn leaves no doubt: in the
    service the delta is about, a categorical value or a time that the user said and that is
    the only candidate of exactly one slot ("a cheap guesthouse in the south": the model wrote the
    price and the area and stopped; ``hotel-type: guesthouse`` can only be that). Small models
    end their output early far more often than they pick a wrong categorical value. A value
    that is the candidate of no other slot is added even when it is the service's own name:
    "a cheap hotel" means hotel-type: hotel, as in MultiWOZ. Origin and destination follow the
    user's "from" and "to". ``settled``: the turn's :func:`settle_words`, if already worked
    out."""
    services = list(delta.intents) or sorted({n.split("-", 1)[0] for n in delta.set})
    for fallback in (found.named, found.services):  # the model wrote nothing of a service
        if not services and len(fallback) == 1:
            services = list(fallback)
    if len(services) != 1:
        return delta
    service = services[0]
    owners, per_slot = found.owners(service)
    text = plain_text(user_text)
    lexicon = _words(schema)
    attached, routes = _settled_of(settled, found, schema, user_text, service)
    for slot, value in attached.items():
        if owners.get(value):
            owners[value] = [slot]  # "2 star": the number belongs to the stars
            per_slot[slot] = 1
    added = {
        slots[0]: value
        for value, slots in owners.items()
        if len(slots) == 1
        and per_slot[slots[0]] == 1  # "pizza hut" names three restaurants: left to the model
        and slots[0] not in delta.set
        and slots[0] not in delta.deleted
        and not _boolean(schema, slots[0])  # a yes/no value needs the model's reading
    }
    moved = dict(delta.set)  # "3 people, 2 nights": the model's "3" in bookstay moves
    for slot, value in attached.items():
        wrong = [o for o, v in moved.items() if v == value and o != slot and o not in attached]
        if slot in moved or wrong:
            for other in wrong:
                del moved[other]
            moved[slot] = value
    moved = _oriented(moved, text, lexicon)
    for slot, value in routes.items():
        if slot not in delta.deleted:
            moved[slot] = value
    intents = dict(delta.intents)
    spec = schema.service(service)
    if added and not intents and spec is not None:
        # values for an intent the model did not start: a booking's own details ("for 2 people
        # on Friday") start the booking, anything else the search (when there is just one)
        allowed = [i for i in spec.intents if i.name in found.intents]
        searched = {
            n for i in spec.intents if not i.transactional for n in (*i.required, *i.optional)
        }
        books = [
            i
            for i in allowed
            if i.transactional and set(added) & ({*i.required, *i.optional} - searched)
        ]
        searches = [i for i in allowed if not i.transactional]
        chosen = books if len(books) == 1 else searches
        if len(chosen) == 1:
            intents[service] = chosen[0].name
    asked = {n for n in found.asked if n.split("-", 1)[0] == service} - set(delta.requested)
    if not added and not asked and moved == dict(delta.set) and intents == dict(delta.intents):
        return delta
    requested = frozenset({*delta.requested, *asked})  # "the postcode of Loch Fyne?"
    return replace(delta, set={**moved, **added}, intents=intents, requested=requested)


def settled_by_words(
    found: TurnCandidates,
    schema: DomainSchema,
    user_text: str,
    settled: SettledWords | None = None,
) -> frozenset[str]:
    """Slots :func:`complete_unique` sets from the words whatever the model writes, for any
    service in play: a trip's ends after "from"/"to", and numbers and times tied to their slot
    ("2 tickets", "leave after 10:00"). The grammar can leave them out. ``settled``: the
    turn's :func:`settle_words`, if already worked out."""
    out: set[str] = set()
    for service in found.services:
        owners, _ = found.owners(service)
        attached, routes = _settled_of(settled, found, schema, user_text, service)
        out.update(slot for slot, value in attached.items() if owners.get(value))
        out.update(routes)
    return frozenset(out)


def _boolean(schema: DomainSchema, slot: str) -> bool:
    spec = schema.slot(slot)
    return spec is not None and spec.kind == "boolean"


def _words(schema: DomainSchema | None) -> Lexicon:
    """The schema's lexicon, or the English one for a schema without (hand-built)."""
    lexicon = schema.lexicon if schema is not None else None
    return lexicon if lexicon is not None and lexicon.languages else fallback_lexicon()


def swap_routes(
    delta: StateDelta, user_text: str, schema: DomainSchema | None = None
) -> StateDelta:
    """For a grammar without candidates: a trip's two ends written the wrong way round ("to
    Las Vegas … from Toronto" as origin Las Vegas, destination Toronto) are swapped back, when
    the user's "from" and "to" say so for both of them."""
    text = plain_text(user_text)
    lexicon = _words(schema)
    swapped = dict(delta.set)

    def said(end: str, value: str) -> bool:
        return _said_after(end, value, text, lexicon)

    for start, value in delta.set.items():
        wrong_start = said("to", value) and not said("from", value)
        if route_end(start) != "from" or not wrong_start:
            continue
        service = start.split("-", 1)[0]
        for end, other in delta.set.items():
            same = end.split("-", 1)[0] == service and route_end(end) == "to"
            if same and said("from", other) and not said("to", other):
                swapped[start], swapped[end] = other, value
    return delta if swapped == dict(delta.set) else replace(delta, set=swapped)


def _oriented(values: dict[str, str], text: str, lexicon: Lexicon) -> dict[str, str]:
    """Drop a place the model put at the wrong end of a trip: the user said "from X" (and not
    "to X") but the model wrote X as the destination, or the other way round. The right end
    is then filled from the words by :func:`_route_values` (a small model often swaps them)."""
    out = dict(values)
    for slot, value in values.items():
        end = route_end(slot)
        other = "to" if end == "from" else "from"
        said = _said_after(other, value, text, lexicon)
        if end and said and not _said_after(end, value, text, lexicon):
            del out[slot]
    return out


def _route_words(end: str, lexicon: Lexicon) -> str:
    """A regex for the words before a trip's ``end`` ("from", "to"): cue ``route_<end>``."""
    return lexicon.pattern(f"route_{end}").pattern


def _route_stop(lexicon: Lexicon) -> str:
    stop = lexicon.pattern("route_stop").pattern
    return rf"(?=\s+(?:{stop})|\s*[,.;!?]|$)"


def _route_values(
    found: TurnCandidates, service: str, text: str, lexicon: Lexicon
) -> dict[str, str]:
    """Origin and destination straight from "from X" and "to Y": the phrase after the word,
    up to the next preposition or punctuation, when it is a candidate of that slot."""
    out: dict[str, str] = {}
    for slot, values in found.values.items():
        end = route_end(slot)
        if not end or slot.split("-", 1)[0] != service:
            continue
        lowered = {v.lower(): v for v in values if v != DONTCARE}
        stop = _route_stop(lexicon)
        for match in re.finditer(rf"(?:{_route_words(end, lexicon)})\s+(?P<p>.+?){stop}", text):
            phrase = match["p"].strip()
            for form in _with_and_without_article(phrase, lexicon):
                if form in lowered:
                    out[slot] = lowered[form]
                    break
            if slot in out:
                break
    return out


def _with_and_without_article(phrase: str, lexicon: Lexicon) -> list[str]:
    """``phrase``, without its article and with each (cue ``name_article``: "the golden
    curry" = "golden curry")."""
    articles = sorted(lexicon.words("name_article"), key=len, reverse=True)
    bare = _bare(phrase, articles)
    return list(dict.fromkeys([phrase, bare, *(f"{a} {bare}" for a in articles)]))


def _bare(phrase: str, articles: list[str]) -> str:
    return next((phrase[len(a) + 1 :] for a in articles if phrase.startswith(f"{a} ")), phrase)


def _said_after(end: str, value: str, text: str, lexicon: Lexicon) -> bool:
    articles = sorted(lexicon.words("name_article"), key=len, reverse=True)
    bare = re.escape(_bare(value.lower(), articles))
    words = _route_words(end, lexicon)
    article = "|".join(map(re.escape, articles)) or r"(?!)"
    return re.search(rf"(?:{words})\s+(?:(?:{article})\s+)?{bare}\b", text) is not None


def _cue_before(cue: str, lexicon: Lexicon) -> re.Pattern[str]:
    """The cue's phrases just before the end of a text, one word between allowed."""
    return _ending_with(lexicon.pattern(cue).pattern)


@lru_cache(maxsize=64)
def _ending_with(phrases: str) -> re.Pattern[str]:
    return re.compile(rf"(?:{phrases})\W+(?:\w+\W+)?$")


def _attached_times(
    found: TurnCandidates, schema: DomainSchema, service: str, text: str
) -> dict[str, str]:
    """A time the user tied to arriving ("arriving by 19:00", "get there by 6pm") or to
    leaving ("leave after 10:00") goes to the slot of that kind, when the service has one: a
    time slot whose description has the ``arrive_cue`` (or the ``leave_cue``) cue and not the
    other."""
    lexicon = _words(schema)
    specs = [schema.slot(n) for n in found.values if n.split("-", 1)[0] == service]
    slots = [spec for spec in specs if spec is not None and is_time_slot(spec)]
    arrive = [
        s.name
        for s in slots
        if _says(s, "arrive_cue", lexicon) and not _says(s, "leave_cue", lexicon)
    ]
    leave = [
        s.name
        for s in slots
        if _says(s, "leave_cue", lexicon) and not _says(s, "arrive_cue", lexicon)
    ]
    out: dict[str, str] = {}
    words = text.split()
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + TIME_WORDS) + 1):
            phrase = " ".join(words[start:end]).strip(" ,.;!?\"'()")
            hhmm = parse_time(phrase, lexicon=lexicon)
            if hhmm is None:
                continue
            before = " ".join(words[:start]) + " "
            if len(arrive) == 1 and _cue_before("arrive_cue", lexicon).search(before):
                out.setdefault(arrive[0], hhmm)
            elif len(leave) == 1 and _cue_before("leave_cue", lexicon).search(before):
                out.setdefault(leave[0], hhmm)
            break
    return out


def _says(spec: SlotSpec, cue: str, lexicon: Lexicon) -> bool:
    """Whether the slot's description (or its name, "departure_time") has the cue."""
    words = f"{spec.name.split('-', 1)[-1].replace('_', ' ')} {spec.description}".lower()
    return lexicon.pattern(cue).search(words) is not None


def _attached_numbers(schema: DomainSchema, service: str, user_text: str) -> dict[str, str]:
    """Numbers the user tied to a slot of ``service`` by the word after them ("2 star",
    "3 nights", "for 4 people", "2 tickets"): that word (or its plural) is a word of the
    slot's name or description. A party's size ("for 4", cue ``party``; "두 명", a counter)
    goes to the slot with a ``party_slot`` word. Only slots that take numbers (categorical
    digits)."""
    spec = schema.service(service)
    if spec is None:
        return {}
    lexicon = _words(schema)
    text = plain_text(user_text)
    found: dict[str, str] = {}
    party = lexicon.words("party_slot")

    def owners(number: str, wanted: frozenset[str]) -> list[str]:
        return [
            slot.name
            for slot in spec.slots
            if slot.categorical and number in slot.values and wanted & _slot_words(slot)
        ]

    for match in _number_then_word(lexicon).finditer(text):
        number = _digits(match["n"], lexicon)
        word = match["w"]
        by_word = owners(number, frozenset({stem(word)})) if number else []
        if not by_word and _counter(word, lexicon):
            by_word = owners(number, party)  # "two persons", "두 명"
        if len(by_word) == 1:
            found.setdefault(by_word[0], number)
    for match in _party_number(lexicon).finditer(text):  # "a table for 4", "for two"
        number = _digits(match["n"], lexicon)
        by_party = owners(number, party) if number else []
        if len(by_party) == 1:
            found.setdefault(by_party[0], number)
    return found


def _digits(word: str, lexicon: Lexicon) -> str:
    number = parse_number(word, lexicon)
    return "" if number is None else str(number)


def _slot_words(slot: SlotSpec) -> set[str]:
    short = slot.name.split("-", 1)[-1].lower().replace("_", " ")
    words = WORD.findall(f"{short} {slot.description.lower()}")
    service = slot.name.split("-", 1)[0].lower()
    return {stem(w) for w in words if len(w) >= 4 and w not in ASK_STOP and w != service}


def _number_alternation(lexicon: Lexicon) -> str:
    said = sorted((w for w, _ in lexicon.terms.numbers), key=len, reverse=True)
    return "|".join([r"\d{1,2}", *map(re.escape, said)])


def _number_then_word(lexicon: Lexicon) -> re.Pattern[str]:
    """A number and the word after it ("2 star", "three nights"; "두명": attached)."""
    gap = r"[\s-]+" if lexicon.terms.bounded else r"[\s-]*"
    return _compiled(rf"(?<![\w:.])(?P<n>{_number_alternation(lexicon)}){gap}(?P<w>[^\W\d_]+)")


def _counter(word: str, lexicon: Lexicon) -> bool:
    """Whether ``word`` is a counter ("people"; "명이요": an ending may follow)."""
    counters = lexicon.terms.counters
    if lexicon.terms.bounded:
        return word in counters
    return any(word.startswith(counter) for counter in counters)


def _party_number(lexicon: Lexicon) -> re.Pattern[str]:
    """A number after the ``party`` cue ("for 4") that no ``not_party`` word follows."""
    party, units = lexicon.pattern("party").pattern, lexicon.pattern("not_party").pattern
    number = _number_alternation(lexicon)
    return _compiled(rf"(?:{party})\s+(?P<n>{number})\b(?!\s*(?::|\.\d|{units}))")


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
