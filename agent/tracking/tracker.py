"""The state tracker: one user turn in, the state change and the merged state out.

The model sees the prompt manager's messages (instructions, schema, exemplars, previous state, last
system turn, user turn) and writes a delta in the agent.delta_text JSON form under a per-turn
grammar (agent.tracking.state_grammar), greedily. Everything after the model is deterministic: parse
(salvaging a cut-off object), drop what the schema does not know, normalize values, drop negated
values and no-op changes, then merge with :meth:`DialogueState.apply`.

Nothing the model writes can make :meth:`StateTracker.track` raise: unusable output gives an
empty delta and a logged warning. Errors of the runtime itself (``ModelError``) do propagate,
because the caller decides whether a turn without tracking is acceptable.

:meth:`StateTracker.track_turn` returns the turn as a :class:`TrackResult`, with the model's
raw text beside the delta and the state (the evaluation reads it); :meth:`StateTracker.track`,
the engine's :class:`agent.ports.Tracker`, returns the delta and the state alone.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from agent.delta_text import parse_delta
from agent.domain import (
    DONTCARE,
    Constraint,
    DialogueState,
    DomainSchema,
    GenerationParams,
    StateDelta,
)
from agent.language.normalize import normalize_value
from agent.ports import ChatModel, ChoicePrompts, OptionScorer, TrackerPrompts
from agent.tracking.candidates import TurnCandidates, turn_candidates
from agent.tracking.choices import (
    DEFAULT_MARGIN,
    MAX_OPTIONS,
    Question,
    ValueChooser,
    answers_or_asks,
    service_labels,
    unexplained,
)
from agent.tracking.completion import (
    SettledWords,
    complete_unique,
    settle_words,
    settled_by_words,
    swap_routes,
)
from agent.tracking.delta_checks import (
    drop_negated,
    one_slot_per_span,
    only_acknowledges,
    says_dontcare,
    supported,
    to_categorical_slot,
    well_typed,
)
from agent.tracking.state_grammar import (
    GrammarOptions,
    delta_grammar,
    trackable_slots,
    turn_grammar,
    utterance_spans,
)
from agent.tracking.system_move import NO_MOVE, SystemMove, accepted, refers

log = logging.getLogger(__name__)

_SPAN_SOURCE_CHARS = 1500  # a 20,000-character paste must not become a huge grammar


@dataclass(frozen=True)
class TrackerOptions:
    """Settings of the tracker. The defaults are the shipped tracker: the chat, the repl, the
    TUI, ``test`` and ``eval sgd`` all run them (``eval sgd`` adds ``all_services``, because its
    schema holds only the dialogue's own services). Research variants are set by name with
    ``--tracker-option KEY=VALUE`` (cli.tracker_options); docs/dst-results.md has the runs."""

    max_tokens: int = 96
    grammar: GrammarOptions = field(default_factory=GrammarOptions)
    constrained: bool = True  # decode under the per-turn grammar
    negation_check: bool = True
    one_slot_per_span: bool = True
    require_support: bool = False  # categorical values only when the turn mentions them
    dontcare_cue: bool = True  # "dontcare" only when the user says "any", "doesn't matter"…
    type_check: bool = True  # times only in time slots, dates only in date slots
    move_to_categorical: bool = False  # "park" as attraction-name → attraction-type
    # the grammar of agent.tracking.candidates: only values the turn supports, no re-written state,
    # intents only for services in play; ``False`` is the older schema-wide grammar
    candidates: bool = True
    # the system turn's words count as candidates too (off: what the system offered enters a
    # state only when the user accepts it, see system_move; "What's the phone?" after an offer
    # must not set the name)
    system_values: bool = False
    # a first turn naming no service may start any (off: "Hello!" starts no task)
    open_start: bool = False
    # every service of the schema in play on every turn, cued or not: for a schema of just the
    # dialogue's own services (SGD), where a turn often moves on without naming the service
    all_services: bool = False
    # a free-text slot already set changes only to the user's words, not the system turn's
    # (both grammars)
    user_changes: bool = False
    # a turn that only acknowledges a system turn that asked nothing ("Alright." after "Your
    # balance is $20,265.21.") copies no words from it (schema-wide grammar)
    quiet_acknowledgements: bool = False
    # add what the model left out when the turn leaves no doubt (agent.tracking.candidates)
    complete_unique: bool = True
    # leave what the words settle out of the grammar (completion writes it): fewer tokens
    omit_settled: bool = True
    # show the model only the state of the services the grammar lets the turn touch: the rest
    # cannot change, and a prompt that shows every service grows with the conversation
    focus_state: bool = True
    # read the turn against the system's last act: accepting an offer carries its values,
    # "there" may copy the name of the record in focus (agent.tracking.system_move)
    system_move: bool = True
    # a categorical slot of a service in play may take any of its values, not only those the
    # words mention: the model chooses ("won't break the bank" → cheap); the lexical
    # candidates still decide which services are in play, so "Hello!" sets nothing
    open_categorical: bool = False
    # a name or text slot without records copies no span holding a word of the schema's own
    # service or slot names: "What station is it going to?" asks, it sets no destination
    spans_name_nothing: bool = False
    # a name or text slot without records that holds a value changes only to a span that looks
    # like a name (no chatter, no word of the schema): "Can you tell me when the event starts?"
    # does not rename the event
    steady_text: bool = False
    # a categorical slot of a service the turn is on that no word names may still be set by the
    # value chooser (agent.tracking.choices), when the model can score options and the turn has
    # words nothing else accounts for; ``choice_margin``: how clear its winner must be, in nats
    choose_values: bool = False
    choice_margin: float = DEFAULT_MARGIN


@dataclass(frozen=True)
class TrackResult:
    """One user turn tracked: the change, the merged state, and the model's raw text
    (``"{}"`` when the turn could change nothing and the model was not asked, empty for an
    empty turn), for diagnosis and for the surface of the values it wrote."""

    delta: StateDelta
    state: DialogueState
    output: str = ""


class StateTracker:
    """Tracks one conversation's state over a schema. Stateless between calls: the caller
    passes the state in, so the same tracker serves any number of conversations."""

    def __init__(
        self,
        model: ChatModel,
        prompts: TrackerPrompts,
        schema: DomainSchema,
        options: TrackerOptions | None = None,
        vocabulary: Mapping[str, Sequence[str]] | None = None,
        choices: ChoicePrompts | None = None,
    ) -> None:
        """``choices``: the value chooser's prompt; the chooser runs only with it, with
        ``choose_values`` on and with a model that scores options."""
        self._model = model
        self._prompts = prompts
        self._schema = schema
        self._options = options or TrackerOptions()
        self._service_of_intent = {
            intent.name: service.name for service in schema.services for intent in service.intents
        }
        # Result-only slots (phone, ref, address) may be requested but never set, whatever the
        # decoding (unconstrained, or a grammar the runtime could not use) let through.
        settable = trackable_slots(schema) if self._options.grammar.argument_slots_only else None
        self._settable = frozenset(settable or schema.slot_names)
        self._trackable = settable or {s.name: s for v in schema.services for s in v.slots}
        # known values of free-text slots (a database's names, cuisines); times stay times
        self._vocabulary = {
            slot: tuple(values)
            for slot, values in (vocabulary or {}).items()
            if slot in self._trackable
        }
        self._chooser = (
            ValueChooser(model, choices, self._options.choice_margin)
            if self._options.choose_values and choices and isinstance(model, OptionScorer)
            else None
        )

    @property
    def schema(self) -> DomainSchema:
        return self._schema

    def track(
        self,
        state: DialogueState,
        system_text: str,
        user_text: str,
        move: SystemMove = NO_MOVE,
    ) -> tuple[StateDelta, DialogueState]:
        """The change ``user_text`` makes to ``state`` (after ``system_text``, whose act is
        ``move``) and the result."""
        result = self.track_turn(state, system_text, user_text, move)
        return result.delta, result.state

    def track_turn(
        self,
        state: DialogueState,
        system_text: str,
        user_text: str,
        move: SystemMove = NO_MOVE,
    ) -> TrackResult:
        """As :meth:`track`, with the model's raw text."""
        if not user_text.strip():
            delta = StateDelta()
            return TrackResult(delta, state.apply(delta))
        use = self._options.constrained and self._options.candidates
        found = self._candidates(state, system_text, user_text) if use else None
        if found is not None and not found.services and self._chooser is not None:
            found = self._choose_service(found, state, system_text, user_text)
        if found is not None and self._options.system_move:
            found = self._with_focus(found, move, user_text)
        if found is not None and self._options.open_categorical:
            found = self._open_categorical(found, state)
        settled = self._settled(found, user_text)
        output = self._generate(state, system_text, user_text, found, settled)
        delta = self._parse(output)
        if found is not None and self._options.complete_unique:
            delta = complete_unique(delta, found, self._schema, user_text, settled)
        elif self._options.complete_unique:
            delta = swap_routes(delta, user_text, self._schema)
        if found is not None and self._chooser is not None:
            delta = self._chosen(delta, found, state, user_text)
        delta = self._clean(delta, state, system_text, user_text)
        if self._options.system_move:
            delta = self._carry(delta, state, move, user_text)
        return TrackResult(delta, state.apply(delta), output)

    def _with_focus(
        self, found: TurnCandidates, move: SystemMove, user_text: str
    ) -> TurnCandidates:
        """A turn that points back ("a taxi there") may copy the name of a record in focus of
        another service into a free-text slot of a service in play; the model chooses which."""
        if not move.focus or not refers(user_text, self._schema.lexicon):
            return found
        values = {name: list(found_values) for name, found_values in found.values.items()}
        for name, spec in self._trackable.items():
            if spec.service not in found.services or spec.kind not in ("name", "text"):
                continue
            names = [e.name.lower() for e in move.focus.values() if e.service != spec.service]
            extra = [n for n in names if n not in values.get(name, [])]
            if extra:
                values[name] = [*values.get(name, []), *extra]
        return replace(found, values={n: tuple(v) for n, v in values.items()})

    def _open_categorical(self, found: TurnCandidates, state: DialogueState) -> TurnCandidates:
        """Every value of each categorical slot of the services in play (but the slot's current
        one, and ``dontcare`` only where the candidates allow it)."""
        values = dict(found.values)
        for name, spec in self._trackable.items():
            if spec.service not in found.services or spec.kind != "categorical":
                continue
            current = state.slots.get(name, "").lower()
            have = values.get(name, ())
            extra = tuple(v for v in spec.values if v.lower() != current and v not in have)
            values[name] = (*have, *(v for v in extra if v != DONTCARE))
        return replace(found, values={n: v for n, v in values.items() if v})

    def _choose_service(
        self, found: TurnCandidates, state: DialogueState, system_text: str, user_text: str
    ) -> TurnCandidates:
        """A turn that puts no service in play but says something ("이탈리아 식당을 찾고
        있어요" in an English pack) may still be about one: the chooser picks it among the
        schema's services by name, or none."""
        if self._chooser is None or not unexplained(self._schema, user_text):
            return found
        labels = service_labels(self._schema)
        if len(labels) < 2:
            return found
        question = Question("", self._chooser.service_question, tuple(labels))
        picked = self._chooser.choose(user_text, [question]).get("")
        if picked is None:
            return found
        return self._candidates(state, system_text, user_text, chosen_services=[labels[picked]])

    def _chosen(
        self, delta: StateDelta, found: TurnCandidates, state: DialogueState, user_text: str
    ) -> StateDelta:
        """The values the chooser reads in a turn for the categorical slots of the services it
        is on that the state does not hold and neither the model nor the words set
        (agent.tracking.choices)."""
        if self._chooser is None or not unexplained(self._schema, user_text, [*delta.set.values()]):
            return delta
        certain = {slot for slot, _ in found.certain}
        replying = answers_or_asks(user_text, self._schema.lexicon)
        kinds: tuple[str, ...] = ("categorical",) if replying else ("categorical", "boolean")
        questions = [
            Question(name, spec.description or name, options)
            for name, spec in self._trackable.items()
            if spec.service in found.on
            and spec.kind in kinds
            and name not in delta.set
            and name not in certain
            and name not in state.slots
            and 2 <= len(options := tuple(v for v in spec.values if v != DONTCARE)) <= MAX_OPTIONS
        ]
        chosen = self._chooser.choose(user_text, questions)
        if not chosen:
            return delta
        return replace(delta, set={**delta.set, **chosen}, deleted=delta.deleted - set(chosen))

    def _carry(
        self, delta: StateDelta, state: DialogueState, move: SystemMove, user_text: str
    ) -> StateDelta:
        """The offered or confirmed values the turn accepts
        (agent.tracking.system_move.accepted)."""
        taken = accepted(
            move,
            user_text,
            self._schema.lexicon,
            said=delta.set,
            settable=self._settable,
            held=state.slots,
        )
        values = {
            slot: normalize_value(
                slot, value, self._schema.slot(slot), lexicon=self._schema.lexicon
            )
            for slot, value in taken.items()
        }
        values = {s: v for s, v in values.items() if state.slots.get(s) != v}
        if not values:
            return delta
        return replace(delta, set={**delta.set, **values}, deleted=delta.deleted - set(values))

    def _omit_settled(self) -> bool:
        """Whether the grammar leaves out what the words settle (completion writes it)."""
        return self._options.omit_settled and self._options.complete_unique

    def _settled(self, found: TurnCandidates | None, user_text: str) -> SettledWords | None:
        """The words' settled values, once per turn, when both the grammar and the completion
        read them (else the completion works out its one service's alone)."""
        if found is None or not self._omit_settled():
            return None
        return settle_words(found, self._schema, user_text)

    def _generate(
        self,
        state: DialogueState,
        system_text: str,
        user_text: str,
        found: TurnCandidates | None,
        settled: SettledWords | None = None,
    ) -> str:
        params = GenerationParams(max_tokens=self._options.max_tokens, temperature=0.0)
        if found is not None:
            omit = self._omit_settled()
            also = (
                settled_by_words(found, self._schema, user_text, settled) if omit else frozenset()
            )
            gbnf = turn_grammar(self._schema, found, omit_settled=omit, also_settled=also)
            if gbnf is None:
                return "{}"  # nothing the turn could change: no model call
            constraint: Constraint | None = Constraint(gbnf=gbnf)
            if self._options.focus_state:
                state = state.only(found.services)
        else:
            constraint = self._constraint(state, system_text, user_text)
        messages = self._prompts.tracker_messages(state, system_text, user_text)
        return self._model.complete(messages, params, constraint).text

    def _candidates(
        self,
        state: DialogueState,
        system_text: str,
        user_text: str,
        chosen_services: Sequence[str] = (),
    ) -> TurnCandidates:
        context = system_text[:_SPAN_SOURCE_CHARS] if self._options.system_values else ""
        return turn_candidates(
            self._schema,
            self._trackable,
            state,
            user_text[:_SPAN_SOURCE_CHARS],
            spans=self._spans(user_text, context),
            context_text=context,
            dontcare=self._dontcare(user_text),
            vocabulary=self._vocabulary,
            open_start=self._options.open_start,
            all_services=self._options.all_services,
            user_changes=self._options.user_changes,
            spans_name_nothing=self._options.spans_name_nothing,
            steady_text=self._options.steady_text,
            chosen_services=chosen_services,
        )

    def _constraint(
        self, state: DialogueState, system_text: str, user_text: str
    ) -> Constraint | None:
        if not self._options.constrained:
            return None
        own = self._spans(user_text)
        told = self._options.quiet_acknowledgements and "?" not in system_text
        if told and only_acknowledges(user_text, self._schema.lexicon):
            spans = own  # the state's own values stay copyable
        else:
            spans = self._spans(user_text, system_text)
        grammar = delta_grammar(
            self._schema,
            state,
            spans,
            self._options.grammar,
            dontcare=self._dontcare(user_text),
            user_spans=own if self._options.user_changes else None,
        )
        return Constraint(gbnf=grammar)

    def _spans(self, *texts: str) -> list[str]:
        """What free-text values may copy: n-grams of the (clipped) texts."""
        grammar = self._options.grammar
        lexicon = self._schema.lexicon
        clipped = [lexicon.with_detached(text[:_SPAN_SOURCE_CHARS]) for text in texts]
        return utterance_spans(
            clipped, grammar.max_span_words, trim=grammar.trim_spans, lexicon=self._schema.lexicon
        )

    def _dontcare(self, user_text: str) -> bool:
        return says_dontcare(user_text, self._schema.lexicon) or not self._options.dontcare_cue

    def _parse(self, text: str) -> StateDelta:
        for candidate in _candidates(text):
            try:
                return parse_delta(candidate, self._service_of_intent)
            except (ValueError, TypeError, AttributeError):
                continue
        log.warning("tracker output is not a delta, ignoring it: %.200r", text)
        return StateDelta()

    def _clean(
        self, delta: StateDelta, state: DialogueState, system_text: str, user_text: str
    ) -> StateDelta:
        known = set(self._schema.slot_names)
        values = {
            slot: normalize_value(
                slot, value, self._schema.slot(slot), lexicon=self._schema.lexicon
            )
            for slot, value in delta.set.items()
            if slot in self._settable and value.strip()
        }
        values = self._filter(values, system_text, user_text)
        return replace(
            delta,
            set={k: v for k, v in values.items() if state.slots.get(k) != v},
            deleted=frozenset(s for s in delta.deleted if s in state.slots and s not in values),
            requested=frozenset(s for s in delta.requested if s in known),
        )

    def _filter(self, values: dict[str, str], system_text: str, user_text: str) -> dict[str, str]:
        options = self._options
        if options.negation_check:
            values = drop_negated(values, user_text, self._schema.lexicon)
        if options.dontcare_cue and not says_dontcare(user_text, self._schema.lexicon):
            values = {slot: value for slot, value in values.items() if value != DONTCARE}
        if options.type_check:
            values = {
                slot: value
                for slot, value in values.items()
                if well_typed(slot, value, self._schema)
            }
        if options.move_to_categorical:
            values = to_categorical_slot(values, self._schema)
        if options.one_slot_per_span:
            values = one_slot_per_span(values, self._schema)
        if options.require_support:
            text = f"{system_text}\n{user_text}"
            values = {
                slot: value
                for slot, value in values.items()
                if not _categorical(self._schema, slot)
                or supported(value, slot, text, self._schema)
            }
        return values


def _categorical(schema: DomainSchema, slot: str) -> bool:
    spec = schema.slot(slot)
    return spec is not None and spec.categorical


def _candidates(text: str) -> list[str]:
    """The text itself, then prefixes closed after each complete member (a cut-off object)."""
    text = text.strip()
    out = [text]
    start = text.find("{")
    if start < 0:
        return out
    body = text[start:]
    cut = len(body)
    while (cut := body.rfind(', "', 0, cut)) > 0:
        out.append(body[:cut] + "}")
    out.append("{}" if body.startswith("{") else text)
    return [c for c in out if _is_object(c)] or [text]


def _is_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False
