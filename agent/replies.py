"""Template replies, one per act type, in one place.

They are the ground truth of what a reply must say: the responder shows one to the model as the
draft to rephrase, and falls back to it whenever the model's reply names something the act does
not contain. Every name, number and reference in a template comes from the act or the state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from agent.domain import Act, ActType, DialogueState, Entity

_LABELS = {
    "area": "the area",
    "pricerange": "the price range",
    "food": "the type of food",
    "name": "the name",
    "bookday": "the day",
    "bookpeople": "the number of people",
    "booktime": "the time",
    "bookstay": "the number of nights",
    "day": "the day",
    "departure": "where you are leaving from",
    "destination": "where you are going",
    "leaveat": "when you want to leave",
    "arriveby": "when you need to arrive",
    "stars": "the star rating",
    "type": "the type",
    "phone": "the phone number",
    "address": "the address",
    "postcode": "the postcode",
    "entrancefee": "the entrance fee",
    "openhours": "the opening hours",
    "price": "the price",
    "duration": "the journey time",
}


def label(slot: str) -> str:
    short = slot.split("-", 1)[-1]
    return _LABELS.get(short, f"the {short}")


def display_name(name: str) -> str:
    """Records store names in lower case; show them title-cased (``TR1234`` stays as is)."""
    return name if any(c.isupper() for c in name) else name.title()


def join(items: Sequence[str], last: str = "and") -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def attribute(entity: Entity, slot: str) -> str:
    """The entity's value for a slot (``restaurant-phone`` -> ``phone``), or ''."""
    short = slot.split("-", 1)[-1].replace(" ", "")
    folded = {k.lower().replace(" ", "").replace("_", ""): v for k, v in entity.attributes.items()}
    if short not in folded and (short == "name" or short.endswith("id")):
        return display_name(entity.name)  # the record's own name (``train-trainid``)
    return str(folded.get(short, ""))


def describe(entity: Entity) -> str:
    """One clause about an entity: a train's times, a venue's kind and place."""
    leave, arrive = attribute(entity, "leaveat"), attribute(entity, "arriveby")
    if leave:
        where = f" from {attribute(entity, 'departure')} to {attribute(entity, 'destination')}"
        return f"{entity.name}{where}, leaving at {leave} and arriving at {arrive}"
    kind = " ".join(
        v for v in (attribute(entity, "pricerange"), attribute(entity, "food")) if v and v != "?"
    )
    area = attribute(entity, "area")
    text = display_name(entity.name)
    text += f", a {kind} place" if kind else ""
    return text + (f" in the {area}" if area else "")


_PREPOSITIONS = ("on ", "at ", "from ", "to ", "arriving ")


def details(slots: Sequence[str], values: Mapping[str, str]) -> str:
    """``2 people on friday at 18:00``, ``from the station to kings college at 17:00``, or a
    list of labelled values: what a booking is for, to follow the thing booked."""
    parts = []
    for slot in slots:
        value = values.get(slot, "")
        short = slot.split("-", 1)[-1]
        if not value:
            continue
        if short.endswith("people"):
            parts.append(f"{value} {'person' if value == '1' else 'people'}")
        elif short.endswith("stay"):
            parts.append(f"{value} night{'s' if value != '1' else ''}")
        elif short in ("bookday", "day"):
            parts.append(f"on {value}")
        elif short in ("booktime", "leaveat"):
            parts.append(f"at {value}")
        elif short in ("departure", "destination"):
            parts.append(f"{'from' if short == 'departure' else 'to'} {value}")
        elif short == "arriveby":
            parts.append(f"arriving by {value}")
        else:
            parts.append(f"{label(slot).removeprefix('the ')} {value}")
    text = ""
    for part in parts:
        text += (" " if part.startswith(_PREPOSITIONS) else ", ") + part if text else part
    return text


def for_details(slots: Sequence[str], values: Mapping[str, str]) -> str:
    """`` for 2 people on friday`` or `` from X to Y``: :func:`details` after the thing booked."""
    text = details(slots, values)
    if not text:
        return ""
    return f" {text}" if text.startswith(_PREPOSITIONS) else f" for {text}"


def template_reply(act: Act, state: DialogueState, services: Sequence[str] = ()) -> str:
    return _TEMPLATES[act.type](act, state, services)


def _greet(act: Act, state: DialogueState, services: Sequence[str]) -> str:
    offer = f" with {join(list(services))}" if services else ""
    return f"Hello! I can help you{offer}. What are you looking for?"


def _bye(act: Act, state: DialogueState, services: Sequence[str]) -> str:
    return "You're welcome. Have a great day, goodbye!"


def _chat(act: Act, state: DialogueState, services: Sequence[str]) -> str:
    offer = f"with {join(list(services))}" if services else "with your plans"
    return f"I'm here to help {offer}. What would you like to do?"


def _request(act: Act, state: DialogueState, services: Sequence[str]) -> str:
    if not act.slots:
        return "No problem. What would you like to change?"
    invalid = [s for s in act.slots if state.slots.get(s)]
    prefix = ""
    if invalid:
        shown = join([f'"{state.slots[s]}" for {label(s)}' for s in invalid])
        prefix = f"Sorry, I can't use {shown}. "
    target = f" to book {display_name(act.entities[0].name)}" if act.entities else ""
    return f"{prefix}Could you tell me {join([label(s) for s in act.slots])}{target}?"


def _offer(act: Act, state: DialogueState, services: Sequence[str]) -> str:
    if not act.entities:
        return _no_match(act, state, services)
    first, others = act.entities[0], act.entities[1:]
    count = f"I found {act.total} matching {act.service} options. " if act.total > 1 else ""
    text = f"{count}How about {describe(first)}?"
    if others:
        text += f" Other options are {join([display_name(e.name) for e in others])}."
    return text


def _no_match(act: Act, state: DialogueState, services: Sequence[str]) -> str:
    wanted = join([f"{label(s)} {state.slots.get(s, '')}".strip() for s in act.slots])
    text = f"Sorry, I couldn't find any {act.service} with {wanted}."
    if act.relax:
        text += f" I could search again without {join([label(s) for s in act.relax], 'or')}."
    return text + " What would you like to change?"


def _inform(act: Act, state: DialogueState, services: Sequence[str]) -> str:
    if not act.entities:
        return _no_match(act, state, services)
    entity = act.entities[0]
    known = [f"{label(s)} is {attribute(entity, s)}" for s in act.slots if attribute(entity, s)]
    unknown = [label(s) for s in act.slots if not attribute(entity, s)]
    name = display_name(entity.name)
    text = f"For {name}, {join(known)}." if known else ""
    if unknown:
        text += f" Sorry, I don't have {join(unknown, 'or')} for {name}."
    return text.strip()


def _confirm(act: Act, state: DialogueState, services: Sequence[str]) -> str:
    what = display_name(act.entities[0].name) if act.entities else f"a {act.service}"
    return f"Please confirm: shall I book {what}{for_details(act.slots, state.slots)}?"


def _book(act: Act, state: DialogueState, services: Sequence[str]) -> str:
    booking = act.booking
    if booking is None:
        return _book_failed(act, state, services)
    what = display_name(booking.entity) if booking.entity else f"Your {booking.service}"
    text = f"Done! {what} is booked{for_details(act.slots, booking.slots)}."
    car, phone = (
        booking.slots.get(f"{booking.service}-type"),
        booking.slots.get(f"{booking.service}-phone"),
    )
    if car and phone:
        text += f" A {car} will pick you up; the contact number is {phone}."
    return f"{text} Your reference number is {booking.reference}."


def _book_failed(act: Act, state: DialogueState, services: Sequence[str]) -> str:
    need = f" I still need {join([label(s) for s in act.slots])}." if act.slots else ""
    return f"Sorry, I couldn't make that booking.{need} Shall we try again?"


_TEMPLATES: dict[ActType, Callable[[Act, DialogueState, Sequence[str]], str]] = {
    ActType.GREET: _greet,
    ActType.BYE: _bye,
    ActType.CHAT: _chat,
    ActType.REQUEST: _request,
    ActType.OFFER: _offer,
    ActType.NO_MATCH: _no_match,
    ActType.INFORM: _inform,
    ActType.CONFIRM: _confirm,
    ActType.BOOK: _book,
    ActType.BOOK_FAILED: _book_failed,
}
