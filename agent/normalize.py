"""Slot values in one canonical form, the MultiWOZ way, so that "7pm", "7:00 p.m." and "19.00"
compare equal.

Rules: lower case, single spaces, no surrounding punctuation; times ``HH:MM`` (24 h); a value
that is only a number word becomes digits ("two" -> "2"); day abbreviations become full names
("fri" -> "friday"); the ways of saying "no preference" become ``dontcare``; a categorical slot
snaps to its closest allowed value. Every rule maps its own output to itself, so normalizing
twice changes nothing, and nothing here raises: a value no rule recognises only loses case and
stray whitespace.
"""

from __future__ import annotations

import difflib
import re

from agent.domain import DONTCARE, SlotSpec

_DONTCARE = frozenset(
    {
        "dontcare",
        "don't care",
        "dont care",
        "do not care",
        "do n't care",
        "any",
        "anything",
        "anywhere",
        "any time",
        "anytime",
        "either",
        "either one",
        "whatever",
        "no preference",
        "doesn't matter",
        "does not matter",
        "it doesn't matter",
        "not important",
        "i don't care",
    }
)
_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
NUMBER_WORDS: dict[str, int] = {word: n for n, word in enumerate(_UNITS)} | _TENS
_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_DAY_ABBREVIATIONS = {
    **{day[:3]: day for day in _DAYS},
    "tues": "tuesday",
    "thur": "thursday",
    "thurs": "thursday",
    "weds": "wednesday",
}
_BOOLEANS = {"yes": "true", "yeah": "true", "no": "false", "nope": "false"}
_DAY_PREFIX = re.compile(r"^(?:(?:on|this|next) )+")
_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = " \t\n.,;:!?\"'`()[]{}"
_TIME_SLOT = re.compile(r"time|leaveat|arriveby|leave_at|arrive_by")


def normalize_value(slot: str, value: str, spec: SlotSpec | None = None) -> str:
    """The canonical form of ``value`` for ``slot`` (see the module docstring)."""
    text = _clean(value)
    if text in _DONTCARE:
        return DONTCARE
    text = _canonical(slot.lower(), text)
    if text in _DONTCARE:
        return DONTCARE
    if spec is not None and spec.categorical and spec.values:
        return snap_categorical(text, spec)
    return text


def snap_categorical(value: str, spec: SlotSpec) -> str:
    """The allowed value of ``spec`` closest to ``value`` (already normalized), or dontcare."""
    if value == DONTCARE:
        return DONTCARE
    allowed = allowed_values(spec)
    if value in allowed:
        return value
    synonym = _BOOLEANS.get(value)
    if synonym in allowed:
        return synonym
    contained = [a for a in allowed if re.search(rf"\b{re.escape(a)}\b", value)]
    if contained:
        return max(contained, key=len)
    close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.0)
    return close[0] if close else allowed[0]


def allowed_values(spec: SlotSpec) -> list[str]:
    """The normalized allowed values of a categorical slot, in schema order, without repeats."""
    values = (_canonical(spec.name.lower(), _clean(v)) for v in spec.values)
    return list(dict.fromkeys(v for v in values if v and v != DONTCARE))


def is_time_slot(slot: str) -> bool:
    return bool(_TIME_SLOT.search(slot.lower()))


def _clean(value: str) -> str:
    text = _SPACES.sub(" ", str(value).lower().replace("’", "'"))
    return text.strip(_EDGE_PUNCTUATION)


def _canonical(slot: str, text: str) -> str:
    if text in NUMBER_WORDS:
        text = str(NUMBER_WORDS[text])
    time = parse_time(text, bare_numbers=is_time_slot(slot))
    if time is not None:
        return time
    if "date" in slot:
        return _date(text)
    if "day" in slot:
        return _day(text)
    return _money(slot, text)


_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_ORDINAL = r"(?:the )?(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_MONTH = rf"(?P<m>{'|'.join(m[:3] + '[a-z]*' for m in _MONTHS)})"
_DAY_OF_MONTH = re.compile(rf"^{_ORDINAL}(?: of (?:this|the) month)?$")
_DAY_MONTH = re.compile(rf"^{_ORDINAL} of {_MONTH}$")
_MONTH_DAY = re.compile(rf"^{_MONTH} {_ORDINAL}$")
_MONEY = re.compile(
    r"^(?P<dollar>\$ ?)?(?P<n>\d[\d,]*(?:\.\d+)?)(?P<unit> ?(?:dollars|bucks|usd))?$"
)
_MONEY_SLOT = re.compile(r"amount|price|cost|fare|balance")


def _date(text: str) -> str:
    """A date said either way the same: "the 11th" = "11th of this month" (``day 11``),
    "March 4th" = "4th of March" (``march 4``); anything else as it is ("tomorrow")."""
    if match := _DAY_OF_MONTH.match(text):
        return f"day {int(match['d'])}"
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        if match := pattern.match(text):
            month = next((m for m in _MONTHS if m.startswith(match["m"][:3])), "")
            if month and match["m"] in (month, month[:3]):
                return f"{month} {int(match['d'])}"
    return text


def _money(slot: str, text: str) -> str:
    """An amount of money as a plain number: "$1,700" = "1,700 dollars" = ``1700``."""
    match = _MONEY.match(text)
    if match is None or not (match["dollar"] or match["unit"] or _MONEY_SLOT.search(slot)):
        return text
    number = match["n"].replace(",", "")
    return number.removesuffix(".00") if "." in number else number


def _day(text: str) -> str:
    text = _DAY_PREFIX.sub("", text)
    return _DAY_ABBREVIATIONS.get(text, text)


# --------------------------------------------------------------------------- times

_MERIDIEM = r"(?P<m>a\.?\s?m\.?|p\.?\s?m\.?)"
_CLOCK = re.compile(
    r"^(?:at |around |by |after |before )?(?P<h>\d{1,2})(?:[:.](?P<min>\d{2}))?\s*"
    rf"{_MERIDIEM}?$"
)
_PART_OF_DAY = re.compile(
    r"\s*(?:in the (?P<pm>afternoon|evening)|in the (?P<am>morning)|at (?P<night>night)|"
    r"tonight|(?P<oclock>o'?clock))$"
)
_NUMBER = r"(?P<h>\d{1,2}|[a-z]+)"


def parse_time(text: str, *, bare_numbers: bool = False) -> str | None:
    """``HH:MM`` for a spoken or written time, or ``None`` if ``text`` is not one.

    A bare number ("7", "18.00") only counts as a time when ``bare_numbers`` (a time slot).
    """
    named = {"noon": "12:00", "midday": "12:00", "midnight": "00:00"}.get(text)
    if named:
        return named
    if (clock := _CLOCK.match(text)) is not None:
        return _from_clock(clock, bare_numbers)
    return _from_words(text)


def _from_clock(match: re.Match[str], bare_numbers: bool) -> str | None:
    hour, minute, meridiem = int(match["h"]), int(match["min"] or 0), match["m"]
    if not meridiem and not match["min"] and not bare_numbers:
        return None
    if not meridiem and match["min"] and "." in match.group(0) and not bare_numbers:
        return None
    return _hhmm(hour, minute, meridiem[0] if meridiem else "")


def _from_words(text: str) -> str | None:
    part = _PART_OF_DAY.search(text)
    meridiem = ""
    if part is not None:
        meridiem = "p" if part["pm"] or part["night"] or "tonight" in part.group(0) else ""
        meridiem = "a" if part["am"] else meridiem
        text = text[: part.start()].strip()
    elif (tail := re.search(rf"\s*{_MERIDIEM}$", text)) is not None:
        meridiem, text = tail["m"][0], text[: tail.start()].strip()
    hour_minute = _spoken_clock(text)
    if hour_minute is None or (part is None and not meridiem):
        return None
    return _hhmm(hour_minute[0], hour_minute[1], meridiem)


def _spoken_clock(text: str) -> tuple[int, int] | None:
    """(hour, minute) for "half past six", "quarter to 8", "seven thirty", "6"."""
    for prefix, minute, shift in (
        ("half past ", 30, 0),
        ("quarter past ", 15, 0),
        ("quarter to ", 45, -1),
    ):
        if text.startswith(prefix):
            hour = _number(text[len(prefix) :])
            return None if hour is None else ((hour + shift) % 24, minute)
    words = text.split()
    if len(words) == 2 and (first := _number(words[0])) is not None:
        second = _number(words[1])
        return None if second is None or second > 59 else (first, second)
    if ":" in text or "." in text:
        clock = _CLOCK.match(text)
        return (int(clock["h"]), int(clock["min"] or 0)) if clock else None
    hour = _number(text)
    return None if hour is None else (hour, 0)


def _number(word: str) -> int | None:
    if word.isascii() and word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word)


def _hhmm(hour: int, minute: int, meridiem: str) -> str | None:
    if meridiem == "p" and hour < 12:
        hour += 12
    elif meridiem == "a" and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return f"{hour:02d}:{minute:02d}"
