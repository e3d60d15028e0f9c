"""The value chooser's prompt file (prompts/templates/choice.yaml) and its messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import DomainError
from prompts.choice import ChoicePrompt
from prompts.template_files import load_choice_templates


def test_the_examples_lead_cached_and_the_question_comes_last() -> None:
    prompt = ChoicePrompt()
    messages = prompt.choice_messages("area of the restaurant", ["north", "south"], "up north")
    *head, last = messages
    assert head and all(m.cache for m in head) and head[0].role == "system"
    assert [m.role for m in head[1:]] == ["user", "assistant"] * (len(head) // 2)
    assert not last.cache and last.role == "user"
    assert "options: north, south" in last.content and last.content.endswith("message: up north")
    assert prompt.empty_message == "N/A"


def test_an_answer_outside_its_options_is_named_with_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "choice.yaml"
    bad.write_text(
        "system: Answer.\ninput: '{question} {options} {message}'\n"
        "examples:\n  - {question: size, options: [small, large], message: big, answer: huge}\n",
        encoding="utf-8",
    )
    with pytest.raises(DomainError, match=r"choice\.yaml: example 1: the answer 'huge'"):
        load_choice_templates(bad)


def test_a_missing_placeholder_is_named_with_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "choice.yaml"
    bad.write_text("system: Answer.\ninput: '{question} {options}'\n", encoding="utf-8")
    with pytest.raises(DomainError, match=r"choice\.yaml: field 'input'"):
        load_choice_templates(bad)
