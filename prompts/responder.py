"""The responder's prompt: few-shot act → reply examples, grounded in the act's facts.

The act (from the policy) carries everything the reply may mention: entities and their
attributes from the backend, the booking and its reference. The prompt states them and tells the
model to use nothing else; the engine still checks the reply and falls back to a template.
Instructions and examples do not depend on the turn, so they form the cached prefix.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from langchain_core.prompts import PromptTemplate

from agent.domain import Act, DialogueState, Message, Role
from prompts.render import render_act, render_history, render_state
from prompts.template_files import ResponderTemplates, default_templates

# earlier turns shown to the responder: the act carries the facts, the history only the tone
# and what was just asked, and every token of it is evaluated before the first reply token
HISTORY_TURNS = 1
# per earlier turn: the reply needs its gist, not a pasted essay (see :func:`_short`)
MAX_HISTORY_CHARS = 200
_OVERHEAD = 5


class ResponderPrompt:
    """Builds responder messages; examples that do not fit ``budget`` are dropped, first ones
    first."""

    def __init__(
        self,
        count_tokens: Callable[[str], int],
        *,
        budget: int,
        templates: ResponderTemplates | None = None,
        history_turns: int = HISTORY_TURNS,
    ) -> None:
        self._templates = templates or default_templates()[1]
        self._turn = PromptTemplate.from_template(self._templates.turn)
        self._history_turns = history_turns
        self._static = self._fit(self._examples(), count_tokens, budget)

    def _examples(self) -> list[Message]:
        out = [Message("system", self._templates.system, cache=True)]
        for example in self._templates.examples:
            question = self._turn.format(
                history=example.history,
                user=example.user,
                state=example.state,
                act=render_act(example.act.to_act()),
            )
            out += [Message("user", question, True), Message("assistant", example.reply, True)]
        return out

    @staticmethod
    def _fit(static: list[Message], count: Callable[[str], int], budget: int) -> list[Message]:
        room = budget // 2  # the other half is for history, the turn and the reply
        costs = [count(m.content) + _OVERHEAD for m in static]
        while len(static) > 3 and sum(costs) > room:
            del static[1:3], costs[1:3]
        return static

    def static_messages(self) -> list[Message]:
        return list(self._static)

    def messages(
        self,
        act: Act,
        state: DialogueState,
        history: Sequence[tuple[Role, str]],
        user_text: str,
    ) -> list[Message]:
        earlier = list(history)
        if earlier and earlier[-1] == ("user", user_text):
            earlier.pop()  # the engine stores the user turn before it asks for a reply
        recent = [(role, _short(text)) for role, text in earlier[-self._history_turns :]]
        turn = self._turn.format(
            history=render_history(recent),
            user=user_text,
            state=render_state(state.only(_in_play(act, state))),
            act=render_act(_own_details(act, state)),
        )
        return [*self._static, Message("user", turn)]


def _own_details(act: Act, state: DialogueState) -> Act:
    """A booking's details without the search constraints it was made under (they are in
    the state line): what was booked (``act.slots``) and what the booking produced (a taxi's
    car and phone are in no state)."""
    booking = act.booking
    if booking is None or not act.slots:
        return act
    own = {k: v for k, v in booking.slots.items() if k in act.slots or k not in state.slots}
    return dataclasses.replace(act, booking=dataclasses.replace(booking, slots=own))


def _in_play(act: Act, state: DialogueState) -> tuple[str, ...]:
    """The service the reply is about: the act's, or for chat the one started last. Only its
    state is shown; the rest is old news and would make the prompt grow with the conversation."""
    if act.service:
        return (act.service,)
    return tuple(state.intents)[-1:]


def _short(text: str) -> str:
    """The gist of an earlier turn. Not a second clip of the user's text (the engine clipped
    every text it passes, the current turn included, and that is used whole): the responder's
    own budget, because every history token is evaluated before the reply's first token."""
    return text if len(text) <= MAX_HISTORY_CHARS else text[:MAX_HISTORY_CHARS] + " …"
