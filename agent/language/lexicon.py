"""``Lexicon``: the words of a language that the engine's rules read, as data.

The engine holds mechanisms (is this turn a bare "yes"? which number does this word say? is
this a clock time?); which words say so is a language's business. Each language's words live
in a lexicon file shipped with slotchat (``prompts/lexicons/<language>.yaml``), which a pack
names with ``language:`` and may extend with ``lexicon:``; ``prompts`` loads them into the
:class:`Lexicon` the pack's schema carries.

- A cue is a named list of phrases ("yes", "no", "greet", "negation", …), matched either as
  whole words (languages written with spaces between words) or anywhere in the text
  (``bounded: false``, for languages such as Korean whose endings attach to the word).
- Structured words (:class:`Words`, ``Lexicon.terms``): number words, counters, day and
  month names, the phrases that mean "no preference", yes/no words for boolean values, and
  :class:`TimeWords`, the patterns of a spoken time ("half past {h}", "{h}시 반") and the
  words that say which half of the day it is. ``agent.language.normalize`` parses with them.
- Reply templates: act piece -> format string (``agent.reply.templates``), and slot labels.

Stdlib only: the domain types carry a lexicon, and they import nothing heavy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache

_NEVER = re.compile(r"(?!)")

Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Phrases:
    """One language's phrases for one cue."""

    language: str
    phrases: tuple[str, ...]
    bounded: bool = True  # whole words only; False: anywhere in the text


@dataclass(frozen=True)
class Clock:
    """One way of saying a clock time: ``say`` with ``{h}`` (the hour) and optionally ``{m}``
    (minutes), each digits or a number word; ``minutes`` past the hour (negative: before it,
    "quarter to {h}"); ``alone``: a time even without a word for the half of the day."""

    say: str
    minutes: int = 0
    alone: bool = False


@dataclass(frozen=True)
class TimeWords:
    """How a language says a time of day (see :func:`agent.language.normalize.parse_time`)."""

    named: Pairs = ()  # phrase -> "HH:MM" ("noon", "정오")
    clocks: tuple[Clock, ...] = ()
    before: Pairs = ()  # phrase before the clock -> "am" | "pm" ("저녁 6시", "오후 2시")
    after: Pairs = ()  # phrase after the clock -> "am" | "pm" ("7 pm", "8 in the evening")
    lead: tuple[str, ...] = ()  # words a time value may start with and drops ("at 7pm")
    trail: tuple[str, ...] = ()  # endings a time value may end with and drops ("6시에")

    def merged(self, other: TimeWords) -> TimeWords:
        return TimeWords(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(TimeWords))
        )


@dataclass(frozen=True)
class Words:
    """A language's structured words (all lower case)."""

    bounded: bool = True  # words are separated by spaces (False: endings attach, "두명")
    numbers: tuple[tuple[str, int], ...] = ()  # word -> number ("two", "두", "셋", "삼")
    counters: tuple[str, ...] = ()  # what follows a count ("people", "명")
    days: tuple[tuple[str, ...], ...] = ()  # Monday first; each day's names, canonical first
    day_lead: tuple[str, ...] = ()  # words before a day that a day value drops ("on", "next")
    months: tuple[tuple[str, ...], ...] = ()  # January first; each month's names
    dates: tuple[str, ...] = ()  # a day of a month: "{d}", "{d} of {month}", "{month} {d}"
    ordinals: tuple[str, ...] = ()  # endings of a day number ("st", "th", "일")
    currency: tuple[str, ...] = ()  # words that make a number an amount ("dollars", "$")
    dontcare: tuple[str, ...] = ()  # a whole value that says "no preference"
    booleans: Pairs = ()  # word -> "true" | "false", for yes/no slots
    times: TimeWords = TimeWords()

    def merged(self, other: Words) -> Words:
        """These words extended by ``other``'s; per-day and per-month names join by position."""
        joined = {
            f.name: getattr(self, f.name) + getattr(other, f.name)
            for f in fields(Words)
            if f.name not in ("bounded", "days", "months", "times")
        }
        return Words(
            bounded=self.bounded and other.bounded,
            days=_by_position(self.days, other.days),
            months=_by_position(self.months, other.months),
            times=self.times.merged(other.times),
            **joined,
        )


@dataclass(frozen=True)
class Lexicon:
    """Cue name -> the phrases of every language the pack reads, the structured words, and the
    reply templates of the pack's first language. Empty: no cue ever matches."""

    languages: tuple[str, ...] = ()
    cues: tuple[tuple[str, tuple[Phrases, ...]], ...] = ()
    terms: Words = field(default_factory=Words)  # structured words (numbers, days, times)
    templates: Pairs = ()  # reply piece -> format string (agent.reply.templates), first language's
    labels: Pairs = ()  # slot short name -> how a reply names it ("bookday" -> "the day")
    # per language, the regex character class of its letters ("a-z", "가-힣"): a reply in none
    # of them is in another language (agent.reply.grounding); empty: not checked
    letters: tuple[str, ...] = ()

    def phrases(self, cue: str) -> tuple[Phrases, ...]:
        return next((found for name, found in self.cues if name == cue), ())

    def pattern(self, cue: str, *, at_start: bool = False) -> re.Pattern[str]:
        """A regex that finds the cue's phrases in lower-cased text (``at_start``: only as the
        text's first words, after any punctuation)."""
        return _compile(self.phrases(cue), at_start)

    def words(self, cue: str) -> frozenset[str]:
        """Every word of the cue's phrases (for "does this turn hold only these words?")."""
        return frozenset(w for group in self.phrases(cue) for p in group.phrases for w in p.split())

    def template(self, piece: str) -> str:
        """The format string of a reply piece, or '' if the lexicon has none."""
        return next((text for name, text in self.templates if name == piece), "")

    def label(self, short: str) -> str:
        return next((text for name, text in self.labels if name == short), "")

    def merged(self, other: Lexicon) -> Lexicon:
        """This lexicon's cues and words extended by ``other``'s (languages in order, no
        repeats); templates and labels: this lexicon's first, ``other``'s for what it lacks."""
        names = [name for name, _ in self.cues]
        names += [name for name, _ in other.cues if name not in names]
        cues = tuple((name, self.phrases(name) + other.phrases(name)) for name in names)
        languages = tuple(dict.fromkeys((*self.languages, *other.languages)))
        return replace(
            self,
            languages=languages,
            cues=cues,
            terms=self.terms.merged(other.terms) if self.languages else other.terms,
            templates=_first_wins(self.templates, other.templates),
            labels=_first_wins(self.labels, other.labels),
            letters=tuple(dict.fromkeys((*self.letters, *other.letters))),
        )

    def with_detached(self, text: str) -> str:
        """``text``, then (on a line of its own) the same text with the endings of the
        ``particles`` cue set off as words ("신촌이에요" also as "신촌 이에요"), for languages whose
        endings attach to the word; both readings, because a value may itself end like a
        particle (떡볶이). Unchanged where the lexicon has no particles."""
        endings = tuple(p for group in self.phrases("particles") for p in group.phrases)
        if not endings:
            return text
        detached = _endings_pattern(endings).sub(r"\1 \2", text)
        return text if detached == text else f"{text}\n{detached}"

    def share_in_language(self, text: str) -> float | None:
        """The share of ``text``'s letters that are letters of the lexicon's languages (None
        when the lexicon names no letters or the text has none)."""
        if not self.letters:
            return None
        letters = [c for c in text.lower() if c.isalpha()]
        if not letters:
            return None
        own = _letters_pattern(self.letters)
        return sum(1 for c in letters if own.match(c)) / len(letters)


def _first_wins(mine: Pairs, theirs: Pairs) -> Pairs:
    have = {name for name, _ in mine}
    return mine + tuple(pair for pair in theirs if pair[0] not in have)


def _by_position(
    mine: tuple[tuple[str, ...], ...], theirs: tuple[tuple[str, ...], ...]
) -> tuple[tuple[str, ...], ...]:
    longest = max(len(mine), len(theirs))
    padded = [(*mine, *[()] * (longest - len(mine))), (*theirs, *[()] * (longest - len(theirs)))]
    return tuple(a + b for a, b in zip(*padded, strict=True))


@lru_cache(maxsize=32)
def _endings_pattern(endings: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted(set(endings), key=len, reverse=True)
    body = "|".join(map(re.escape, ordered))
    return re.compile(rf"(\w)({body})(?=[^\w]|$)")


@lru_cache(maxsize=32)
def _letters_pattern(classes: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("[" + "".join(classes) + "]")


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
