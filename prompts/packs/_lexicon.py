"""The pack's lexicon: the shipped lexicon files of the languages ``domain.yaml`` names
(``language: en``, or a list whose first entry is the language of the replies), extended by
the pack's own ``lexicon:`` section (cue -> phrases, in the pack's first language)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from agent.errors import DomainError
from agent.lexicon import Lexicon, Phrases
from prompts.packs._models import parse_model
from prompts.packs._source import Loc, Located, read_yaml

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"


class LexiconFileModel(BaseModel):
    """``prompts/lexicons/<language>.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: str = Field(pattern=r"^[a-z]{2,3}$")
    bounded: bool = True
    cues: dict[str, list[str]] = {}


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
        for cue, phrases in model.cues.items()
    )
    return Lexicon((model.language,), cues)
