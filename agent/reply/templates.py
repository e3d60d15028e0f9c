"""Template replies, one per act type, in one place, in the pack's language.

They are the ground truth of what a reply must say: the responder shows one to the model as the
draft to rephrase, and falls back to it whenever the model's reply names something the act does
not contain. Every name, number and reference in a template comes from the act or the state;
every other word comes from the lexicon of the pack's first language (its ``replies`` and
``labels`` sections: ``prompts/lexicons/<language>.yaml``). A caller without a lexicon gets the
English one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from agent.domain import Act, ActType, DialogueState, Entity
from agent.language.lexicon import Lexicon
from agent.language.normalize import fallback_lexicon


class _Say:
    """The reply pieces and labels of one lexicon (the English one for a lexicon without)."""

    def __init__(self, lexicon: Lexicon | None) -> None:
        usable = lexicon is not None and bool(lexicon.templates)
        self.lexicon = lexicon if usable and lexicon is not None else fallback_lexicon()

    def __call__(self, piece: str, **fields: object) -> str:
        """The piece filled in; a pack's piece that names an unknown field: the English one."""
        try:
            return self.lexicon.template(piece).format(**fields)
        except (KeyError, IndexError, ValueError):
            return fallback_lexicon().template(piece).format(**fields)

    def label(self, slot: str) -> str:
        short = slot.split("-", 1)[-1]
        return self.lexicon.label(short) or self("label_default", short=short)

    def join(self, items: Sequence[str], last: str = "and") -> str:
        items = [i for i in items if i]
        if len(items) <= 1:
            return "".join(items)
        return f"{self('list').join(items[:-1])}{self(last)}{items[-1]}"


def label(slot: str, lexicon: Lexicon | None = None) -> str:
    return _Say(lexicon).label(slot)


def display_name(name: str) -> str:
    """Records store names in lower case; show them title-cased (``TR1234`` stays as is)."""
    return name if any(c.isupper() for c in name) else name.title()


def join(items: Sequence[str], last: str = "and", lexicon: Lexicon | None = None) -> str:
    return _Say(lexicon).join(items, last)


def attribute(entity: Entity, slot: str) -> str:
    """The entity's value for a slot (``restaurant-phone`` -> ``phone``), or ''."""
    short = slot.split("-", 1)[-1].replace(" ", "")
    folded = {k.lower().replace(" ", "").replace("_", ""): v for k, v in entity.attributes.items()}
    if short not in folded and (short == "name" or short.endswith("id")):
        return display_name(entity.name)  # the record's own name (``train-trainid``)
    return str(folded.get(short, ""))


def describe(entity: Entity, lexicon: Lexicon | None = None) -> str:
    """One clause about an entity: a train's times, a venue's kind and place."""
    say = _Say(lexicon)
    leave, arrive = attribute(entity, "leaveat"), attribute(entity, "arriveby")
    if leave:
        ends = {e: attribute(entity, e) for e in ("departure", "destination")}
        return say("trip", name=entity.name, leave=leave, arrive=arrive, **ends)
    kind = " ".join(
        v for v in (attribute(entity, "pricerange"), attribute(entity, "food")) if v and v != "?"
    )
    area = attribute(entity, "area")
    text = display_name(entity.name)
    text += say("kind", kind=kind) if kind else ""
    return text + (say("in_area", area=area) if area else "")


def details(slots: Sequence[str], values: Mapping[str, str], lexicon: Lexicon | None = None) -> str:
    """``2 people on friday at 18:00``, ``from the station to kings college at 17:00``, or a
    list of labelled values: what a booking is for, to follow the thing booked."""
    say = _Say(lexicon)
    joins = tuple(p for p in say("detail_joins").split("|") if p)
    text = ""
    for part in (_detail(say, slot, values.get(slot, "")) for slot in slots):
        if not part:
            continue
        glue = " " if part.startswith(joins) else say("list")
        text += glue + part if text else part
    return text


def _detail(say: _Say, slot: str, value: str) -> str:
    if not value:
        return ""
    short = slot.split("-", 1)[-1]
    for piece in (f"detail.{short}.{value}", f"detail.{short}"):
        if say.lexicon.template(piece):
            return say(piece, value=value)
    label = say.label(slot)
    article = say("article")
    bare = label.removeprefix(article) if article else label
    return say("detail", label=label, bare=bare, value=value)


def for_details(
    slots: Sequence[str], values: Mapping[str, str], lexicon: Lexicon | None = None
) -> str:
    """`` for 2 people on friday`` or `` from X to Y``: :func:`details` after the thing booked."""
    say = _Say(lexicon)
    text = details(slots, values, say.lexicon)
    if not text:
        return ""
    joins = tuple(p for p in say("detail_joins").split("|") if p)
    piece = "for_details_joined" if joins and text.startswith(joins) else "for_details"
    return say(piece, details=text)


def template_reply(
    act: Act, state: DialogueState, services: Sequence[str] = (), lexicon: Lexicon | None = None
) -> str:
    """The reply for ``act`` in the language of ``lexicon`` (English without one)."""
    return _TEMPLATES[act.type](act, state, services, _Say(lexicon))


def _greet(act: Act, state: DialogueState, services: Sequence[str], say: _Say) -> str:
    offer = say("greet_offer", services=say.join(list(services))) if services else ""
    return say("greet", offer=offer)


def _bye(act: Act, state: DialogueState, services: Sequence[str], say: _Say) -> str:
    return say("bye")


def _chat(act: Act, state: DialogueState, services: Sequence[str], say: _Say) -> str:
    listed = say.join(list(services))
    offer = say("chat_offer", services=listed) if services else say("chat_plans")
    return say("chat", offer=offer)


def _request(act: Act, state: DialogueState, services: Sequence[str], say: _Say) -> str:
    if not act.slots:
        return say("change")
    invalid = [s for s in act.slots if state.slots.get(s)]
    prefix = ""
    if invalid:
        shown = [say("cannot_use_value", value=state.slots[s], label=say.label(s)) for s in invalid]
        prefix = say("cannot_use", values=say.join(shown))
    target = say("to_book", name=display_name(act.entities[0].name)) if act.entities else ""
    labels = say.join([say.label(s) for s in act.slots])
    return say("request", prefix=prefix, labels=labels, target=target)


def _offer(act: Act, state: DialogueState, services: Sequence[str], say: _Say) -> str:
    if not act.entities:
        return _no_match(act, state, services, say)
    first, others = act.entities[0], act.entities[1:]
    count = say("found", total=act.total, service=act.service) if act.total > 1 else ""
    text = say("offer", count=count, entity=describe(first, say.lexicon))
    if others:
        text += say("others", names=say.join([display_name(e.name) for e in others]))
    return text


def _no_match(act: Act, state: DialogueState, services: Sequence[str], say: _Say) -> str:
    wanted = say.join(
        [
            say("no_match_value", label=say.label(s), value=state.slots.get(s, "")).strip()
            for s in act.slots
        ]
    )
    text = say("no_match", service=act.service, wanted=wanted)
    if act.relax:
        text += say("relax", labels=say.join([say.label(s) for s in act.relax], "or"))
    return text + say("what_change")


def _inform(act: Act, state: DialogueState, services: Sequence[str], say: _Say) -> str:
    if not act.entities:
        return _no_match(act, state, services, say)
    entity = act.entities[0]
    known = [
        say("inform_value", label=say.label(s), value=attribute(entity, s))
        for s in act.slots
        if attribute(entity, s)
    ]
    unknown = [say.label(s) for s in act.slots if not attribute(entity, s)]
    name = display_name(entity.name)
    text = say("inform", name=name, values=say.join(known)) if known else ""
    if unknown:
        text += say("unknown", labels=say.join(unknown, "or"), name=name)
    return text.strip()


def _confirm(act: Act, state: DialogueState, services: Sequence[str], say: _Say) -> str:
    if act.entities:
        what = display_name(act.entities[0].name)
    else:
        what = say("a_service", service=act.service)
    return say("confirm", what=what, details=for_details(act.slots, state.slots, say.lexicon))


def _book(act: Act, state: DialogueState, services: Sequence[str], say: _Say) -> str:
    booking = act.booking
    if booking is None:
        return _book_failed(act, state, services, say)
    if booking.entity:
        what = display_name(booking.entity)
    else:
        what = say("your_service", service=booking.service)
    text = say("book", what=what, details=for_details(act.slots, booking.slots, say.lexicon))
    car, phone = (
        booking.slots.get(f"{booking.service}-type"),
        booking.slots.get(f"{booking.service}-phone"),
    )
    if car and phone:
        text += say("car", car=car, phone=phone)
    return text + say("reference", reference=booking.reference)


def _book_failed(act: Act, state: DialogueState, services: Sequence[str], say: _Say) -> str:
    need = (
        say("still_need", labels=say.join([say.label(s) for s in act.slots])) if act.slots else ""
    )
    return say("book_failed", need=need)


_TEMPLATES: dict[ActType, Callable[[Act, DialogueState, Sequence[str], _Say], str]] = {
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
