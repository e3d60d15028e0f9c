"""The words of a language that the tracker's candidate rules read, taken from the lexicon.

:mod:`agent.tracking.candidates` and :mod:`agent.tracking.state_grammar` hold mechanisms (a span
made only of chatter is no value; a slot set before may be dropped only after a word that drops
something); which words those are is the language's, in the lexicon files' cues
(``prompts/lexicons/*.yaml``):

=================  ==========================================================================
cue                read as
=================  ==========================================================================
``drop``           words that drop a slot set before ("forget", "no longer")
``chatter``        words of requests and chatter that are never a value ("looking", "please")
``schema_stop``    words too common in schema descriptions to say which service a turn is about
``ask_stop``       words of slot and intent descriptions that say nothing a question asks
``intent_stop``    more of those, for intent names and descriptions
``ask``            words that make a turn a question ("what", "can i get")
``article``        articles no value starts or ends with ("a", "an")
``name_article``   an article a name may be said with or without ("the golden curry")
``route``          words before a trip's end ("from", "to")
``number_is_time`` words right after a number that make it a time, not a count ("pm", "시")
``function_word``  words no free-text span starts or ends with (agent.tracking.state_grammar)
=================  ==========================================================================

Stdlib only; one :class:`CandidateWords` per lexicon object, cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.language.lexicon import Lexicon


@dataclass(frozen=True)
class CandidateWords:
    """One lexicon's candidate-rule words (lower case), and the lexicon itself for its
    structured words (numbers, dates, times: agent.language.normalize)."""

    lexicon: Lexicon
    drop: re.Pattern[str]
    ask: re.Pattern[str]
    chatter: frozenset[str]
    schema_stop: frozenset[str]
    ask_stop: frozenset[str]
    intent_stop: frozenset[str]
    article: frozenset[str]
    name_article: tuple[str, ...]
    route: str  # a regex alternation of the route words; "" when the language has none
    # a regex alternation, each language's words ending a word where its words are bounded
    # ("6 pm" but not "6 amazing"; "6시에"); "" when no language has any
    number_is_time: str
    function_word: frozenset[str]

    def bare(self, name: str) -> str:
        """``name`` in lower case without a leading name article ("the golden curry" →
        "golden curry")."""
        lowered = name.lower()
        for article in self.name_article:
            if lowered.startswith(f"{article} "):
                return lowered[len(article) + 1 :]
        return lowered


_MADE: dict[int, tuple[Lexicon, CandidateWords]] = {}


def candidate_words(lexicon: Lexicon) -> CandidateWords:
    """The candidate-rule words of ``lexicon`` (every language it reads), made once per
    lexicon object: hashing a whole lexicon on every turn would cost more than the rules."""
    made = _MADE.get(id(lexicon))
    if made is not None and made[0] is lexicon:
        return made[1]
    if len(_MADE) > 64:
        _MADE.clear()
    words = _build(lexicon)
    _MADE[id(lexicon)] = (lexicon, words)
    return words


def _build(lexicon: Lexicon) -> CandidateWords:
    return CandidateWords(
        lexicon=lexicon,
        drop=lexicon.pattern("drop"),
        ask=lexicon.pattern("ask"),
        chatter=lexicon.words("chatter"),
        schema_stop=lexicon.words("schema_stop"),
        ask_stop=lexicon.words("ask_stop"),
        intent_stop=lexicon.words("intent_stop"),
        article=lexicon.words("article"),
        name_article=tuple(sorted(_phrases(lexicon, "name_article"), key=len, reverse=True)),
        route=_alternation(_phrases(lexicon, "route")),
        number_is_time=_bounded_alternation(lexicon, "number_is_time"),
        function_word=lexicon.words("function_word"),
    )


def _phrases(lexicon: Lexicon, cue: str) -> list[str]:
    return list(dict.fromkeys(p for group in lexicon.phrases(cue) for p in group.phrases))


def _bounded_alternation(lexicon: Lexicon, cue: str) -> str:
    parts = []
    for group in lexicon.phrases(cue):
        if group.phrases:
            edge = r"\b" if group.bounded else ""
            parts.append(f"(?:{_alternation(list(group.phrases))}){edge}")
    return "|".join(parts)


def _alternation(phrases: list[str]) -> str:
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, p.split())) for p in ordered)
