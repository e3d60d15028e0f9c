"""After the model: what the user's words settle that the model got wrong or left out.

The candidate grammar (:mod:`agent.candidates`) keeps a small model from inventing values; it
cannot make it write every value, nor put a number or a place in the right one of two similar
slots. What the user's words settle beyond doubt is applied here, deterministically:

- a value the user said that only one slot of the service can take ("a cheap guesthouse in the
  south": the model wrote two of the three and stopped);
- a number tied to a slot by the word after it ("2 star", "3 nights", "for 4 people");
- a time tied to arriving or leaving ("arriving by 19:00", "leave after 10:00");
- origin and destination from "from X" and "to Y";
- the search intent of a service the model gave values for but did not start.
"""

from __future__ import annotations

import re
from dataclasses import replace

from agent.candidates import (
    ASK_STOP,
    TIME_WORDS,
    WORD,
    YES_NO,
    TurnCandidates,
    plain_text,
    route_end,
    stem,
)
from agent.domain import DONTCARE, DomainSchema, SlotSpec, StateDelta
from agent.normalize import NUMBER_WORDS, is_time_slot, parse_time


def complete_unique(
    delta: StateDelta, found: TurnCandidates, schema: DomainSchema, user_text: str
) -> StateDelta:
    """``delta`` plus the values the model left out although the turn leaves no doubt: in the
    service the delta is about, a categorical value or a time that the user said and that is
    the only candidate of exactly one slot ("a cheap guesthouse in the south": the model wrote the
    price and the area and stopped; ``hotel-type: guesthouse`` can only be that). Small models
    end their output early far more often than they pick a wrong categorical value. A value
    that is the candidate of no other slot is added even when it is the service's own name:
    "a cheap hotel" means hotel-type: hotel, as in MultiWOZ. Origin and destination follow the
    user's "from" and "to"."""
    services = list(delta.intents) or sorted({n.split("-", 1)[0] for n in delta.set})
    for fallback in (found.named, found.services):  # the model wrote nothing of a service
        if not services and len(fallback) == 1:
            services = list(fallback)
    if len(services) != 1:
        return delta
    service = services[0]
    owners, per_slot = found.owners(service)
    text = plain_text(user_text)
    attached = _attached_numbers(schema, service, text)
    attached.update(_attached_times(found, service, text))
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
        and value.lower() not in YES_NO
    }
    moved = dict(delta.set)  # "3 people, 2 nights": the model's "3" in bookstay moves
    for slot, value in attached.items():
        wrong = [o for o, v in moved.items() if v == value and o != slot and o not in attached]
        if slot in moved or wrong:
            for other in wrong:
                del moved[other]
            moved[slot] = value
    moved = _oriented(moved, text)
    for slot, value in _route_values(found, service, text).items():
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


def settled_by_words(found: TurnCandidates, schema: DomainSchema, user_text: str) -> frozenset[str]:
    """Slots :func:`complete_unique` sets from the words whatever the model writes, for any
    service in play: a trip's ends after "from"/"to", and numbers and times tied to their slot
    ("2 tickets", "leave after 10:00"). The grammar can leave them out."""
    text = plain_text(user_text)
    out: set[str] = set()
    for service in found.services:
        owners, _ = found.owners(service)
        attached = _attached_numbers(schema, service, text)
        attached.update(_attached_times(found, service, text))
        out.update(slot for slot, value in attached.items() if owners.get(value))
        out.update(_route_values(found, service, text))
    return frozenset(out)


def swap_routes(delta: StateDelta, user_text: str) -> StateDelta:
    """For a grammar without candidates: a trip's two ends written the wrong way round ("to
    Las Vegas … from Toronto" as origin Las Vegas, destination Toronto) are swapped back, when
    the user's "from" and "to" say so for both of them."""
    text = plain_text(user_text)
    swapped = dict(delta.set)
    for start, value in delta.set.items():
        wrong_start = _said_after("to", value, text) and not _said_after("from", value, text)
        if route_end(start) != "from" or not wrong_start:
            continue
        service = start.split("-", 1)[0]
        for end, other in delta.set.items():
            same = end.split("-", 1)[0] == service and route_end(end) == "to"
            if same and _said_after("from", other, text) and not _said_after("to", other, text):
                swapped[start], swapped[end] = other, value
    return delta if swapped == dict(delta.set) else replace(delta, set=swapped)


def _oriented(values: dict[str, str], text: str) -> dict[str, str]:
    """Drop a place the model put at the wrong end of a trip: the user said "from X" (and not
    "to X") but the model wrote X as the destination, or the other way round. The right end
    is then filled from the words by :func:`_route_values` (a small model often swaps them)."""
    out = dict(values)
    for slot, value in values.items():
        end = route_end(slot)
        other = "to" if end == "from" else "from"
        if end and _said_after(other, value, text) and not _said_after(end, value, text):
            del out[slot]
    return out


_ROUTE_WORDS = {"from": r"from|leaving|departing", "to": r"to|into|towards|for"}
_ROUTE_STOP = (
    r"(?=\s+(?:to|from|at|on|by|for|and|arriving|arrive|leaving|leave|departing|after|before|"
    r"around|please|tomorrow|today|tonight)\b|\s*[,.;!?]|$)"
)


def _route_values(found: TurnCandidates, service: str, text: str) -> dict[str, str]:
    """Origin and destination straight from "from X" and "to Y": the phrase after the word,
    up to the next preposition or punctuation, when it is a candidate of that slot."""
    out: dict[str, str] = {}
    for slot, values in found.values.items():
        end = route_end(slot)
        if not end or slot.split("-", 1)[0] != service:
            continue
        lowered = {v.lower(): v for v in values if v != DONTCARE}
        for match in re.finditer(rf"\b(?:{_ROUTE_WORDS[end]})\s+(?P<p>.+?){_ROUTE_STOP}", text):
            phrase = match["p"].strip()
            for form in (phrase, phrase.removeprefix("the "), f"the {phrase}"):
                if form in lowered:
                    out[slot] = lowered[form]
                    break
            if slot in out:
                break
    return out


def _said_after(end: str, value: str, text: str) -> bool:
    bare = re.escape(value.lower().removeprefix("the "))
    return re.search(rf"\b(?:{_ROUTE_WORDS[end]})\s+(?:the\s+)?{bare}\b", text) is not None


_ARRIVE_CUE = re.compile(r"\b(?:arriv\w*|get (?:there|in)|be there|by|reach\w*)\W+(?:\w+\W+)?$")
_LEAVE_CUE = re.compile(
    r"\b(?:leav\w*|depart\w*|after|pick(?:ed)? (?:me )?up|go|at)\W+(?:\w+\W+)?$"
)


def _attached_times(found: TurnCandidates, service: str, text: str) -> dict[str, str]:
    """A time the user tied to arriving ("arriving by 19:00", "get there by 6pm") or to
    leaving ("leave after 10:00") goes to the slot of that kind, when the service has one."""
    slots = [n for n in found.values if n.split("-", 1)[0] == service and is_time_slot(n)]
    arrive = [n for n in slots if "arriv" in n]
    leave = [n for n in slots if "leave" in n or "depart" in n]
    out: dict[str, str] = {}
    words = text.split()
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + TIME_WORDS) + 1):
            hhmm = parse_time(" ".join(words[start:end]).strip(" ,.;!?\"'()"))
            if hhmm is None:
                continue
            before = " ".join(words[:start]) + " "
            if len(arrive) == 1 and _ARRIVE_CUE.search(before):
                out.setdefault(arrive[0], hhmm)
            elif len(leave) == 1 and _LEAVE_CUE.search(before):
                out.setdefault(leave[0], hhmm)
            break
    return out


def _attached_numbers(schema: DomainSchema, service: str, user_text: str) -> dict[str, str]:
    """Numbers the user tied to a slot of ``service`` by the word after them ("2 star",
    "3 nights", "for 4 people", "2 tickets"): that word (or its plural) is a word of the
    slot's name or description. Only slots that take numbers (categorical digits)."""
    spec = schema.service(service)
    if spec is None:
        return {}
    text = plain_text(user_text)
    found: dict[str, str] = {}
    for match in _NUMBER_THEN_WORD.finditer(text):
        number = match["n"] if match["n"].isdigit() else str(NUMBER_WORDS.get(match["n"], ""))
        word = stem(match["w"])
        if not number:
            continue
        owners = [
            slot.name
            for slot in spec.slots
            if slot.categorical and number in slot.values and word in _slot_words(slot)
        ]
        if len(owners) == 1:
            found.setdefault(owners[0], number)
    for match in _FOR_NUMBER.finditer(text):  # "a table for 4", "for two"
        number = match["n"] if match["n"].isdigit() else str(NUMBER_WORDS.get(match["n"], ""))
        owners = [
            slot.name
            for slot in spec.slots
            if slot.categorical and number in slot.values and "people" in _slot_words(slot)
        ]
        if number and len(owners) == 1:
            found.setdefault(owners[0], number)
    return found


def _slot_words(slot: SlotSpec) -> set[str]:
    short = slot.name.split("-", 1)[-1].lower().replace("_", " ")
    words = WORD.findall(f"{short} {slot.description.lower()}")
    service = slot.name.split("-", 1)[0].lower()
    return {stem(w) for w in words if len(w) >= 4 and w not in ASK_STOP and w != service}


_FOR_NUMBER = re.compile(
    r"\bfor (?P<n>\d{1,2}|one|two|three|four|five|six|seven|eight)\b"
    r"(?!\s*(?:am|pm|a\.m|p\.m|:|\.\d|o'clock|nights?|days?|stars?|tickets?|minutes?|hours?))"
)
_NUMBER_THEN_WORD = re.compile(
    r"(?<![\w:.])(?P<n>\d{1,2}|one|two|three|four|five|six|seven|eight)[\s-]+(?P<w>[a-z]+)"
)
