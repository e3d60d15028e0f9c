"""``Lexicon``: the words of a language that the engine's rules read, as data.

The engine holds mechanisms (is this turn a bare "yes"? does it open with a greeting?); which
words say so is a language's business. Each language's words live in a lexicon file shipped
with slotchat (``prompts/lexicons/<language>.yaml``), which a pack names with ``language:`` and
may extend with ``lexicon:``; ``prompts`` loads them into the :class:`Lexicon` the pack's schema
carries. A cue is a named list of phrases ("yes", "no", "greet", "bye", …), matched either as
whole words (languages written with spaces between words) or anywhere in the text (``bounded:
false``, for languages such as Korean whose endings attach to the word).

Stdlib only: the domain types carry a lexicon, and they import nothing heavy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_NEVER = re.compile(r"(?!)")


@dataclass(frozen=True)
class Phrases:
    """One language's phrases for one cue."""

    language: str
    phrases: tuple[str, ...]
    bounded: bool = True  # whole words only; False: anywhere in the text


@dataclass(frozen=True)
class Lexicon:
    """Cue name -> the phrases of every language the pack reads. Empty: no cue ever matches."""

    languages: tuple[str, ...] = ()
    cues: tuple[tuple[str, tuple[Phrases, ...]], ...] = ()

    def phrases(self, cue: str) -> tuple[Phrases, ...]:
        return next((found for name, found in self.cues if name == cue), ())

    def pattern(self, cue: str, *, at_start: bool = False) -> re.Pattern[str]:
        """A regex that finds the cue's phrases in lower-cased text (``at_start``: only as the
        text's first words, after any punctuation)."""
        return _compile(self.phrases(cue), at_start)

    def words(self, cue: str) -> frozenset[str]:
        """Every word of the cue's phrases (for "does this turn hold only these words?")."""
        return frozenset(w for group in self.phrases(cue) for p in group.phrases for w in p.split())

    def merged(self, other: Lexicon) -> Lexicon:
        """This lexicon's cues extended by ``other``'s (languages in order, no repeats)."""
        names = [name for name, _ in self.cues]
        names += [name for name, _ in other.cues if name not in names]
        cues = tuple((name, self.phrases(name) + other.phrases(name)) for name in names)
        languages = tuple(dict.fromkeys((*self.languages, *other.languages)))
        return Lexicon(languages, cues)


@lru_cache(maxsize=512)
def _compile(groups: tuple[Phrases, ...], at_start: bool) -> re.Pattern[str]:
    parts = [_alternation(group) for group in groups if group.phrases]
    if not parts:
        return _NEVER
    lead = r"^\W*" if at_start else ""
    return re.compile("|".join(f"{lead}{part}" for part in parts))


def _alternation(group: Phrases) -> str:
    ordered = sorted(set(group.phrases), key=len, reverse=True)
    body = "|".join(r"\s+".join(map(re.escape, p.split())) for p in ordered)
    return rf"\b(?:{body})\b" if group.bounded else f"(?:{body})"
