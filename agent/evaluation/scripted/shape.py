"""The shape of a scripted dialogue file, checked by pydantic (a trust boundary: users write
these files). :mod:`agent.evaluation.scripted.files` turns validated shapes into frozen dataclasses
and pydantic's error locations into ``file:line`` messages."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.domain import ActType

Words = list[str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectShape(_Strict):
    state: dict[str, str] = Field(default_factory=dict)
    state_absent: Words = Field(default_factory=list)
    act: str | None = None
    reply_contains: Words = Field(default_factory=list)
    reply_not_contains: Words = Field(default_factory=list)
    reply_matches: str | None = None

    @field_validator("reply_contains", "reply_not_contains", "state_absent", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("act")
    @classmethod
    def _known_act(cls, value: str | None) -> str | None:
        allowed = [a.value for a in ActType]
        if value is not None and value not in allowed:
            raise ValueError(f"unknown act '{value}'; use one of: {', '.join(allowed)}")
        return value

    @field_validator("reply_matches")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as error:
                raise ValueError(f"not a valid regular expression: {error}") from None
        return value


class TurnShape(_Strict):
    user: str = Field(min_length=1)
    expect: ExpectShape = Field(default_factory=ExpectShape)


class FinalShape(_Strict):
    bookings: list[dict[str, str]] = Field(default_factory=list)

    @field_validator("bookings")
    @classmethod
    def _service_named(cls, value: list[dict[str, str]]) -> list[dict[str, str]]:
        for booking in value:
            if not ({"domain", "service"} & booking.keys()):
                raise ValueError("each booking needs a 'domain' (or 'service') field")
        return value


class DialogueShape(_Strict):
    name: str = Field(min_length=1)
    turns: list[TurnShape] = Field(min_length=1)
    final: FinalShape | None = None

    @field_validator("turns", mode="before")
    @classmethod
    def _bare_turns(cls, value: object) -> object:
        """A bare string is a turn with no expectations (what ``--record`` starts from)."""
        if isinstance(value, list):
            return [{"user": t} if isinstance(t, str) else t for t in value]
        return value


class FileShape(_Strict):
    domain: str = "cambridge"
    dialogues: list[DialogueShape] = Field(min_length=1)
