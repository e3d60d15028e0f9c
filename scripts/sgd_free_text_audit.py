"""Offline audit of the free-text values an ``eval sgd --trace`` file shows the tracker writing.

Counts the new non-categorical values (a slot's value that changed this turn) that are right and
wrong, and how many of each a candidate rule would have blocked: "a copied span holds no word of
the schema's own slot or service names" ("What actor is in it?" → actors=actor). No model is run.

    python scripts/sgd_free_text_audit.py TRACE.jsonl [SCHEMA.json]

Right means equal to the gold value, case folded; a near miss ("new york" for gold "NY") counts
as wrong, so the wrong counts are upper bounds. English plurals are folded crudely (a trailing
"s"), which is why this is a script for a decision, not engine code.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DEV_SCHEMA = Path(__file__).resolve().parents[2] / "shared/data/sgd/dev/schema.json"
_WORD = re.compile(r"[a-z]+")


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def schema_words(schema: list[dict[str, Any]]) -> tuple[frozenset[str], dict[str, bool]]:
    """(the folded words of every service and slot name, slot -> is categorical)."""
    words: set[str] = set()
    categorical: dict[str, bool] = {}
    for service in schema:
        words |= set(_WORD.findall(service["service_name"].lower()))
        for slot in service["slots"]:
            words |= set(_WORD.findall(slot["name"].lower()))
            categorical[f"{service['service_name']}-{slot['name']}"] = slot["is_categorical"]
    return frozenset(_stem(w) for w in words), categorical


def new_values(trace: Path, categorical: dict[str, bool]) -> Iterator[tuple[str, str, bool]]:
    """(slot, value, right) for each free-text value a turn changed."""
    before: dict[str, str] = {}
    with trace.open() as lines:
        for line in lines:
            turn = json.loads(line)
            if turn["turn"] == 0:
                before = {}
            for slot, value in turn["predicted"].items():
                if categorical.get(slot, True) or before.get(slot) == value:
                    continue
                gold = turn["gold"].get(slot)
                yield slot, value, gold is not None and gold.lower() == value.lower()
            before = dict(turn["predicted"])


def main(trace: Path, schema_file: Path) -> str:
    words, categorical = schema_words(json.loads(schema_file.read_text()))
    counts: Counter[tuple[bool, bool]] = Counter()
    for _slot, value, right in new_values(trace, categorical):
        blocked = any(_stem(w) in words for w in _WORD.findall(value.lower()))
        counts[(right, blocked)] += 1
    kept_right = counts[(True, False)] + counts[(True, True)]
    return (
        f"new free-text values: {kept_right} right, {sum(counts.values()) - kept_right} wrong\n"
        f"the rule blocks: {counts[(True, True)]} right, {counts[(False, True)]} wrong\n"
    )


if __name__ == "__main__":
    schema_path = Path(sys.argv[2]) if len(sys.argv) > 2 else DEV_SCHEMA
    sys.stdout.write(main(Path(sys.argv[1]), schema_path))
