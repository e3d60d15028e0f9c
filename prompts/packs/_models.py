"""The shape of pack files, checked with pydantic (a trust boundary: people write these files).

Only the shape lives here (fields, types, non-empty lists, one speaker per turn); whether names
refer to each other is checked later, with the whole pack in view.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agent.language.slot_kinds import SLOT_KINDS, SlotKind
from prompts.packs._source import Loc, Located


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SlotModel(_Strict):
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    categorical: bool = False
    values: list[str] = []
    examples: list[str] = []
    # a booking's result slot (taxi-type): the values a booking draws from; each '#' in the
    # drawn value becomes a random digit ("07#########" gives a new phone number each time)
    result_values: list[str] = []
    # what the value is (agent.language.slot_kinds); without it the values' shape decides
    kind: SlotKind | None = None
    aliases: dict[str, list[str]] = {}  # value -> its other names ("yes": [free])
    mentions: list[str] = []  # words that say a turn is about this slot (wifi for internet)


class IntentModel(_Strict):
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    required: list[str] = []
    optional: list[str] = []
    transactional: bool = False
    result_slots: list[str] = []


class ServiceModel(_Strict):
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    description: str = Field(min_length=1)
    slots: list[SlotModel] = Field(min_length=1)
    intents: list[IntentModel] = []


class DomainModel(_Strict):
    """``domain.yaml``."""

    name: str = Field(min_length=1)
    description: str = ""
    # the languages the pack's users write, the first also that of the replies; each names a
    # lexicon file shipped in prompts/lexicons/
    language: str | list[str] = "en"
    lexicon: dict[str, list[str]] = {}  # cue -> more phrases, in the first language
    # value -> its other names, for every categorical slot that has the value (centre: [center])
    aliases: dict[str, list[str]] = {}
    services: list[ServiceModel] = Field(min_length=1)


class TurnModel(_Strict):
    """A system turn (``system``, ``act``) or a user turn (``user`` and its annotation)."""

    system: str | None = None
    act: str = ""
    user: str | None = None
    set: dict[str, str] = {}
    delete: list[str] = []
    intent: str | None = None
    requested: list[str] = []

    @model_validator(mode="after")
    def _one_speaker(self) -> TurnModel:
        if (self.system is None) == (self.user is None):
            raise ValueError("a turn has exactly one of 'system:' or 'user:'")
        user_fields = self.set or self.delete or self.intent or self.requested
        if self.system is not None and user_fields:
            raise ValueError("set/delete/intent/requested belong to user turns, not system turns")
        if self.user is not None and self.act:
            raise ValueError("'act' belongs to system turns; user turns use set/delete/intent")
        return self


class DialogueModel(_Strict):
    id: str = Field(min_length=1)
    description: str = ""
    turns: list[TurnModel] = Field(min_length=1)


class DialogueFileModel(_Strict):
    """``dialogues/*.yaml``; each dialogue is parsed on its own so one bad turn hides no others."""

    dialogues: list[dict[str, Any]] = Field(min_length=1)


M = TypeVar("M", bound=BaseModel)

_HINTS = {
    "missing": "required field is missing; add it",
    "extra_forbidden": "unknown field; check its spelling (see prompts/domains/README.md)",
    "string_type": "expected text",
    "string_too_short": "must not be empty",
    "string_pattern_mismatch": "use letters, digits and '_' only (no '-': it separates "
    "service and slot)",
    "too_short": "must not be empty; add at least one entry",
    "list_type": "expected a list (- item lines or [a, b])",
    "dict_type": "expected a mapping (key: value lines)",
    "model_type": "expected a mapping (key: value lines)",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "literal_error": f"unknown kind; use one of: {', '.join(SLOT_KINDS)}",
}


def parse_model(model: type[M], located: Located, loc: Loc = ()) -> M | None:
    """The value at ``loc`` as ``model``, or ``None`` after adding a problem per pydantic error."""
    data = located.data
    for part in loc:
        data = data[part]
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            located.add((*loc, *item["loc"]), _message(item))
        return None


def _message(item: Any) -> str:
    kind = item["type"]
    if kind == "value_error":
        return str(item["ctx"]["error"])
    if kind == "string_type" and "set" in item["loc"]:
        return "expected a value (or dontcare); to remove a slot, list it under delete"
    return _HINTS.get(kind, str(item["msg"]))
