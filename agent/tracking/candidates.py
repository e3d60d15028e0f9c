"""What one user turn can change: the values each slot may take, and the intents in play.

The tracker's grammar (:func:`agent.tracking.state_grammar.turn_grammar`) lets the model write only
these, so a small model chooses among what the user actually said instead of inventing:

- a categorical value only when the turn mentions it ("center" and "central" mention
  ``centre``; "two" mentions ``2``; "wifi" mentions the internet slot, so any of its values);
- a time slot only a time the turn contains, already as ``HH:MM`` ("6pm" offers ``18:00``);
- a date or day slot only a date-like span; a free-text slot only an n-gram of the turn
  that is neither a time nor a date nor markup (``<|im_start|>``, ``book(…)``, JSON braces);
- never a slot's current value (re-writing the state cost most of the tokens and most of the
  invented values in the traces of docs/dst-results.md);
- ``null`` for a set slot only after words that drop something ("forget", "no longer");
- an intent only for a service in play (one with an intent already) or one the turn names by a
  word distinctive of that service in the schema ("table" → restaurant, "stay" → hotel), so
  "Hello!" starts no task. A turn with nothing to offer needs no model call at all.

Everything is derived from the schema, so a new domain gets the same behaviour without code.
What the words settle but the model still gets wrong or leaves out is applied after the model,
in :mod:`agent.tracking.completion`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from agent.domain import (
    DONTCARE,
    DialogueState,
    DomainSchema,
    IntentSpec,
    ServiceSpec,
    SlotSpec,
)
from agent.language.lexicon import Lexicon
from agent.language.normalize import is_time_slot, parse_number, parse_time, terms
from agent.tracking.candidate_words import CandidateWords, candidate_words
from agent.tracking.delta_checks import dated, negated, wordset

# Words of slot descriptions that say nothing a question asks; read only by
# agent.tracking.completion until it reads the lexicon's ask_stop cue
# (agent.tracking.candidate_words) as the rules here do.
ASK_STOP = wordset(
    """
    asked never whether that this with from what which user users booking booked hh:mm hours
    must needed chosen where kind many does takes there their them they
    """
)
_EDGE = " ,.;!?\"'()"  # punctuation around a time expression
_MARKUP = re.compile(r"[<>|{}\[\]=()_`\\]")  # prompt markup, code, JSON: never in a value
WORD = re.compile(r"[\w&'-]+")
TIME_WORDS = 6  # longest time expression looked at: "half past 6 in the evening"


@dataclass(frozen=True)
class TurnCandidates:
    """What the grammar of one turn allows. ``values`` holds only slots with something to set."""

    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    deletable: frozenset[str] = frozenset()
    intents: tuple[str, ...] = ()  # intents the model may start (or restate) this turn
    services: tuple[str, ...] = ()  # services whose slots may change without an intent
    dontcare: bool = False  # the user said something like "any" or "doesn't matter"
    requestable: frozenset[str] = frozenset()  # slots the turn may ask about
    # (slot, value) pairs the user's own words state without doubt: a categorical value or a
    # time they said, a name or cuisine on file they named (not a free span)
    certain: frozenset[tuple[str, str]] = frozenset()
    named: tuple[str, ...] = ()  # services the turn itself names (not only the one in play)
    asked: frozenset[str] = frozenset()  # requestable slots the question names outright
    boolean: frozenset[str] = frozenset()  # yes/no slots among those the turn can set
    # services the turn is on: the one the conversation is on and those the turn names (not
    # every service ``all_services`` puts in play)
    on: tuple[str, ...] = ()

    def slots_of(self, service: str) -> list[str]:
        """Slots of ``service`` the turn can set or drop, sorted."""
        names = {*self.values, *self.deletable}
        return sorted(n for n in names if n.split("-", 1)[0] == service)

    def owners(self, service: str) -> tuple[dict[str, list[str]], dict[str, int]]:
        """For ``service``: each certain value → the slots it is certain for, and each slot →
        how many certain values it has."""
        owners: dict[str, list[str]] = {}
        per_slot: dict[str, int] = {}
        for name, value in sorted(self.certain):
            if name.split("-", 1)[0] == service:
                owners.setdefault(value, []).append(name)
                per_slot[name] = per_slot.get(name, 0) + 1
        return owners, per_slot

    def settled(self, service: str) -> dict[str, str]:
        """Slots of ``service`` the user's words settle alone: one certain value, which no
        other slot could take (yes/no slots excepted: "free wifi" may mean yes or free)."""
        owners, per_slot = self.owners(service)
        return {
            slots[0]: value
            for value, slots in owners.items()
            if len(slots) == 1 and per_slot[slots[0]] == 1 and slots[0] not in self.boolean
        }


def turn_candidates(
    schema: DomainSchema,
    settable: Mapping[str, SlotSpec],
    state: DialogueState,
    user_text: str,
    *,
    spans: Sequence[str],
    context_text: str = "",
    dontcare: bool = False,
    vocabulary: Mapping[str, Sequence[str]] | None = None,
    open_start: bool = False,
    all_services: bool = False,
    user_changes: bool = False,
    spans_name_nothing: bool = False,
    steady_text: bool = False,
    chosen_services: Sequence[str] = (),
) -> TurnCandidates:
    """The candidates of one turn. ``settable``: the slots the state may hold (see
    :func:`agent.tracking.state_grammar.trackable_slots`). ``spans``: the n-grams free-text slots
    may copy (:func:`agent.tracking.state_grammar.utterance_spans` of the turn, and of the system
    turn if wanted). ``context_text`` (the system turn) also counts as mentioning categorical
    values. ``vocabulary``: for free-text slots, the values a database knows (restaurant names,
    cuisines, stations). Such a slot takes the known values the turn mentions; a name slot nothing
    else, other slots also a new short content span said next to a word of the slot's or service's
    name or description ("a Polish restaurant": no cuisine on file but still what the user wants;
    not "ignore" of "ignore previous instructions"). ``open_start``: before any service is in play,
    a turn that names none may still start any (a benchmark's dialogues never just say hello).
    ``all_services``: every service of ``schema`` is in play on every turn (for a schema that holds
    only the services a dialogue is known to use, as in SGD's evaluation). ``user_changes``: a
    free-text slot that holds a value changes only to words of the user's turn, not to the system
    turn's ("That seems nice." after "The bus leaves from Intercity Terminal" keeps the origin the
    user gave). ``spans_name_nothing``: a name or text slot with no records copies no span that
    holds a word of the schema's own service or slot names ("What actor is in it?" is a request,
    not ``actors=actor``). ``steady_text``: a name or text slot without records that holds a
    value changes only to a span that looks like a name, one with no word of the lexicon's
    chatter nor of the schema ("Can you tell me when the event starts?" keeps the event the user
    named; "Make it Long Beach" still changes it). ``chosen_services``: services the turn is
    about though no word of it names one (the value chooser's reading, agent.tracking.choices)."""
    words = candidate_words(schema.lexicon)
    text = schema.lexicon.with_detached(plain_text(user_text))
    context = schema.lexicon.with_detached(plain_text(context_text))
    both = f"{text}\n{context}" if context_text else text
    times = times_in(text, schema.lexicon)
    known = {n: v for n, v in (vocabulary or {}).items() if _kind(schema, n) != "time"}
    mentioned = {n: _known_mentions(v, both, words) for n, v in known.items()}
    # a name said in full hides the shorter names inside it: "Pizza Hut City Centre" is not
    # also "City Centre North B and B" by its first two words
    whole = [v for found in mentioned.values() for v in found if _has_phrase(both, words.bare(v))]
    rest = _blank(both, [words.bare(v) for v in whole])
    mentioned = {
        n: [v for v in found if v in whole or _known_mentions([v], rest, words)]
        for n, found in mentioned.items()
    }
    named_words = {w for found in mentioned.values() for v in found for w in v.split()}
    novel = [s for s in _novel_spans(schema, spans) if not set(s.split()) <= named_words]
    spans = [s for s in spans if _plausible_span(schema, s, words)]
    names = [v for n, found in mentioned.items() if _kind(schema, n) == "name" for v in found]
    named_values = [v for found in mentioned.values() for v in found]
    unnamed_both = _without(both, named_values, words)
    unnamed_text = _without(text, named_values, words)
    values: dict[str, tuple[str, ...]] = {}
    certain: set[tuple[str, str]] = set()  # (slot, value) the user's words say for sure
    for name, spec in settable.items():
        if name in known and not spec.categorical and spec.kind != "time":
            found = list(mentioned[name])
            certain.update((name, v) for v in found if _known_mentions([v], text, words))
            if spec.kind != "name":  # a new value only where the turn frames it as one
                found += [s for s in novel if _framed(s, text, _frame_words(schema, name))]
        else:
            # "Churchill College" is a name, not the type "college"
            source = unnamed_both if spec.categorical else both
            found = _slot_values(spec, source, times, spans, words)
            if spans_name_nothing and spec.kind in ("name", "text"):
                found = [v for v in found if not _names_schema(schema, v)]
            if spec.categorical:  # "a hotel, not a guesthouse"
                found = [v for v in found if not negated(v, text, schema.lexicon)]
            if spec.categorical or spec.kind == "time":
                said = unnamed_text if spec.categorical else text
                certain.update(
                    (name, v) for v in found if v in times or _said(spec, v, said, words)
                )
            else:  # a place with no records of its own (a taxi's) can be a name on file
                found = [*names, *found]
        current = state.slots.get(name, "").lower()
        free_text = not spec.categorical and spec.kind != "time"  # times: the user's anyway
        if steady_text and current and name not in known and spec.kind in ("name", "text"):
            found = [v for v in found if v in names or name_like(schema, v, words)]
        if user_changes and current and context_text and free_text:
            found = [v for v in found if _said(spec, v, text, words)]
        kept = tuple(v for v in dict.fromkeys(found) if v.lower() != current and v != DONTCARE)
        if dontcare and current != DONTCARE:
            kept += (DONTCARE,)
        values[name] = kept
    drops = words.drop.search(text) is not None
    deletable = frozenset(s for s in state.slots if s in settable) if drops else frozenset()
    cued = _cued_services(schema, unnamed_text, values)  # "the Lucky Star" does not name hotels
    # the service the conversation is on: the one whose intent was started last
    recent = [s for s in state.intents if schema.service(s) is not None][-1:]
    # A name on file ("Loch Fyne") says which service the turn is about, unless it is where a
    # trip starts or ends ("from Pizza Express to Churchill College" is about the taxi).
    routed = any(route_end(n) for s in [*recent, *cued] for n in settable if n.startswith(s))
    cued += [
        service.name
        for service in schema.services
        if service.name not in cued
        and any(
            not (routed and _after_route_word(value, text, words))
            for slot in service.slots
            if slot.name in settable
            for value in mentioned.get(slot.name, ())
        )
    ]
    cued += [s for s in chosen_services if s not in cued and schema.service(s) is not None]
    in_play = on = tuple(dict.fromkeys([*recent, *cued]))
    if all_services or (not in_play and (open_start or len(schema.services) == 1)):
        in_play = tuple(s.name for s in schema.services)
    values = {
        name: tuple(v for v in found if v not in novel or name.split("-", 1)[0] in cued)
        for name, found in values.items()
    }
    if dontcare:
        values = _place_dontcare(schema, values, text, plain_text(context_text))
    values = {n: found for n, found in values.items() if found and n.split("-", 1)[0] in in_play}
    intents = tuple(
        intent.name
        for service in schema.services
        if service.name in in_play
        for intent in service.intents
        if _may_start(schema, service, intent, state, text, values)
    )
    asks = "?" in text or words.ask.search(text) is not None
    requestable = frozenset(
        slot.name
        for service in schema.services
        if service.name in in_play and asks
        for slot in service.slots
        if _asks_about(slot, text, words.ask_stop)
    )
    sure = frozenset((n, v) for n, v in certain if v in values.get(n, ()))
    asked = frozenset(n for n in requestable if _names_slot(n, text))
    boolean = frozenset(n for n, spec in settable.items() if spec.kind == "boolean")
    return TurnCandidates(
        values,
        deletable,
        intents,
        in_play,
        dontcare,
        requestable,
        sure,
        tuple(cued),
        asked,
        boolean,
        on,
    )


def _kind(schema: DomainSchema, slot: str) -> str:
    spec = schema.slot(slot)
    return spec.kind if spec is not None else ""


def _said(spec: SlotSpec, value: str, text: str, words: CandidateWords) -> bool:
    return mentions(value, text, spec.aliases_of(value), words)


def _names_slot(slot: str, text: str) -> bool:
    """The question uses the slot's own name ("postcode", "phone", "entrance fee")."""
    short = slot.split("-", 1)[-1].lower().replace("_", " ")
    forms = [short, *(_spaced(short) if " " not in short and len(short) >= 6 else ())]
    return any(_has_phrase(text, form) for form in forms)


def _without(text: str, names: Sequence[str], words: CandidateWords) -> str:
    """``text`` with the names on file it mentions blanked out (as :func:`_known_mentions`
    finds them: whole, without "the", or by their first two words)."""
    forms = []
    for name in names:
        parts = words.bare(name).split()
        forms += [" ".join(parts), " ".join(parts[:2])]
    return _blank(text, forms)


def _blank(text: str, phrases: Sequence[str]) -> str:
    for phrase in sorted(set(phrases), key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", " ", text)
    return text


def _after_route_word(value: str, text: str, words: CandidateWords) -> bool:
    """``value`` said right after a route word ("from the Lucky Star")."""
    if not words.route:
        return False
    parts = words.bare(value).split()
    forms = {" ".join(parts), " ".join(parts[:2])}  # as _known_mentions finds them
    article = "|".join(map(re.escape, words.name_article))
    optional = rf"(?:(?:{article})\s+)?" if article else ""
    return any(
        re.search(rf"\b(?:{words.route})\s+{optional}{re.escape(form)}\b", text) is not None
        for form in forms
    )


def _words_of(name: str) -> str:
    """An identifier as words: "book_restaurant" and SGD's "AddAlarm" → "book restaurant",
    "Add Alarm"."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).replace("_", " ")


def _place_dontcare(
    schema: DomainSchema, values: dict[str, tuple[str, ...]], text: str, context: str
) -> dict[str, tuple[str, ...]]:
    """ "dontcare" only for the slots the user names ("any price range"), else the ones the
    system just asked about ("Which area?" - "I don't mind"), else none."""
    stop = candidate_words(schema.lexicon).ask_stop
    for source in (text, context):
        named = {n for n in values if (spec := schema.slot(n)) and _asks_about(spec, source, stop)}
        if named:
            break
    return {
        name: tuple(v for v in found if v != DONTCARE or name in named)
        for name, found in values.items()
    }


def _may_start(
    schema: DomainSchema,
    service: ServiceSpec,
    intent: IntentSpec,
    state: DialogueState,
    text: str,
    values: Mapping[str, tuple[str, ...]],
) -> bool:
    """A service's current intent is not started again; switching to another of its intents
    ("find" to "book") needs a word of that intent ("book", "reserve") or a value only it
    takes (a number of people)."""
    current = state.intents.get(service.name)
    if current == intent.name:
        return False
    if current is None and (not intent.transactional or len(service.intents) == 1):
        return True  # a first search; a service with only a booking intent (a taxi)
    others = {
        n for i in service.intents if i.name != intent.name for n in (*i.required, *i.optional)
    }
    own = {*intent.required, *intent.optional} - others
    elsewhere = {v for n, found in values.items() if n not in own for v in found}
    if any(set(values.get(n, ())) - elsewhere for n in own):
        return True  # a value only a booking takes ("on Friday"), not "2" of "2 star"
    said = set(WORD.findall(f"{_words_of(intent.name)} {intent.description}".lower()))
    words = candidate_words(schema.lexicon)
    said -= {service.name.lower(), *words.ask_stop, *words.intent_stop}
    return any(_has_phrase(text, w) for w in said if len(w) >= 3)


def _asks_about(slot: SlotSpec, text: str, stop: frozenset[str]) -> bool:
    """Whether the turn uses a word of the slot's name or description ("how long" for a
    duration "how long the journey takes", "post code" for a postcode); ``stop``: the
    lexicon's words that say nothing a question asks."""
    service, _, short = slot.name.lower().replace("_", " ").partition("-")
    words = {w for w in WORD.findall(f"{short} {slot.description.lower()}")}
    words = {w for w in words if len(w) >= 4 and w not in stop and w not in service}
    words |= {short, *(_spaced(short) if " " not in short and len(short) >= 6 else ())}
    return any(_has_phrase(text, w) for w in words)


def mentions(
    value: str, text: str, aliases: Sequence[str] = (), words: CandidateWords | None = None
) -> bool:
    """Whether lower-cased ``text`` names categorical ``value`` (itself, spaced or not, as a
    number word, or by one of its ``aliases`` from the pack). Single words match whole words
    or as a word's start ("museum" in "museums"); a digit never matches inside a time or a
    longer number, nor before a word of the lexicon's ``number_is_time`` cue ("6 pm")."""
    needle = value.lower().strip()
    if not needle:
        return False
    if needle.isdigit():
        return _mentions_number(int(needle), text, words)
    phrases = (needle, *aliases)
    if " " in needle:
        phrases += (needle.replace(" ", ""),)
    elif len(needle) >= 6:
        phrases += tuple(_spaced(needle))
    return any(_has_phrase(text, phrase) for phrase in phrases)


def _slot_values(
    spec: SlotSpec, text: str, times: Sequence[str], spans: Sequence[str], words: CandidateWords
) -> list[str]:
    if spec.kind == "time":
        return list(times)
    if spec.categorical and spec.values:
        allowed = [v for v in spec.values if v != DONTCARE]
        if spec.kind == "boolean":  # "with parking": any of its values, the model says which
            return allowed if slot_mentioned(spec, text) else []
        return [v for v in allowed if _said(spec, v, text, words)]
    if spec.kind == "name" and _coded(spec):  # an id ("TR1234") has digits
        return [s for s in spans if any(c.isdigit() for c in s) and " " not in s]
    if spec.kind == "date":
        lexicon = words.lexicon
        return [
            s
            for s in spans
            if dated(s.lower(), lexicon) and parse_time(s.lower(), lexicon=lexicon) is None
        ]
    return [s for s in spans if _free_text(s, words.lexicon)]


def slot_mentioned(spec: SlotSpec, text: str) -> bool:
    """Whether the turn names the slot itself: its own name as words, or one of the words the
    pack says mean it (``mentions: [wifi, wi-fi]`` for internet)."""
    short = spec.name.split("-", 1)[-1].lower().replace("_", " ")
    return any(_has_phrase(text, w) for w in (short, *spec.mentions))


def _coded(spec: SlotSpec) -> bool:
    """A name slot whose examples are codes (one word with digits: ``TR7075``)."""
    return bool(spec.examples) and all(
        " " not in e.strip() and any(c.isdigit() for c in e) for e in spec.examples
    )


def _plausible_span(schema: DomainSchema, span: str, words: CandidateWords) -> bool:
    """Not "a", not "a taxi from the", not "taxi from the golden curry", not "the taxi": a
    free-text value neither starts with an article followed by more or with a request word,
    nor starts or ends with a service's name. Nor is it markup ("<|im_start|>system",
    "book(ref=X)", a JSON brace): text written to look like a prompt is no value."""
    lowered = span.lower()
    parts = lowered.split()
    services = {s.name.lower() for s in schema.services}
    if len(lowered) < 2 or _MARKUP.search(lowered) or _article_edge(parts, words):
        return False
    if parts[0] in services or parts[-1] in services:
        return False
    if all(w in words.chatter for w in parts):
        return False  # "the", "the one"
    return parts[0] not in words.chatter or parts[0] in words.name_article


def _article_edge(parts: Sequence[str], words: CandidateWords) -> bool:
    """A span of several words that starts with an article ("a taxi") or ends with any
    ("from the")."""
    if len(parts) < 2:
        return False
    return (
        parts[0] in words.article or parts[-1] in words.article or parts[-1] in words.name_article
    )


def _known_mentions(known: Sequence[str], text: str, words: CandidateWords) -> list[str]:
    """Known values the text names: whole ("the golden curry" also as "golden curry"), or by
    their first two words when they have three or more ("pizza hut" → "pizza hut city centre")."""
    out = []
    for value in known:
        lowered = value.lower()
        bare = words.bare(lowered)
        parts = bare.split()
        head = " ".join(parts[:2]) if len(parts) >= 3 else bare
        if head not in text:  # a substring test first: thousands of train ids per turn
            continue
        if _has_phrase(text, bare) or (head != bare and _has_phrase(text, head)):
            out.append(lowered)
    return out


def _novel_spans(schema: DomainSchema, spans: Sequence[str]) -> list[str]:
    """Spans of one or two content words that name nothing the schema already has a place for
    (not a service or slot word, a categorical value, a number, a time or a date)."""
    taken = schema_words(schema)
    out = []
    for span in spans:
        words = span.lower().split()
        if len(words) > 2 or not _free_text(span, schema.lexicon):
            continue
        if all(len(w) >= 3 and w.isalpha() and w not in taken for w in words):
            out.append(span.lower())
    return out


@lru_cache(maxsize=64)
def schema_words(schema: DomainSchema) -> frozenset[str]:
    """The words the schema and its lexicon already account for: chatter, number words, and
    the words of service, intent and slot names and of categorical values."""
    numbers = {word for word, _ in terms(schema.lexicon).numbers}
    words: set[str] = set(candidate_words(schema.lexicon).chatter) | numbers
    for service in schema.services:
        words.update(WORD.findall(service.name.lower().replace("_", " ")))
        for intent in service.intents:
            words.update(_words_of(intent.name).lower().split())
        for slot in service.slots:
            words.update(WORD.findall(slot.name.lower().replace("_", " ").replace("-", " ")))
            words.update(w for phrase in slot.mentions for w in phrase.split())
            for value in slot.values if slot.categorical else ():
                words.update(value.lower().split())
                words.update(w for v in slot.aliases_of(value) for w in v.split())
    return frozenset(words)


def _names_schema(schema: DomainSchema, span: str) -> bool:
    """The span holds a word of a service's or a slot's name ("the event", "station am i
    leaving" when a slot is ``to_station``)."""
    names = _name_words(schema)
    return any(stem(w) in names for w in WORD.findall(span.lower()))


@lru_cache(maxsize=64)
def _name_words(schema: DomainSchema) -> frozenset[str]:
    """Stems of the content words of the schema's service and slot names (``Events_1``,
    ``Buses_1-to_location``: event, buse, location; not "to", nor the lexicon's function words)."""
    lexicon = candidate_words(schema.lexicon)
    stop = lexicon.function_word | lexicon.ask_stop | lexicon.schema_stop
    words = {
        w
        for service in schema.services
        for name in (service.name, *(slot.name for slot in service.slots))
        for w in WORD.findall(name.lower().replace("_", " ").replace("-", " "))
    }
    return frozenset(stem(w) for w in words if len(w) >= 3 and w.isalpha() and w not in stop)


def name_like(schema: DomainSchema, span: str, words: CandidateWords) -> bool:
    """``span`` may be a name: none of its words (after a leading name article, "the Visitor")
    is chatter, a word of the schema (a service, intent or slot name, a categorical value) or a
    number word: "Long Beach, CA", "SF"; not "the price will be to rent", "bus station"."""
    parts = WORD.findall(span.lower())
    if parts and parts[0] in words.name_article:
        parts = parts[1:]
    taken, names = schema_words(schema), _name_words(schema)
    return bool(parts) and not any(w in taken or stem(w) in names for w in parts)


def _framed(span: str, text: str, frames: frozenset[str]) -> bool:
    """``span`` stands next to a word that names its slot or service ("a Polish restaurant",
    "Polish food"): a value no record has is taken only when the turn says what it is a value
    of, not from "ignore previous instructions" in a turn that also names a restaurant."""
    words, size = WORD.findall(text), len(span.split())
    for start in range(len(words) - size + 1):
        if " ".join(words[start : start + size]) == span:
            around = words[max(0, start - 1) : start] + words[start + size : start + size + 1]
            if any(stem(word) in frames for word in around):
                return True
    return False


@lru_cache(maxsize=256)
def _frame_words(schema: DomainSchema, slot: str) -> frozenset[str]:
    """Stems of the slot's service name, its own name and the content words of its
    description (``restaurant-food``, "the cuisine of the restaurant": restaurant, food,
    cuisine)."""
    spec = schema.slot(slot)
    service, _, short = slot.lower().partition("-")
    texts = [service, short.replace("_", " "), spec.description.lower() if spec else ""]
    words = {w for t in texts for w in WORD.findall(t)}
    lexicon = candidate_words(schema.lexicon)
    stop = lexicon.ask_stop | lexicon.schema_stop
    return frozenset(stem(w) for w in words if len(w) >= 3 and w not in stop)


def _free_text(span: str, lexicon: Lexicon) -> bool:
    lowered = span.lower()
    return not times_in(lowered, lexicon) and not dated(lowered, lexicon)


def times_in(text: str, lexicon: Lexicon | None = None) -> list[str]:
    """Every time ``text`` states, as ``HH:MM``, in the order said; of overlapping readings
    the longest wins ("5:15 pm" is 17:15, not also 05:15; "at 4:45 in the evening" is 16:45).
    Times are read with ``lexicon``'s time words (English when none is given)."""
    said = terms(lexicon)
    words = text.split()
    readings = [
        (end - start, start, end, hhmm)
        for start in range(len(words))
        for end in range(start + 1, min(len(words), start + TIME_WORDS) + 1)
        if (hhmm := parse_time(" ".join(words[start:end]).strip(_EDGE), words=said)) is not None
    ]
    taken: set[int] = set()
    kept: list[tuple[int, str]] = []
    for _, start, end, hhmm in sorted(readings, key=lambda r: (-r[0], r[1])):
        if taken.isdisjoint(range(start, end)):
            taken.update(range(start, end))
            kept.append((start, hhmm))
    return list(dict.fromkeys(hhmm for _, hhmm in sorted(kept)))


def _mentions_number(number: int, text: str, words: CandidateWords | None) -> bool:
    """Digits not inside a time or a longer number and not followed by a word that makes them
    a time ("6 pm"), or a number word of the lexicon ("two")."""
    timed = rf"|\s*(?:{words.number_is_time})" if words and words.number_is_time else ""
    digits = re.search(rf"(?<![\d:.£$]){number}(?![\d:]{timed})", text)
    if digits is not None:
        return True
    lexicon = words.lexicon if words else None
    said = (w for w in WORD.findall(text) if not w.isdigit())
    return any(parse_number(word, lexicon) == number for word in said)


@lru_cache(maxsize=4096)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    tail = r"\w*" if " " not in phrase and len(phrase) >= 4 else ""
    return re.compile(rf"(?<![\w-]){re.escape(phrase)}{tail}(?![\w-])")


def _has_phrase(text: str, phrase: str) -> bool:
    return _phrase_pattern(phrase.lower()).search(text) is not None


def _spaced(word: str) -> Iterable[str]:
    """Every split of ``word`` into two words of at least 3 letters ("guesthouse" → "guest
    house", "swimmingpool" → "swimming pool"); the text is only searched, so wrong splits
    cost nothing."""
    return (f"{word[:i]} {word[i:]}" for i in range(3, len(word) - 2))


def plain_text(text: str) -> str:
    return text.lower().replace("’", "'")


def _cued_services(
    schema: DomainSchema, text: str, values: Mapping[str, tuple[str, ...]]
) -> list[str]:
    """Services the turn names by a distinctive word, or by a categorical value only that
    service has (not a free-text span: every turn has those)."""
    words = set(WORD.findall(text))
    stems = {stem(w) for w in words}
    keywords = _distinctive_words(schema)
    out = []
    for service in schema.services:
        named = keywords.get(service.name, frozenset()) & stems
        valued = any(
            name.split("-", 1)[0] == service.name and _categorical_hit(schema, name, found)
            for name, found in values.items()
        )
        if named or (valued and _owned_value(schema, service, values)):
            out.append(service.name)
    return out


def _categorical_hit(schema: DomainSchema, slot: str, found: Sequence[str]) -> bool:
    spec = schema.slot(slot)
    return spec is not None and spec.categorical and any(v != DONTCARE for v in found)


def _owned_value(
    schema: DomainSchema, service: ServiceSpec, values: Mapping[str, tuple[str, ...]]
) -> bool:
    """A categorical value found for ``service`` that no other service's slot also allows."""
    for name, found in values.items():
        spec = schema.slot(name)
        if spec is None or not spec.categorical or spec.service != service.name:
            continue
        if route_end(name):
            continue  # a place ("Cambridge") does not say whether it is a train or a taxi
        for value in found:
            owners = {
                s.service
                for other in schema.services
                for s in other.slots
                if s.categorical and value in s.values
            }
            if owners == {service.name} and spec.kind != "boolean" and value != DONTCARE:
                return True
    return False


@lru_cache(maxsize=64)
def _distinctive_words(schema: DomainSchema) -> dict[str, frozenset[str]]:
    """Per service, the stems of words from its name, description, intents and slot names that
    no other service of the schema uses."""
    per_service: dict[str, set[str]] = {}
    for service in schema.services:
        texts = [service.name, service.description]
        texts += [f"{_words_of(i.name)} {i.description}" for i in service.intents]
        texts += [s.name.split("-", 1)[-1] for s in service.slots]
        words = {w for t in texts for w in WORD.findall(t.lower().replace("_", " "))}
        stop = candidate_words(schema.lexicon).schema_stop
        per_service[service.name] = {stem(w) for w in words if len(w) >= 3 and w not in stop}
    out = {}
    for name, words in per_service.items():
        others = set().union(*(w for n, w in per_service.items() if n != name))
        out[name] = frozenset(words - others)
    return out


def stem(word: str) -> str:
    word = word.strip("'-")
    for suffix in ("ies", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def route_end(slot: str) -> str:
    short = slot.split("-", 1)[-1].lower()
    if is_time_slot(slot):
        return ""
    if "depart" in short or "origin" in short or short.startswith("from"):
        return "from"
    if "destination" in short or short.startswith("to_"):
        return "to"
    return ""
