"""The reply for an act: streamed from the model, checked, and replaced by the template if needed.

The model sees the prompt from :meth:`TrackerPrompts.responder_messages` (few-shot, from the
prompt manager) and streams its reply token by token to ``on_token``; ``cancel`` is checked
between tokens. When the reply is finished it is checked against the act
(:func:`agent.reply.grounding.problems`): a name, phone, postcode or reference the backend did not
produce, a booking claimed that was not made (the user's words ground neither), or a task reply
that misses its point, and the template reply is used instead — ``on_replace``
tells the listener to swap the text it has shown. A cancelled reply is kept as it was cut.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from agent.domain import (
    Act,
    ActType,
    Booking,
    DialogueState,
    GenerationMeta,
    GenerationParams,
    Message,
    Role,
)
from agent.errors import ModelError
from agent.language.lexicon import Lexicon
from agent.ports import CancelToken, ChatModel, TrackerPrompts
from agent.reply.grounding import NO_WORDS, problems
from agent.reply.templates import template_reply

log = logging.getLogger(__name__)

# Small models run on into an invented next turn; both capitalizations occur ("user:" on tiny).
DEFAULT_PARAMS = GenerationParams(
    max_tokens=80, temperature=0.0, stop=("\n\n", "\nUser:", "\nuser:", "<|")
)
_PIECE = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class Reply:
    """The reply that was kept, and what happened on the way."""

    text: str
    meta: GenerationMeta
    source: str  # "model", "template" (by choice or fallback) or "cancelled"
    issues: tuple[str, ...] = ()  # why the model's reply was replaced

    @property
    def cut_off(self) -> bool:
        return self.source == "cancelled"


class Responder:
    """Writes replies. ``model_acts`` chooses which acts the model phrases; the rest (and any
    model reply that fails the check) use the templates of :mod:`agent.reply.templates`.
    ``lexicon``: the pack's words the check reads (what claims a booking, see
    :mod:`agent.reply.grounding`)."""

    def __init__(
        self,
        model: ChatModel,
        prompts: TrackerPrompts,
        *,
        known_names: Collection[str] = (),
        services: Sequence[str] = (),
        params: GenerationParams = DEFAULT_PARAMS,
        model_acts: Collection[ActType] = tuple(ActType),
        lexicon: Lexicon = NO_WORDS,
    ) -> None:
        self._model = model
        self._prompts = prompts
        self._known = tuple(known_names)
        self._services = tuple(services)
        self._params = params
        self._model_acts = frozenset(model_acts)
        self._lexicon = lexicon

    def template(self, act: Act, state: DialogueState) -> str:
        return template_reply(act, state, self._services, self._lexicon)

    def respond(
        self,
        act: Act,
        state: DialogueState,
        history: Sequence[tuple[Role, str]],
        user_text: str,
        *,
        on_token: Callable[[str], None],
        on_replace: Callable[[str], None] | None = None,
        cancel: CancelToken | None = None,
        bookings: Sequence[Booking] = (),
    ) -> Reply:
        """The reply for ``act``; ``bookings`` are the conversation's bookings the engine knows
        (the only ones a reply may mention besides the act's own)."""
        if act.type not in self._model_acts:
            return self._stream_template(act, state, on_token, cancel)
        messages = self._prompts.responder_messages(act, state, history, user_text)
        try:
            text, meta = self._generate(messages, on_token, cancel)
        except ModelError as error:
            log.warning("responder model failed, using the template: %s", error)
            return self._replace(act, state, "", on_token, on_replace, ("model error",))
        if cancel is not None and cancel.is_set():
            return Reply(text, meta, "cancelled")
        issues = tuple(
            problems(
                text, act, state, user_text, self._known, bookings=bookings, lexicon=self._lexicon
            )
        )
        if not text.strip():
            issues = ("empty reply",)
        if issues:
            log.info("reply replaced by the template (%s): %r", "; ".join(issues), text)
            return self._replace(act, state, text, on_token, on_replace, issues, meta)
        return Reply(text.strip(), meta, "model")

    def _generate(
        self,
        messages: Sequence[Message],
        on_token: Callable[[str], None],
        cancel: CancelToken | None,
    ) -> tuple[str, GenerationMeta]:
        pieces: list[str] = []
        generation = self._model.stream(messages, self._params, None, cancel)
        for piece in generation:
            if not pieces and not piece.strip():
                continue  # leading whitespace would show as an empty first token
            if not pieces:
                piece = piece.lstrip()
            pieces.append(piece)
            on_token(piece)
            if cancel is not None and cancel.is_set():
                break
        return "".join(pieces), generation.result().meta  # a run cut here is ``cancelled``

    def _stream_template(
        self,
        act: Act,
        state: DialogueState,
        on_token: Callable[[str], None],
        cancel: CancelToken | None,
    ) -> Reply:
        text = self.template(act, state)
        shown: list[str] = []
        started = time.perf_counter()
        for piece in _PIECE.findall(text):
            if cancel is not None and cancel.is_set():
                return Reply("".join(shown), _template_meta(started, shown), "cancelled")
            shown.append(piece)
            on_token(piece)
        return Reply(text, _template_meta(started, shown), "template")

    def _replace(
        self,
        act: Act,
        state: DialogueState,
        streamed: str,
        on_token: Callable[[str], None],
        on_replace: Callable[[str], None] | None,
        issues: tuple[str, ...],
        meta: GenerationMeta | None = None,
    ) -> Reply:
        text = self.template(act, state)
        if not streamed:
            on_token(text)
        elif on_replace is not None:
            on_replace(text)
        return Reply(text, meta or GenerationMeta(model="template"), "template", issues)


def _template_meta(started: float, shown: list[str]) -> GenerationMeta:
    return GenerationMeta(
        model="template",
        completion_tokens=len(shown),
        latency_s=time.perf_counter() - started,
    )


_SYSTEM = (
    "You are the reply writer of a booking assistant. Rewrite the draft reply as one or two "
    "short, friendly sentences. Keep every name, number, time and reference exactly as in the "
    "draft. Add no new facts, places or bookings."
)
_CHAT_SYSTEM = (
    "You are a friendly booking assistant. Answer the user briefly and kindly. You cannot "
    "recommend or name any place and cannot book anything in this reply; offer to help with "
    "the task instead."
)


def local_responder_messages(
    act: Act,
    state: DialogueState,
    history: Sequence[tuple[Role, str]],
    user_text: str,
) -> list[Message]:
    """A minimal responder prompt, for tests and for prompt managers without one: the template
    reply is the draft the model rephrases, so the facts come from the act."""
    if act.type is ActType.CHAT:
        return [Message("system", _CHAT_SYSTEM, cache=True), Message("user", user_text[:2000])]
    draft = template_reply(act, state)
    return [
        Message("system", _SYSTEM, cache=True),
        Message("user", f"User said: {user_text[:500]}\nDraft reply: {draft}"),
    ]
