"""A small Okapi BM25 index: documents tokenized once, an inverted index of numpy arrays.

Retrieval runs on every user turn over a bank of ~100k SGD train turns, inside a 20 ms budget;
``rank_bm25`` rescores every document per query, which is far too slow for that. Here each term
keeps its postings (document ids and precomputed BM25 weights), so a query only touches the
documents that share a term with it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

_WORD = re.compile(r"[a-z0-9]+")

# Words that occur in most turns carry no signal for choosing an exemplar.
_STOPWORDS = (
    "a an the and or to of in on at for is are was be i you me my we it that this with can "
    "could would will do does please want like need some any so"
)
STOPWORDS = frozenset(_STOPWORDS.split(" "))


def tokenize(text: str) -> list[str]:
    """Lower-case alphanumeric words minus stopwords; ``price_range`` gives two words."""
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


class BM25Index:
    """Immutable BM25 over a fixed list of token lists. ``k1``/``b`` are the usual defaults."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75):
        self.size = len(documents)
        lengths = np.array([len(d) for d in documents], dtype=np.float64)
        average = float(lengths.mean()) if self.size else 1.0
        norm = k1 * (1.0 - b + b * lengths / max(average, 1e-9))
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for doc_id, doc in enumerate(documents):
            for term, count in Counter(doc).items():
                ids, counts = postings.setdefault(term, ([], []))
                ids.append(doc_id)
                counts.append(count)
        self._postings = {
            term: self._weights(ids, counts, norm, k1) for term, (ids, counts) in postings.items()
        }

    def _weights(
        self, ids: list[int], counts: list[int], norm: npt.NDArray[np.float64], k1: float
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        id_array = np.array(ids, dtype=np.int64)
        tf = np.array(counts, dtype=np.float64)
        df = len(ids)
        idf = math.log(1.0 + (self.size - df + 0.5) / (df + 0.5))
        return id_array, idf * tf * (k1 + 1.0) / (tf + norm[id_array])

    def scores(self, query: Iterable[str]) -> npt.NDArray[np.float64]:
        """BM25 score of every document for ``query`` (repeated query terms count once)."""
        total = np.zeros(self.size, dtype=np.float64)
        for term in set(query):
            posting = self._postings.get(term)
            if posting is not None:
                total[posting[0]] += posting[1]
        return total

    def top(self, query: Iterable[str], n: int) -> list[tuple[int, float]]:
        """The ``n`` best (document id, score) pairs, best first; only positive scores."""
        if n <= 0 or self.size == 0:
            return []
        scores = self.scores(query)
        n = min(n, self.size)
        best = np.argpartition(-scores, n - 1)[:n]
        ranked = best[np.argsort(-scores[best], kind="stable")]
        return [(int(i), float(scores[i])) for i in ranked if scores[i] > 0.0]
