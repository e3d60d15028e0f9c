"""How well the tracker's offer rule (agent.tracking.system_move.accepted) agrees with SGD's gold
states.

For every user turn that follows a system OFFER or CONFIRM, each proposed value of a slot the
tracker may set is classed by what the rule does and what the gold state does next:

- right: carried, and the gold state takes that value;
- extra: carried, the gold state has no such slot;
- replaced: carried over a different value the state held, which the gold state keeps;
- wrong: carried, the gold state takes another value;
- missed: not carried, the gold state takes the value while the slot was empty.

No model runs: this measures the rule and the lexicon alone, in seconds.

    python scripts/sgd_offer_acceptance.py --data ../shared/data/sgd --split train --limit 3000
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.domain import AnnotatedTurn, DomainSchema  # noqa: E402
from agent.language.normalize import normalize_value  # noqa: E402
from agent.tracking.state_grammar import trackable_slots  # noqa: E402
from agent.tracking.system_move import accepted  # noqa: E402
from cli.settings import cache_dir  # noqa: E402
from prompts.sgd import load_sgd_split  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="folder with train/ and dev/")
    parser.add_argument("--split", default="train", choices=("train", "dev", "test"))
    parser.add_argument("--limit", type=int, default=None, help="the first N dialogues")
    args = parser.parse_args()
    schema, dialogues = load_sgd_split(args.data, args.split, cache_dir=cache_dir() / "sgd")
    settable = set(trackable_slots(schema))
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    turns = 0
    for dialogue in dialogues[: args.limit]:
        for turn in dialogue.turns:
            if turn.system_move.offered or turn.system_move.confirmed:
                turns += 1
                counts.update(_classes(turn, schema, settable))
    sys.stdout.write(f"SGD {args.split}: {turns} user turns after an offer or a confirmation\n")
    for (act, outcome), count in sorted(counts.items()):
        sys.stdout.write(f"  {act:8} {outcome:9} {count}\n")
    return 0


def _classes(
    turn: AnnotatedTurn, schema: DomainSchema, settable: set[str]
) -> list[tuple[str, str]]:
    move, before, after = turn.system_move, turn.prev_state.slots, turn.state.slots
    taken = accepted(move, turn.user, schema.lexicon, said=(), settable=settable, held=before)

    def same(slot: str, a: str, b: str) -> bool:
        spec = schema.slot(slot)
        lexicon = schema.lexicon
        return normalize_value(slot, a, spec, lexicon=lexicon) == normalize_value(
            slot, b, spec, lexicon=lexicon
        )

    out = []
    for act, proposed in (("offer", move.offered), ("confirm", move.confirmed)):
        for slot, value in proposed.items():
            if slot not in settable or (slot in before and same(slot, before[slot], value)):
                continue
            gold = after.get(slot)
            if slot in taken:
                if gold is None:
                    outcome = "extra"
                elif same(slot, gold, value):
                    outcome = "right"
                else:
                    outcome = "replaced" if slot in before else "wrong"
                out.append((act, outcome))
            elif gold is not None and slot not in before and same(slot, gold, value):
                out.append((act, "missed"))
    return out


if __name__ == "__main__":
    sys.exit(main())
