"""``--record``: turn what the engine did into expectations, for the author to review.

Each turn gets the slots it changed (a subset match on the accumulated state needs no more),
the slots it removed as ``state_absent``, and its act; each dialogue gets the bookings it made.
Replies are not recorded: words worth asserting are the author's choice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from agent.evaluation.scripted.files import RECORDED_SUFFIX
from agent.evaluation.scripted.runner import DialogueOutcome

_HIDDEN = frozenset({"reference", "name"})  # random, or repeated as <service>-name


def recorded_path(source: Path | str) -> Path:
    """``dialogues.yaml`` -> ``dialogues.recorded.yaml`` (never collected as a test)."""
    source = Path(source)
    return source.with_name(source.name.removesuffix(source.suffix) + RECORDED_SUFFIX)


def render_recording(outcomes: Sequence[DialogueOutcome], header: str) -> str:
    domain = outcomes[0].dialogue.domain if outcomes else "cambridge"
    document = {"domain": domain, "dialogues": [_dialogue(o) for o in outcomes]}
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    return comment + body


def _dialogue(outcome: DialogueOutcome) -> dict[str, object]:
    turns: list[dict[str, object]] = []
    previous: Mapping[str, str] = {}
    for turn in outcome.turns:
        turns.append(
            {"user": turn.turn.user, "expect": _expect(previous, turn.seen.state, turn.seen.act)}
        )
        previous = turn.seen.state
    out: dict[str, object] = {"name": outcome.dialogue.name, "turns": turns}
    if outcome.error:
        out["name"] = f"{outcome.dialogue.name} (engine error: {outcome.error})"
    out["final"] = {"bookings": [_booking(b) for b in outcome.bookings]}
    return out


def _expect(before: Mapping[str, str], after: Mapping[str, str], act: str) -> dict[str, object]:
    expect: dict[str, object] = {}
    changed = {k: v for k, v in sorted(after.items()) if before.get(k) != v}
    removed = sorted(k for k in before if k not in after)
    if changed:
        expect["state"] = changed
    if removed:
        expect["state_absent"] = removed
    expect["act"] = act
    return expect


def _booking(fields: Mapping[str, str]) -> dict[str, str]:
    service = fields.get("service", "")
    out = {"domain": service}
    out.update({k: v for k, v in fields.items() if k not in _HIDDEN and k != "service"})
    return out
