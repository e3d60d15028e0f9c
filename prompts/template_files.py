"""Prompt templates as data files (``prompts/templates/*.yaml``), validated on load.

Templates are files someone edits by hand, so they are a trust boundary: each file is checked
with pydantic, and each template text must use exactly the placeholders the code fills in, so a
typo fails at load time with the file and field named, not as a KeyError mid-conversation.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from langchain_core.prompts import PromptTemplate
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.domain import Act, ActType, Booking, Entity
from agent.errors import DomainError

TEMPLATE_DIR = Path(__file__).parent / "templates"

_Model = TypeVar("_Model", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrackerTemplates(_Strict):
    system: str
    exemplar_input: str
    exemplar_output: str
    turn: str


class _EntityFile(_Strict):
    name: str
    attributes: dict[str, str] = Field(default_factory=dict)


class _BookingFile(_Strict):
    reference: str
    entity: str = ""
    slots: dict[str, str] = Field(default_factory=dict)


class _ActFile(_Strict):
    type: ActType
    service: str = ""
    slots: list[str] = Field(default_factory=list)
    entities: list[_EntityFile] = Field(default_factory=list)
    total: int = 0
    booking: _BookingFile | None = None
    relax: list[str] = Field(default_factory=list)

    def to_act(self) -> Act:
        booking = self.booking
        return Act(
            type=self.type,
            service=self.service,
            slots=tuple(self.slots),
            entities=tuple(Entity(self.service, e.name, dict(e.attributes)) for e in self.entities),
            total=self.total,
            booking=Booking(self.service, booking.reference, dict(booking.slots), booking.entity)
            if booking
            else None,
            relax=tuple(self.relax),
        )


class ResponderExample(_Strict):
    user: str
    state: str = "(empty)"
    history: str = "(start)"
    act: _ActFile
    reply: str


class ResponderTemplates(_Strict):
    system: str
    turn: str
    examples: list[ResponderExample] = Field(min_length=1)


class ChoiceExample(_Strict):
    question: str
    options: list[str] = Field(min_length=2)
    message: str
    answer: str


class ChoiceTemplates(_Strict):
    system: str
    input: str
    empty_message: str = Field(default="N/A", min_length=1)
    service_question: str = Field(default="what the user is looking for", min_length=1)
    examples: list[ChoiceExample] = Field(default_factory=list)


_PLACEHOLDERS: dict[str, dict[str, set[str]]] = {
    "tracker": {
        "system": {"schema"},
        "exemplar_input": {"state", "system", "user"},
        "exemplar_output": {"delta"},
        "turn": {"state", "system", "user"},
    },
    "responder": {"system": set(), "turn": {"history", "user", "state", "act"}},
    "choice": {"system": set(), "input": {"question", "options", "message"}},
}


def load_tracker_templates(path: Path | None = None) -> TrackerTemplates:
    """The tracker's templates (default: the built-in ``templates/tracker.yaml``)."""
    return _load(path or TEMPLATE_DIR / "tracker.yaml", TrackerTemplates, "tracker")


def load_responder_templates(path: Path | None = None) -> ResponderTemplates:
    """The responder's templates (default: the built-in ``templates/responder.yaml``)."""
    return _load(path or TEMPLATE_DIR / "responder.yaml", ResponderTemplates, "responder")


def load_choice_templates(path: Path | None = None) -> ChoiceTemplates:
    """The value chooser's templates (default: the built-in ``templates/choice.yaml``); an
    example whose answer is not one of its options is a ``DomainError``."""
    path = path or TEMPLATE_DIR / "choice.yaml"
    loaded = _load(path, ChoiceTemplates, "choice")
    for number, example in enumerate(loaded.examples, 1):
        if example.answer not in example.options:
            raise DomainError(
                f"{path}: example {number}: the answer '{example.answer}' is not one of its "
                f"options {example.options}"
            )
    return loaded


@cache
def default_templates() -> tuple[TrackerTemplates, ResponderTemplates]:
    """The built-in templates, read once per process."""
    return load_tracker_templates(), load_responder_templates()


def _load(path: Path, model: type[_Model], kind: str) -> _Model:
    data = _read_yaml(path)
    try:
        loaded = model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise DomainError(
            f"{path}: field '{field}': {first['msg']}; fix the template file"
        ) from error
    for field, wanted in _PLACEHOLDERS[kind].items():
        _check_placeholders(path, field, str(getattr(loaded, field)), wanted)
    return loaded


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DomainError(f"{path}: cannot read the template file ({error})") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise DomainError(f"{path}{where}: not valid YAML ({error}); fix the syntax") from error


def _check_placeholders(path: Path, field: str, text: str, wanted: set[str]) -> None:
    try:
        found = set(PromptTemplate.from_template(text).input_variables)
    except (ValueError, KeyError) as error:
        raise DomainError(
            f"{path}: field '{field}': bad placeholder syntax ({error}); write a literal brace "
            "as {{ or }}"
        ) from error
    if found != wanted:
        raise DomainError(
            f"{path}: field '{field}' uses placeholders {sorted(found)} but needs exactly "
            f"{sorted(wanted)}; write a literal brace as {{{{ or }}}}"
        )
