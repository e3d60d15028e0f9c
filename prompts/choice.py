"""The value chooser's prompt (:class:`agent.ports.ChoicePrompts`): one slot's question, its
options and the user's message, after a few examples of the task, as chat messages.

The system message and the examples are the same for every question, so they are marked for the
runtime's prefix cache; only the last message (question, options, message) is evaluated per call.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.prompts import PromptTemplate

from agent.domain import Message
from prompts.template_files import ChoiceTemplates, load_choice_templates


class ChoicePrompt:
    """Builds the chooser's messages from ``templates`` (the built-in ones by default)."""

    def __init__(self, templates: ChoiceTemplates | None = None) -> None:
        self._templates = templates or load_choice_templates()
        self._input = PromptTemplate.from_template(self._templates.input)
        head = [Message("system", self._templates.system, cache=True)]
        for example in self._templates.examples:
            text = self._render(example.question, example.options, example.message)
            head += [
                Message("user", text, cache=True),
                Message("assistant", example.answer, cache=True),
            ]
        self._head = tuple(head)

    @property
    def empty_message(self) -> str:
        """A message that says nothing, the baseline each option's probability is read against."""
        return self._templates.empty_message

    @property
    def service_question(self) -> str:
        """The question that asks which service a message is about."""
        return self._templates.service_question

    def choice_messages(self, question: str, options: Sequence[str], message: str) -> list[Message]:
        return [*self._head, Message("user", self._render(question, options, message))]

    def _render(self, question: str, options: Sequence[str], message: str) -> str:
        return self._input.format(question=question, options=", ".join(options), message=message)
