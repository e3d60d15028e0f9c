"""Yes or no? Reading the user's answer to a confirmation question with a small lexicon.

Deliberately conservative: any sign of hesitation is a "no", so an ambiguous turn never books.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    NONE = "none"


_NO = re.compile(
    r"\b(no|nope|nah|not|don'?t|do not|cancel|wait|actually|hold on|stop|never ?mind|change|"
    r"instead|wrong|rather)\b|아니|아뇨|취소"
)
_YES = re.compile(
    r"\b(yes|yeah|yep|yup|sure|ok|okay|alright|all right|go ahead|confirm(ed)?|correct|right|"
    r"perfect|great|absolutely|definitely|of course|sounds good|that works|fine|please do|"
    r"book it|do it|go for it|reserve it|please book|make the booking|lovely)\b|네|예|응|좋아"
)


_YES_WITHIN = 2  # words allowed before the yes: "oh yes", "that's fine", "that sounds good"


def confirmation(text: str) -> Answer:
    """Yes or no to a confirmation question. Any hesitation counts as no: "no", "actually…",
    "wait" win over a "yes" in the same turn, so an ambiguous answer never books."""
    lowered = text.lower().replace("’", "'")
    if _NO.search(lowered):
        return Answer.NO
    found = _YES.search(lowered)
    if found is None or len(re.findall(r"[\w']+", lowered[: found.start()])) > _YES_WITHIN:
        return Answer.NONE  # "any price range is fine" is not a yes to a booking
    return Answer.YES


_ANSWER_TEXT = """
yes yeah yep yup sure ok okay alright all right please do it go ahead book confirm confirmed
correct right that that's thats is fine perfect great sounds good thanks thank you absolutely
definitely of course lovely works let's lets for me no nope nah not don't dont cancel wait oh
well 네 예 응 좋아요 좋아 아니요 아니 아뇨 감사합니다
"""
_ANSWER_WORDS = frozenset(_ANSWER_TEXT.split())


def pure_answer(text: str) -> Answer:
    """A turn that only says yes or no ("Yes please.", "no thanks"), with nothing to track."""
    words = re.findall(r"[\w']+", text.lower().replace("’", "'"))
    if not words or any(w not in _ANSWER_WORDS for w in words):
        return Answer.NONE
    return confirmation(text)
