"""Slot values in one canonical form, the MultiWOZ way, so that "7pm", "7:00 p.m." and "19.00"
compare equal, and "저녁 6시" is 18:00.

Rules: lower case, single spaces, no surrounding punctuation; times ``HH:MM`` (24 h); a number
word becomes digits ("two" -> "2", "두 명" -> "2" in a number slot); a day's other names become
the slot's own ("fri" -> "friday", "토욜" -> "토요일"); the ways of saying "no preference"
become ``dontcare``; a categorical slot snaps to its closest allowed value. Every rule maps its
own output to itself, so normalizing twice changes nothing, and nothing here raises: a value no
rule recognises only loses case and stray whitespace.

The mechanisms live here; the words (number words, day and month names, time expressions, dontcare
phrases) are the pack's lexicon's (:class:`agent.language.lexicon.Words`). A caller without a
lexicon (or with an empty one) gets the shipped English lexicon (:func:`fallback_lexicon`). What a
slot holds is its declared kind (:attr:`agent.domain.SlotSpec.kind`), never its name.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any, TypeVar

from agent.domain import DONTCARE, SlotSpec
from agent.language.lexicon import Clock, Lexicon, TimeWords, Words

_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = " \t\n.,;:!?\"'`()[]{}"
_DIGITS = re.compile(r"^(?P<h>\d{1,2})(?:(?P<sep>[:.])(?P<min>\d{2}))?$")
_TIME_SLOT = re.compile(r"time|leaveat|arriveby|leave_at|arrive_by")
_AMOUNT = re.compile(r"^(?P<n>\d[\d,]*(?:\.\d+)?)$")
_T = TypeVar("_T")
_DERIVED: dict[tuple[str, int, int], tuple[object, object, Any]] = {}


def _derived(name: str, owner: object, build: Callable[[], _T], other: object = None) -> _T:
    """What ``build`` makes of ``owner`` (and ``other``), made once per object: a pack's words
    are read on every turn, and hashing them on every call would cost more than the rule."""
    key = (name, id(owner), id(other))
    hit = _DERIVED.get(key)
    if hit is not None and hit[0] is owner and hit[1] is other:
        result: _T = hit[2]
        return result
    if len(_DERIVED) > 4096:
        _DERIVED.clear()
    value = build()
    _DERIVED[key] = (owner, other, value)
    return value


def _numbers(words: Words) -> dict[str, int]:
    return _derived("numbers", words, lambda: dict(words.numbers))


@lru_cache(maxsize=1)
def fallback_lexicon() -> Lexicon:
    """The lexicon of a caller that has none: the shipped English one (``prompts/lexicons``)."""
    from prompts.packs._lexicon import language_lexicon  # noqa: PLC0415 (prompts imports us)

    return language_lexicon("en")


def terms(lexicon: Lexicon | None) -> Words:
    """The structured words to read: the lexicon's, or the fallback's if it has none."""
    if lexicon is None or not lexicon.languages:
        return fallback_lexicon().terms
    return lexicon.terms


class _FallbackNumbers(Mapping[str, int]):
    """The fallback lexicon's number words, read when first used (for callers without one)."""

    def _words(self) -> dict[str, int]:
        return _numbers(terms(None))

    def __getitem__(self, word: str) -> int:
        return self._words()[word]

    def __iter__(self) -> Iterator[str]:
        return iter(self._words())

    def __len__(self) -> int:
        return len(self._words())


NUMBER_WORDS: Mapping[str, int] = _FallbackNumbers()


def normalize_value(
    slot: str, value: str, spec: SlotSpec | None = None, *, lexicon: Lexicon | None = None
) -> str:
    """The canonical form of ``value`` for ``slot`` (see the module docstring); ``spec`` gives
    the slot's kind and values, ``lexicon`` the words (the pack's: ``schema.lexicon``)."""
    words = terms(lexicon)
    text = _clean(value)
    dontcare = _derived("dontcare", words, lambda: frozenset(words.dontcare))
    if text in dontcare:
        return DONTCARE
    text = _canonical(text, spec, words)
    if text in dontcare:
        return DONTCARE
    if spec is not None and spec.categorical and spec.values:
        return snap_categorical(text, spec, lexicon=lexicon)
    return text


def snap_categorical(value: str, spec: SlotSpec, *, lexicon: Lexicon | None = None) -> str:
    """The allowed value of ``spec`` closest to ``value`` (already normalized), or dontcare."""
    if value == DONTCARE:
        return DONTCARE
    words = terms(lexicon)
    allowed = allowed_values(spec, lexicon=lexicon)
    if value in allowed:
        return value
    synonym = _derived("booleans", words, lambda: dict(words.booleans)).get(value)
    if synonym in allowed:
        return synonym or value
    counted = _counted(value, words)
    if counted is not None and str(counted) in allowed:
        return str(counted)  # "두 명", "two people": the number of a number slot
    contained = [a for a in allowed if re.search(rf"\b{re.escape(a)}\b", value)]
    if contained:
        return max(contained, key=len)
    close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.0)
    return close[0] if close else allowed[0]


def allowed_values(spec: SlotSpec, *, lexicon: Lexicon | None = None) -> list[str]:
    """The normalized allowed values of a categorical slot, in schema order, without repeats."""
    words = terms(lexicon)

    def build() -> list[str]:
        values = (_canonical(_clean(v), spec, words) for v in spec.values)
        return list(dict.fromkeys(v for v in values if v and v != DONTCARE))

    return list(_derived("allowed", spec, build, words))


def is_time_slot(slot: str | SlotSpec | None) -> bool:
    """Whether the slot holds a time: its kind; for a bare name (callers without the spec) a
    guess from the name, as MultiWOZ and SGD spell time slots."""
    if isinstance(slot, SlotSpec):
        return slot.kind == "time"
    return slot is not None and bool(_TIME_SLOT.search(slot.lower()))


def parse_number(word: str, lexicon: Lexicon | None = None) -> int | None:
    """The number ``word`` says: digits, a number word, or a tens word then a unit word
    ("twenty five", "twenty-five", "스물다섯", "이십오"); ``None`` otherwise."""
    return _number(word.strip().lower(), terms(lexicon))


def _clean(value: str) -> str:
    text = _SPACES.sub(" ", str(value).lower().replace("’", "'"))
    return text.strip(_EDGE_PUNCTUATION)


def _canonical(text: str, spec: SlotSpec | None, words: Words) -> str:
    kind = spec.kind if spec is not None else ""
    numeric = kind in ("number", "time") or spec is None or _digit_values(spec)
    if numeric and (number := _numbers(words).get(text)) is not None:
        text = str(number)
    time = parse_time(text, bare_numbers=kind == "time", words=words)
    if time is not None:
        return time
    if kind == "number" and (counted := _counted(text, words)) is not None:
        return str(counted)
    if kind == "date":
        day = _day(text, words, spec)
        return day if day != text or _day_index(text, words) is not None else _date(text, words)
    return _money(text, words, kind == "number")


def _digit_values(spec: SlotSpec) -> bool:
    return spec.categorical and bool(spec.values) and all(v.isdigit() for v in spec.values)


def _counted(text: str, words: Words) -> int | None:
    """The number at the start of a count: "2 people", "two nights", "두 명", "두명"."""
    first, _, rest = text.partition(" ")
    if (number := _number(first, words)) is not None and (not rest or rest in words.counters):
        return number
    if words.bounded:
        return None
    for counter in words.counters:  # endings attach: 두명
        if text.endswith(counter) and (number := _number(text[: -len(counter)], words)):
            return number
    return None


def _number(word: str, words: Words) -> int | None:
    if word.isascii() and word.isdigit():
        return int(word)
    known = _numbers(words)
    if word in known:
        return known[word]
    for split in range(1, len(word)):  # a tens word, then a unit word
        tens, unit = word[:split].rstrip(" -"), word[split:].lstrip(" -")
        parted = word[split - 1] in " -" or not words.bounded
        if parted and tens in known and unit in known and _adds_up(known[tens], known[unit]):
            return known[tens] + known[unit]
    return None


def _adds_up(tens: int, unit: int) -> bool:
    return tens >= 10 and tens % 10 == 0 and 0 < unit < 10


# --------------------------------------------------------------------------- days, dates, money


def _day_index(text: str, words: Words) -> int | None:
    return next((i for i, names in enumerate(words.days) if text in names), None)


def _day(text: str, words: Words, spec: SlotSpec | None) -> str:
    """A day's canonical name: the slot's own value for that day if it has one ("fri" ->
    friday, "토욜" -> 토요일), after the words before a day ("on", "next")."""
    stripped = _strip_lead(text, words.day_lead, words.bounded)
    index = _day_index(stripped, words)
    if index is None:
        return text
    names = words.days[index]
    own = [v for v in (_clean(v) for v in (spec.values if spec else ())) if v in names]
    return own[0] if own else names[0]


def _date(text: str, words: Words) -> str:
    """A date said either way the same: "the 11th" = "11th of this month" (``day 11``),
    "March 4th" = "4th of March" (``march 4``); anything else as it is ("tomorrow")."""
    for pattern in _derived("dates", words, lambda: _date_patterns(words)):
        if match := pattern.match(text):
            day = int(match["d"])
            if "month" not in match.groupdict() or match["month"] is None:
                return f"day {day}"
            month = next(names[0] for names in words.months if match["month"] in names)
            return f"{month} {day}"
    return text


def _date_patterns(words: Words) -> tuple[re.Pattern[str], ...]:
    ordinal = _alternatives(words.ordinals)
    day = rf"(?P<d>\d{{1,2}})(?:{ordinal})?" if words.ordinals else r"(?P<d>\d{1,2})"
    months = _alternatives(tuple(name for names in words.months for name in names))
    out = []
    for say in words.dates:
        if "{month}" in say and not words.months:
            continue
        body = _template(say, {"d": day, "month": f"(?P<month>{months})"}, words.bounded)
        out.append(re.compile(f"^{body}$"))
    return tuple(out)


def _money(text: str, words: Words, numeric: bool) -> str:
    """An amount of money as a plain number: "$1,700" = "1,700 dollars" = ``1700``; a bare
    number with commas only in a number slot."""
    core, marked = text, False
    for unit in sorted(words.currency, key=len, reverse=True):
        if core.startswith(unit) and unit and not unit[0].isalpha():
            core, marked = core[len(unit) :].strip(), True
        elif core.endswith(unit):
            core, marked = core[: -len(unit)].strip(), True
    match = _AMOUNT.match(core)
    if match is None or not (marked or numeric):
        return text
    number = match["n"].replace(",", "")
    return number.removesuffix(".00") if "." in number else number


# --------------------------------------------------------------------------- times


def parse_time(
    text: str,
    *,
    bare_numbers: bool = False,
    lexicon: Lexicon | None = None,
    words: Words | None = None,
) -> str | None:
    """``HH:MM`` for a spoken or written time in lower-cased ``text``, or ``None`` if it is
    not one. Digits ("18:00", "7.30", "7pm") and the lexicon's time words ("half past six in
    the evening", "저녁 6시", "정오"). A bare number ("7", "18.00") only counts as a time when
    ``bare_numbers`` (a time slot); a spoken clock needs a word for the half of the day
    unless the lexicon says it stands alone ("six o'clock", "6시")."""
    words = words or terms(lexicon)
    times = words.times
    named = _derived("named", times, lambda: dict(times.named))
    core = _strip_trail(_strip_lead(text.strip(), times.lead, words.bounded), times, words)
    if (found := named.get(text.strip(), named.get(core))) is not None:
        return found
    core, half = _half(core, times, words.bounded)
    if (digits := _DIGITS.match(core)) is not None:
        return _from_digits(digits, half, bare_numbers)
    return _from_clocks(core, half, words)


def _from_digits(match: re.Match[str], half: str, bare_numbers: bool) -> str | None:
    hour, minute = int(match["h"]), int(match["min"] or 0)
    if not half and not bare_numbers and (not match["min"] or match["sep"] == "."):
        return None
    return _hhmm(hour, minute, half)


def _from_clocks(core: str, half: str, words: Words) -> str | None:
    hour_only = _number(core, words)
    if hour_only is not None:
        return _hhmm(hour_only, 0, half) if half else None
    for clock, pattern in _derived("clocks", words, lambda: _clock_patterns(words)):
        match = pattern.match(core)
        if match is None or not (half or clock.alone):
            continue
        hour = _number(match["h"], words)
        minute = _number(match["m"], words) if "m" in match.groupdict() else 0
        if hour is None or minute is None or minute > 59:
            return None
        if clock.minutes < 0:
            hour, minute = (hour - 1) % 24, 60 + clock.minutes
        return _hhmm(hour, minute + max(clock.minutes, 0), half)
    return None


def _clock_patterns(words: Words) -> tuple[tuple[Clock, re.Pattern[str]], ...]:
    number = rf"\d{{1,2}}|{_alternatives(tuple(w for w, _ in words.numbers))}"
    slots = {"h": f"(?P<h>{number})", "m": f"(?P<m>{number})"}
    return tuple(
        (clock, re.compile(f"^{_template(clock.say, slots, words.bounded)}$"))
        for clock in words.times.clocks
    )


def _half(text: str, times: TimeWords, bounded: bool) -> tuple[str, str]:
    """``text`` without its word for the half of the day, and that half ("am", "pm" or "")."""
    after, before = _derived("halves", times, lambda: _half_patterns(times, bounded), bounded)
    if (match := after.search(text)) is not None:
        halves = _derived("after", times, lambda: dict(times.after))
        return text[: match.start()].strip(), halves[_spaced(match["w"])]
    if (match := before.search(text)) is not None:
        halves = _derived("before", times, lambda: dict(times.before))
        return text[match.end() :].strip(), halves[_spaced(match["w"])]
    return text, ""


def _half_patterns(times: TimeWords, bounded: bool) -> tuple[re.Pattern[str], re.Pattern[str]]:
    after = _alternatives(tuple(w for w, _ in times.after))
    before = _alternatives(tuple(w for w, _ in times.before))
    gap = r"\s+" if bounded else r"\s*"
    return (
        re.compile(rf"(?:^|\s+|(?<=\d))(?P<w>{after})$") if times.after else re.compile(r"(?!)"),
        re.compile(rf"^(?P<w>{before}){gap}") if times.before else re.compile(r"(?!)"),
    )


def _strip_lead(text: str, lead: tuple[str, ...], bounded: bool) -> str:
    for word in sorted(lead, key=len, reverse=True):
        if text.startswith(f"{word} ") or (not bounded and text.startswith(word)):
            return text[len(word) :].strip()
    return text


def _strip_trail(text: str, times: TimeWords, words: Words) -> str:
    for ending in sorted(times.trail, key=len, reverse=True):
        if text.endswith(ending) and len(text) > len(ending):
            cut = text[: -len(ending)]
            if not words.bounded or cut.endswith(" "):
                return cut.strip()
    return text


def _hhmm(hour: int, minute: int, half: str) -> str | None:
    if half == "pm" and hour < 12:
        hour += 12
    elif half == "am" and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return f"{hour:02d}:{minute:02d}"


# --------------------------------------------------------------------------- patterns


def _alternatives(phrases: tuple[str, ...]) -> str:
    """A regex alternation of ``phrases``, longest first, spaces matching any whitespace."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, p.split())) for p in ordered if p) or r"(?!)"


def _template(say: str, slots: Mapping[str, str], bounded: bool) -> str:
    """A regex for a ``say`` template: ``{name}`` parts from ``slots``, the rest literal; in a
    language whose endings attach, a space may be left out or put in anywhere between parts."""
    parts = re.split(r"(\{\w+\})", say)
    gap = r"\s+" if bounded else r"\s*"
    out = []
    for part in parts:
        if part.startswith("{") and part.endswith("}"):
            out.append(slots[part[1:-1]])
        elif part:
            words = [re.escape(w) for w in part.split()]
            lead = gap if part[0].isspace() else ("" if bounded else r"\s*")
            tail = gap if part[-1].isspace() else ("" if bounded else r"\s*")
            out.append(lead + gap.join(words) + tail if words else gap)
    return "".join(out)


def _spaced(text: str) -> str:
    return _SPACES.sub(" ", text)
