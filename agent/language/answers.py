"""Yes or no? Reading the user's answer to a confirmation question with the pack's lexicon
(cues ``yes``, ``no`` and ``answer``; see ``agent.language.lexicon``).

Deliberately conservative: any sign of hesitation is a "no", so an ambiguous turn never books.
"""

from __future__ import annotations

import re
from enum import StrEnum

from agent.language.lexicon import Lexicon


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    NONE = "none"


_YES_WITHIN = 2  # words allowed before the yes: "oh yes", "that's fine", "that sounds good"
_WORD = re.compile(r"[\w']+")


def confirmation(text: str, lexicon: Lexicon) -> Answer:
    """Yes or no to a confirmation question. Any hesitation counts as no: "no", "actually…",
    "wait" win over a "yes" in the same turn, so an ambiguous answer never books."""
    lowered = _folded(text)
    if lexicon.pattern("no").search(lowered):
        return Answer.NO
    found = lexicon.pattern("yes").search(lowered)
    if found is None or len(_WORD.findall(lowered[: found.start()])) > _YES_WITHIN:
        return Answer.NONE  # "any price range is fine" is not a yes to a booking
    return Answer.YES


def pure_answer(text: str, lexicon: Lexicon) -> Answer:
    """A turn that only says yes or no ("Yes please.", "no thanks"), with nothing to track."""
    words = _WORD.findall(_folded(text))
    allowed = lexicon.words("answer")
    if not words or any(w not in allowed for w in words):
        return Answer.NONE
    return confirmation(text, lexicon)


def _folded(text: str) -> str:
    return text.lower().replace("’", "'")
