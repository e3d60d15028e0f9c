"""The per-turn GBNF grammar that makes the tracker's output a valid delta (agent.delta_text).

What the grammar guarantees, so the model spends no tokens on junk the parser would drop:

- exactly the one-line JSON of :func:`agent.delta_text.render_delta`: intent first, then slots
  in sorted name order, then ``requested``; separators ``", "`` and ``": "``, no free whitespace;
- every key at most once: the members form a chain in sorted order, each optional, so the
  model cannot repeat a key until ``max_tokens`` (the probe's most expensive failure);
- the intent is one of the schema's intents, requested slots are slot names (each once);
- a categorical slot takes an allowed value or ``dontcare``;
- a free-text slot takes ``dontcare`` or a *span*: a word n-gram of what was just said (user
  turn and last system turn) or a value already in the state (values carried across services);
- ``null`` (deletion) only for slots that are currently set;
- only slots some intent takes as an argument (result-only slots are never the user's goal),
  and ``dontcare`` only when the caller says the user's words allow it.

The grammar is rebuilt every turn because the spans and the set slots change; building it is
string work of well under a millisecond.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from agent.delta_text import INTENT_KEY, REQUESTED_KEY
from agent.domain import DONTCARE, DialogueState, DomainSchema, SlotSpec
from agent.language.lexicon import Lexicon
from agent.tracking.candidate_words import candidate_words
from agent.tracking.candidates import TurnCandidates

_WORD = re.compile(r"\S+")
_CLAUSE_BREAK = re.compile(r"[.;!?]+(?:\s+|$)")
_EDGE = " \t.,;:!?\"'()[]{}"
_ANY_STRING = r'"\"" [^"\\\x00-\x1f]{1,48} "\""'


@dataclass(frozen=True)
class GrammarOptions:
    """Knobs measured in docs/dst-results.md."""

    copy_spans: bool = True  # free-text values only as spans (else any short string)
    # no span starting or ending with a function word ("in San Jose"): the lexicon's
    # function_word cue (agent.tracking.candidate_words)
    trim_spans: bool = True
    argument_slots_only: bool = True  # only slots some intent takes (not result-only slots)
    max_span_words: int = 8
    requested: bool = True  # allow the "requested" member


def utterance_spans(
    texts: Iterable[str],
    max_words: int = 8,
    *,
    trim: bool = False,
    lexicon: Lexicon | None = None,
) -> list[str]:
    """Word n-grams (1..max_words) of ``texts`` without edge punctuation, first-seen order.

    N-grams stop at sentence punctuation ("San Jose. Can" is no value), which also keeps the
    grammar small; "4:30" or "3.5" stay whole because no space follows their punctuation.
    Commas do not stop them: SGD values include "Long Beach, CA" and street addresses.
    ``trim``: no n-gram starts or ends with a function word of ``lexicon`` ("in San Jose").
    """
    function_words = candidate_words(lexicon).function_word if trim and lexicon else frozenset()
    spans: dict[str, None] = {}
    for text in (part for whole in texts for part in _CLAUSE_BREAK.split(whole)):
        words = _WORD.findall(text)
        for start in range(len(words)):
            for end in range(start + 1, min(len(words), start + max_words) + 1):
                span = " ".join(words[start:end]).strip(_EDGE)
                if span and _printable(span) and not _untrimmed(span, function_words):
                    spans[span] = None
    return list(spans)


def delta_grammar(
    schema: DomainSchema,
    state: DialogueState,
    spans: Sequence[str],
    options: GrammarOptions = GrammarOptions(),
    *,
    dontcare: bool = True,
    user_spans: Sequence[str] | None = None,
) -> str:
    """The GBNF of all deltas the tracker may write this turn (see the module docstring).

    ``dontcare=False`` (the user said nothing like "any" or "doesn't matter") keeps the model
    from filling the form with "dontcare", the probe's commonest junk. ``user_spans``: a
    free-text slot that already holds a value may change only to one of these (the user's
    own words), not to the system turn's.
    """
    rules: dict[str, str] = {}
    slots = trackable_slots(schema) if options.argument_slots_only else _all_slots(schema)
    held = user_spans is not None and options.copy_spans
    members = _intent_member(schema) + _slot_members(slots, state, dontcare, rules, held)
    if options.requested and schema.slot_names:
        members.append(_requested_member(schema, rules))
    rules["span"] = _span_rule(spans, state, options)
    if held:
        rules["uspan"] = _span_rule(user_spans or (), state, options)
    chain = _chain("m", members, rules)
    root = f'root ::= "{{" {chain}? "}}"' if chain else 'root ::= "{}"'
    return "\n".join([root, *(f"{name} ::= {body}" for name, body in rules.items())]) + "\n"


def literal(text: str) -> str:
    """A GBNF string literal matching exactly ``text``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return '"' + escaped + '"'


def json_literal(value: str) -> str:
    """A GBNF literal matching ``value`` as JSON writes it (the way render_delta does)."""
    return literal(json.dumps(value, ensure_ascii=False))


def _intent_member(schema: DomainSchema) -> list[str]:
    intents = sorted({i.name for s in schema.services for i in s.intents})
    if not intents:
        return []
    choices = " | ".join(json_literal(i) for i in intents)
    return [f"{literal(json.dumps(INTENT_KEY) + ': ')} ({choices})"]


def trackable_slots(schema: DomainSchema) -> dict[str, SlotSpec]:
    """Slots the dialogue state can hold: those some intent takes as an argument. Result-only
    slots (a weather report's temperature, an account's balance) are things the system says,
    never the user's goal; a service whose intents name no slots keeps all of its slots."""
    out: dict[str, SlotSpec] = {}
    for service in schema.services:
        names = {n for i in service.intents for n in (*i.required, *i.optional)}
        out.update({s.name: s for s in service.slots if s.name in names or not names})
    return out


def _all_slots(schema: DomainSchema) -> dict[str, SlotSpec]:
    return {slot.name: slot for service in schema.services for slot in service.slots}


def _slot_members(
    slots: dict[str, SlotSpec],
    state: DialogueState,
    dontcare: bool,
    rules: dict[str, str],
    held_to_user: bool = False,
) -> list[str]:
    members: list[str] = []
    for number, name in enumerate(sorted(slots)):
        span = "uspan" if held_to_user and name in state.slots else "span"
        rules[f"v{number}"] = _value_rule(slots[name], name in state.slots, dontcare, span)
        members.append(f"{literal(json.dumps(name) + ': ')} v{number}")
    return members


def _value_rule(slot: SlotSpec, deletable: bool, dontcare: bool, span: str = "span") -> str:
    choices = [json_literal(DONTCARE)] if dontcare else []
    if slot.categorical and slot.values:
        choices += [json_literal(v) for v in slot.values if v != DONTCARE]
    else:
        choices.append(span)
    if deletable:
        choices.append('"null"')
    return " | ".join(choices)


def _requested_member(schema: DomainSchema, rules: dict[str, str]) -> str:
    names = [json_literal(name) for name in sorted(schema.slot_names)]
    chain = _chain("q", names, rules)
    return f'{literal(json.dumps(REQUESTED_KEY) + ": [")} {chain} "]"'


def _span_rule(spans: Sequence[str], state: DialogueState, options: GrammarOptions) -> str:
    if not options.copy_spans:
        return _ANY_STRING
    values = dict.fromkeys([*spans, *(v for v in state.slots.values() if _printable(v))])
    values.pop(DONTCARE, None)
    values.pop("", None)
    return " | ".join(json_literal(v) for v in values) or json_literal(DONTCARE)


def _chain(prefix: str, items: Sequence[str], rules: dict[str, str]) -> str:
    """Rule name matching a non-empty subsequence of ``items`` in order, joined by ", "."""
    if not items:
        return ""
    last = len(items) - 1
    rules[f"{prefix}{last}"] = items[last]
    for i in range(last - 1, -1, -1):
        rules[f"{prefix}{i}"] = f'{items[i]} (", " {prefix}{i + 1})? | {prefix}{i + 1}'
    return f"{prefix}0"


def _untrimmed(span: str, function_words: frozenset[str]) -> bool:
    if not function_words:
        return False
    words = [word.strip(_EDGE) for word in span.lower().split()]
    return words[0] in function_words or words[-1] in function_words


def _printable(text: str) -> bool:
    return text.isprintable()


def turn_grammar(
    schema: DomainSchema,
    candidates: TurnCandidates,
    *,
    omit_settled: bool = False,
    also_settled: Collection[str] = (),
) -> str | None:
    """The GBNF of the deltas one turn allows (:mod:`agent.tracking.candidates`), or ``None`` when
    the only one is ``{}`` (the caller needs no model call then).

    The intent comes first in a delta, so the grammar branches on it: after ``"intent": X``
    only the slots and requestable slots of X's service follow; without an intent, those of
    the services in play. A booking turn of the taxi can therefore not touch train slots.

    ``omit_settled``: where the branch fixes the service, slots the user's words settle alone
    (:meth:`TurnCandidates.settled`, and ``also_settled``: a trip's ends, tied numbers and times,
    from :func:`agent.tracking.completion.settled_by_words`) and requests the question names
    outright (``TurnCandidates.asked``) are left out; :mod:`agent.tracking.completion` writes them,
    and the model spends its tokens only on what needs a decision ("What's the postcode?" needs no
    call).
    """
    rules: dict[str, str] = {}
    values = {name: f"v{n}" for n, name in enumerate(sorted(candidates.values))}
    for name, rule in values.items():
        choices = [json_literal(v) for v in candidates.values[name]]
        rules[rule] = " | ".join(choices)
    branches: list[str] = []
    for number, intent in enumerate(candidates.intents):
        service = _service_of(schema, intent)
        head = f"{literal(json.dumps(INTENT_KEY) + ': ')} {json_literal(intent)}"
        skip = _settled(candidates, service, also_settled) if omit_settled else _NOTHING
        members = _service_members(schema, [service], candidates, values, rules, f"i{number}", skip)
        chain = _chain(f"i{number}m", members, rules)
        branches.append(f'{head} (", " {chain})?' if chain else head)
    single = candidates.services[0] if len(candidates.services) == 1 else ""
    skip = _settled(candidates, single, also_settled) if omit_settled and single else _NOTHING
    members = _service_members(schema, candidates.services, candidates, values, rules, "n", skip)
    if members:
        branches.append(_chain("n", members, rules))
    if not branches:
        return None
    rules["body"] = " | ".join(branches)
    lines = ['root ::= "{" body? "}"', *(f"{name} ::= {body}" for name, body in rules.items())]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class _Settled:
    """What completion writes for a service without the model: slot values, and requests (a
    slot may be both: "postcode")."""

    slots: frozenset[str] = frozenset()
    requests: frozenset[str] = frozenset()


_NOTHING = _Settled()


def _settled(candidates: TurnCandidates, service: str, also: Collection[str] = ()) -> _Settled:
    """Slots the words settle, and the requests when the question names one outright. The
    other requestable slots then matched only by a shared word ("phone number" is not a
    reference number), so they go too."""
    mine = {n for n in (*candidates.settled(service), *also) if n.split("-", 1)[0] == service}
    requests: frozenset[str] = frozenset()
    if any(n.split("-", 1)[0] == service for n in candidates.asked):
        requests = frozenset(n for n in candidates.requestable if n.split("-", 1)[0] == service)
    return _Settled(frozenset(mine), requests)


def _service_of(schema: DomainSchema, intent: str) -> str:
    return next(s.name for s in schema.services for i in s.intents if i.name == intent)


def _service_members(
    schema: DomainSchema,
    services: Sequence[str],
    candidates: TurnCandidates,
    values: dict[str, str],
    rules: dict[str, str],
    prefix: str,
    skip: _Settled = _NOTHING,
) -> list[str]:
    """Members in render_delta's order: slots sorted by name, then ``requested``."""
    members: list[str] = []
    names = sorted(
        n for service in services for n in candidates.slots_of(service) if n not in skip.slots
    )
    for name in names:
        choices = [values[name]] if name in values else []
        if name in candidates.deletable:
            choices.append('"null"')
        members.append(f"{literal(json.dumps(name) + ': ')} ({' | '.join(choices)})")
    requestable = sorted(
        slot.name
        for service in services
        if (spec := schema.service(service)) is not None
        for slot in spec.slots
        if slot.name in candidates.requestable and slot.name not in skip.requests
    )
    if requestable:
        chain = _chain(f"{prefix}q", [json_literal(n) for n in requestable], rules)
        members.append(f'{literal(json.dumps(REQUESTED_KEY) + ": [")} {chain} "]"')
    return members
