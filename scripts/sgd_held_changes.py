"""Offline count, on SGD's gold, of the free-text values a user's turn gives and whether they
look like names (the test of ``--tracker-option steady_text``). No model is run.

For every user turn of the given dialogue files and every non-categorical slot whose gold value
changed, with the value's span in the user's own turn: was the slot held before (a change) or
not (a first value), did the system just ask for it, and does the span pass the candidate rule's
name test (agent.tracking.candidates, ``name_like``: no chatter word of the English lexicon,
no word of the schema).

    python scripts/sgd_held_changes.py ../shared/data/sgd/train 10

prints counts per (held or first, name-like or not); docs/dst-results.md (runs 31-33) has them.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from agent.tracking.candidate_words import candidate_words
from agent.tracking.candidates import name_like
from prompts.sgd import load_sgd_schema


def _dialogues(path: Path) -> list[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        loaded: list[dict[str, Any]] = json.load(handle)
    return loaded


def count(split: Path, files: int) -> Counter[tuple[str, bool]]:
    schema = load_sgd_schema(split)
    words = candidate_words(schema.lexicon)
    counts: Counter[tuple[str, bool]] = Counter()
    for path in sorted(split.glob("dialogues_*.json*"))[:files]:
        for dialogue in _dialogues(path):
            held: dict[tuple[str, str], list[str]] = {}
            for turn in dialogue["turns"]:
                if turn["speaker"] != "USER":
                    continue
                for frame in turn["frames"]:
                    service = frame["service"]
                    spans = {
                        s["slot"]: turn["utterance"][s["start"] : s["exclusive_end"]]
                        for s in frame["slots"]
                    }
                    for slot, values in frame["state"]["slot_values"].items():
                        spec = schema.slot(f"{service}-{slot}")
                        before = held.get((service, slot))
                        held[(service, slot)] = values
                        if spec is None or spec.categorical or before == values:
                            continue
                        if slot in spans:
                            kind = "change" if before is not None else "first"
                            counts[(kind, name_like(schema, spans[slot], words))] += 1
    return counts


def main(argv: list[str]) -> int:
    split = Path(argv[1]) if len(argv) > 1 else Path("../shared/data/sgd/train")
    files = int(argv[2]) if len(argv) > 2 else 10
    for (kind, looks_like_name), n in sorted(count(split, files).items()):
        sys.stdout.write(f"{kind:7s} name-like={looks_like_name!s:5s} {n}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
