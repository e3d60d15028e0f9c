"""Snippets for search hits, built in Python from the few turns shown.

FTS5's ``snippet()`` has to walk the whole match list again for every row it decorates, which
cost more than the search itself for common words; the shown rows are few, so marking the query
words here is both cheaper and the same on every backend without a highlighter of its own.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+", re.UNICODE)


def _stem(word: str) -> str:
    """A crude stand-in for the index's stemmer: 'restaurants' matches 'restaurant'."""
    word = word.lower()
    return word[: max(4, len(word) - 3)] if len(word) > 4 else word


def snippet(text: str, query: str, width: int = 12) -> str:
    """About ``width`` words around the first match, query words in [brackets], … at cuts."""
    stems = {_stem(word) for word in _WORD.findall(query)}
    words = list(_WORD.finditer(text))
    hits = [i for i, m in enumerate(words) if any(m.group().lower().startswith(s) for s in stems)]
    if not words:
        return text[:80]
    first = hits[0] if hits else 0
    start = max(0, min(first - width // 3, len(words) - width))
    end = min(len(words), start + width)
    begin_at = words[start].start() if start else 0
    end_at = words[end - 1].end() if end < len(words) else len(text)
    pieces, cursor = [], begin_at
    for index in (i for i in hits if start <= i < end):
        match = words[index]
        pieces += [text[cursor : match.start()], f"[{match.group()}]"]
        cursor = match.end()
    pieces.append(text[cursor:end_at])
    body = " ".join("".join(pieces).split())
    return ("…" if start else "") + body + ("…" if end < len(words) else "")
