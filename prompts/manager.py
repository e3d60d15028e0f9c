"""The prompt manager: the tracker's and the responder's messages, within a token budget.

Layout, for the runtime's prefix cache (only a leading run of ``cache=True`` messages is reused):

    system (instructions + compact schema)          cache=True   same for the whole dialogue
    static exemplars, user/assistant pairs          cache=True   fixed or pinned per dialogue
    dynamic exemplars, user/assistant pairs                      per turn (``bm25``/``hybrid``)
    the current turn: state, system turn, user turn              per turn

Over budget, exemplars go first, least useful first (selectors order them so); the current turn
never goes, and is used as given: the engine has already clipped an overlong paste
(``agent.engine.turn_context.clip``, the one clip of the user's text). The static exemplars
are fitted against the budget minus a fixed reserve for the tail, so a long user turn does not
evict them and with them the cached prefix. A schema that leaves no room even for the tail is
a ``DomainError``.

Use :func:`prompts.manager_factory.build_tracker_prompts` to get one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from langchain_core.messages import BaseMessage
from langchain_core.prompts import ChatPromptTemplate, PromptTemplate

from agent.domain import Act, AnnotatedTurn, DialogueState, DomainSchema, Message, Role
from agent.errors import DomainError
from prompts.render import exemplar_fields, query_fields, render_schema
from prompts.responder import ResponderPrompt
from prompts.retrieval import ExemplarIndex
from prompts.selectors import ExemplarSelector, Selection, make_selector
from prompts.template_files import TrackerTemplates, default_templates

log = logging.getLogger(__name__)

CountTokens = Callable[[str], int]

DEFAULT_BUDGET = 2048  # tokens for the whole tracker prompt (half the runtime's default context)
TAIL_RESERVE = 192  # tokens the static part leaves free for the per-turn tail
MESSAGE_OVERHEAD = 5  # chat-template tokens around one message (e.g. Qwen's <|im_start|>…)
# the tracker sees the end of the system turn: the question the user answers is there, and a
# long offer would cost prompt time on every turn (its values reach the grammar separately)
MAX_SYSTEM_CHARS = 240

_ROLES: dict[str, Role] = {"system": "system", "human": "user", "ai": "assistant"}


class PromptManager:
    """Implements :class:`agent.ports.TrackerPrompts` for one schema (one dialogue's services or
    a whole domain). Stateful only through its selector (per-dialogue exemplars): call
    :meth:`reset` between dialogues, or let it happen at a turn with an empty state and no
    system turn."""

    def __init__(
        self,
        schema: DomainSchema,
        selector: ExemplarSelector | None,
        count_tokens: CountTokens,
        *,
        budget: int = DEFAULT_BUDGET,
        templates: TrackerTemplates | None = None,
        responder: ResponderPrompt | None = None,
    ) -> None:
        self.schema = schema
        self.selector = selector
        self.budget = budget
        self._count = count_tokens
        tracker = templates or default_templates()[0]
        self._exemplar = ChatPromptTemplate.from_messages(
            [("human", tracker.exemplar_input), ("ai", tracker.exemplar_output)]
        )
        self._turn = PromptTemplate.from_template(tracker.turn)
        system = PromptTemplate.from_template(tracker.system).format(
            schema=render_schema(schema.services)
        )
        self._system = Message("system", system, cache=True)
        self._system_cost = count_tokens(system) + MESSAGE_OVERHEAD
        self._check_fits()
        self._rendered: dict[tuple[str, int, tuple[str, ...]], tuple[Message, Message, int]] = {}
        self._responder = responder or ResponderPrompt(count_tokens, budget=budget)
        self.last_selection = Selection()

    @classmethod
    def for_evaluation(
        cls,
        schema: DomainSchema,
        index: ExemplarIndex,
        *,
        strategy: str = "dialogue",
        k: int = 4,
        count_tokens: CountTokens | None = None,
        budget: int = DEFAULT_BUDGET,
    ) -> PromptManager:
        """One dialogue's manager over a shared ``index`` (see ``prompts.manager_factory``).
        Without ``count_tokens`` the budget uses a conservative estimate (3 characters/token)."""
        selector = make_selector(strategy, index, schema, k)
        return cls(schema, selector, count_tokens or approx_tokens, budget=budget)

    def _check_fits(self) -> None:
        if self._system_cost + TAIL_RESERVE > self.budget:
            raise DomainError(
                f"the schema of '{self.schema.name}' takes {self._system_cost} tokens, too many "
                f"for the tracker's prompt budget of {self.budget} (with {TAIL_RESERVE} kept for "
                "the turn itself); use fewer services at once or shorten slot descriptions"
            )

    def warm_messages(self) -> list[Message]:
        """The static prefix known before the first turn (the system message, plus the exemplars
        of the ``fixed`` strategy): send it through the model at start-up so the first turn is
        served from the cache too."""
        if self.selector is None:
            return [self._system]
        static = self.selector.select(DialogueState(), "", "").static
        if self.selector.name not in ("fixed", "anchored"):
            self.selector.reset()
            static = ()
        room = self.budget - self._system_cost - TAIL_RESERVE
        return [self._system, *self._pairs(self._fit(static, room), cache=True)]

    def responder_warm_messages(self) -> list[Message]:
        """The responder's static prefix (instructions and examples), for the same warm-up."""
        return self._responder.static_messages()

    def reset(self) -> None:
        """A new dialogue starts: per-dialogue exemplars are chosen again."""
        if self.selector is not None:
            self.selector.reset()

    def tracker_messages(
        self, state: DialogueState, system_text: str, user_text: str
    ) -> list[Message]:
        """System + exemplars + the current turn; the model answers with a delta JSON line."""
        if not system_text and not state.slots and not state.intents:
            self.reset()
        selection = self._select(state, system_text, user_text)
        fields = query_fields(state, _last_words(system_text), user_text)
        turn = Message("user", self._turn.format(**fields))
        room = self.budget - self._system_cost - self._count(turn.content) - MESSAGE_OVERHEAD
        static = self._fit(
            selection.static, min(room, self.budget - self._system_cost - TAIL_RESERVE)
        )
        dynamic = self._fit(selection.dynamic, room - self._cost(static))
        self.last_selection = Selection(tuple(static), tuple(dynamic))
        messages = [self._system, *self._pairs(static, cache=True), *self._pairs(dynamic)]
        return [*messages, turn]

    def responder_messages(
        self,
        act: Act,
        state: DialogueState,
        history: Sequence[tuple[Role, str]],
        user_text: str,
    ) -> list[Message]:
        """Instructions + act→reply examples (cached) + history, user turn and the act's facts."""
        return self._responder.messages(act, state, history, user_text)

    def _select(self, state: DialogueState, system_text: str, user_text: str) -> Selection:
        if self.selector is None:
            return Selection()
        return self.selector.select(state, system_text, user_text)

    def _fit(self, turns: Sequence[AnnotatedTurn], room: int) -> list[AnnotatedTurn]:
        """The longest suffix of ``turns`` (the most useful end) that fits in ``room``."""
        kept: list[AnnotatedTurn] = []
        for turn in reversed(turns):
            cost = self._render(turn)[2]
            if cost > room:
                break
            kept.insert(0, turn)
            room -= cost
        if len(kept) < len(turns):
            log.debug("dropped %d of %d exemplars over budget", len(turns) - len(kept), len(turns))
        return kept

    def _cost(self, turns: Sequence[AnnotatedTurn]) -> int:
        return sum(self._render(turn)[2] for turn in turns)

    def _pairs(self, turns: Sequence[AnnotatedTurn], cache: bool = False) -> list[Message]:
        out: list[Message] = []
        for turn in turns:
            question, answer, _ = self._render(turn)
            out += [
                Message(question.role, question.content, cache),
                Message("assistant", answer.content, cache),
            ]
        return out

    def _render(self, turn: AnnotatedTurn) -> tuple[Message, Message, int]:
        """An exemplar's two messages and their token cost, rendered once per manager."""
        key = (turn.dialogue_id, turn.index, turn.services)
        found = self._rendered.get(key)
        if found is None:
            question, answer = _messages(self._exemplar.format_messages(**exemplar_fields(turn)))
            cost = self._count(question.content) + self._count(answer.content)
            found = (question, answer, cost + 2 * MESSAGE_OVERHEAD)
            self._rendered[key] = found
        return found


def _messages(messages: Sequence[BaseMessage]) -> list[Message]:
    return [Message(_ROLES[m.type], str(m.content)) for m in messages]


def approx_tokens(text: str) -> int:
    """A tokenizer-free upper estimate, for when the model's tokenizer is not at hand."""
    return len(text) // 3 + 1


def _last_words(text: str, limit: int = MAX_SYSTEM_CHARS) -> str:
    """The end of ``text``, at most ``limit`` characters, starting at a sentence or a word."""
    if len(text) <= limit:
        return text
    tail = text[-limit:]
    for mark in (". ", "? ", "! "):
        cut = tail.find(mark)
        if 0 <= cut < limit // 2:
            return "… " + tail[cut + 2 :]
    space = tail.find(" ")
    return "… " + (tail[space + 1 :] if space >= 0 else tail)
