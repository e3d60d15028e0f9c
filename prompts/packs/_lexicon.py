"""The pack's lexicon: the shipped lexicon files of the languages ``domain.yaml`` names
(``language: en``, or a list whose first entry is the language of the replies), extended by
the pack's own ``lexicon:`` section (cue -> phrases, in the pack's first language).

A lexicon file holds ``cues`` and ``checks`` (cue -> phrases), the structured words
(``numbers``, ``counters``, ``days``, ``day_lead``, ``months``, ``dates``, ``ordinals``,
``currency``, ``dontcare``, ``booleans``, ``times``) and the replies' ``labels`` and
``replies`` (see the header of ``prompts/lexicons/en.yaml``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.errors import DomainError
from agent.language.lexicon import Clock, Lexicon, Phrases, TimeWords, Words
from prompts.packs._models import parse_model
from prompts.packs._source import Loc, Located, read_yaml

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"


Half = Literal["am", "pm"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClockModel(_Strict):
    """One spoken clock of ``times.clocks``."""

    say: str = Field(pattern=r"\{h\}")
    minutes: int = Field(default=0, ge=-59, le=59)
    alone: bool = False


class TimesModel(_Strict):
    """``times``: how the language says a time of day."""

    named: dict[str, str] = {}
    clocks: list[ClockModel] = []
    before: dict[str, Half] = {}
    after: dict[str, Half] = {}
    lead: list[str] = []
    trail: list[str] = []


class LexiconFileModel(_Strict):
    """``prompts/lexicons/<language>.yaml``."""

    language: str = Field(pattern=r"^[a-z]{2,3}$")
    bounded: bool = True
    letters: str = ""  # a regex character class of the language's letters, e.g. "a-z"
    cues: dict[str, list[str]] = {}
    numbers: dict[str, int] = {}
    counters: list[str] = []
    days: list[list[str]] = Field(default=[], max_length=7)
    day_lead: list[str] = []
    months: list[list[str]] = Field(default=[], max_length=12)
    dates: list[str] = []
    ordinals: list[str] = []
    currency: list[str] = []
    dontcare: list[str] = []
    booleans: dict[str, Literal["true", "false"]] = {}
    times: TimesModel = TimesModel()
    checks: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    replies: dict[str, str] = {}


def shipped_languages() -> list[str]:
    return sorted(p.stem for p in LEXICON_DIR.glob("*.yaml"))


def pack_lexicon(
    language: str | Sequence[str], extension: Mapping[str, list[str]], located: Located, loc: Loc
) -> Lexicon:
    """The lexicon for ``domain.yaml``'s ``language`` and ``lexicon`` (at ``loc`` in it);
    problems (a language with no lexicon file, a malformed one) are added to ``located``."""
    languages = [language] if isinstance(language, str) else list(language)
    if not languages:
        located.add((*loc, "language"), "name at least one language, e.g. language: en")
        return Lexicon()
    lexicon = Lexicon()
    for code in languages:
        try:
            lexicon = lexicon.merged(language_lexicon(code))
        except DomainError as error:
            located.add((*loc, "language"), str(error))
    bounded = next(
        (g.bounded for _, gs in lexicon.cues for g in gs if g.language == languages[0]), True
    )
    own = tuple(
        (cue, (Phrases(languages[0], tuple(phrases), bounded),))
        for cue, phrases in extension.items()
    )
    return lexicon.merged(Lexicon((languages[0],), own))


@lru_cache(maxsize=16)
def language_lexicon(code: str) -> Lexicon:
    """The shipped lexicon of one language; ``DomainError`` (file:line) if it is missing or
    malformed."""
    path = LEXICON_DIR / f"{code}.yaml"
    if not path.is_file():
        shipped = ", ".join(shipped_languages())
        raise DomainError(f"no lexicon for language '{code}' (shipped: {shipped})")
    located = read_yaml(path)
    model = parse_model(LexiconFileModel, located) if not located.problems else None
    if model is None or located.problems:
        raise DomainError(str(located.problems[0]) if located.problems else f"{path}: unreadable")
    cues = tuple(
        (cue, (Phrases(model.language, tuple(p.lower() for p in phrases), model.bounded),))
        for cue, phrases in (model.cues | model.checks).items()
    )
    return Lexicon(
        (model.language,),
        cues,
        terms=_terms(model),
        templates=tuple(model.replies.items()),
        labels=tuple(model.labels.items()),
        letters=(model.letters,) if model.letters else (),
    )


def _terms(model: LexiconFileModel) -> Words:
    def lowered(words: list[str]) -> tuple[str, ...]:
        return tuple(w.lower() for w in words)

    times = model.times
    return Words(
        bounded=model.bounded,
        numbers=tuple((w.lower(), n) for w, n in model.numbers.items()),
        counters=lowered(model.counters),
        days=tuple(lowered(day) for day in model.days),
        day_lead=lowered(model.day_lead),
        months=tuple(lowered(month) for month in model.months),
        dates=lowered(model.dates),
        ordinals=lowered(model.ordinals),
        currency=lowered(model.currency),
        dontcare=lowered(model.dontcare),
        booleans=tuple((w.lower(), v) for w, v in model.booleans.items()),
        times=TimeWords(
            named=tuple((w.lower(), v) for w, v in times.named.items()),
            clocks=tuple(Clock(c.say.lower(), c.minutes, c.alone) for c in times.clocks),
            before=tuple((w.lower(), v) for w, v in times.before.items()),
            after=tuple((w.lower(), v) for w, v in times.after.items()),
            lead=lowered(times.lead),
            trail=lowered(times.trail),
        ),
    )
