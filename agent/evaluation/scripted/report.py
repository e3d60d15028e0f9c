"""Readable text for outcomes: the one-line verdicts, the per-turn diffs, the summary.

The same text goes to the terminal, into junit ``<failure>`` bodies and into pytest reports.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agent.evaluation.scripted.check import Mismatch
from agent.evaluation.scripted.runner import DialogueOutcome, TurnOutcome

_INDENT = "    "


def verdict_line(outcome: DialogueOutcome) -> str:
    word = "PASS" if outcome.passed else "FAIL"
    return f"{word}  {outcome.dialogue.name}  ({outcome.dialogue.location})"


def timing_line(outcome: DialogueOutcome) -> str:
    """``--profile``: where one dialogue's time went: per turn, the engine's total and (in
    brackets) its time to the merged state; then the runner's own time."""
    turns = [f"{t.engine_s:.2f} ({t.state_s:.2f})" for t in outcome.turns]
    return (
        f"      engine {outcome.engine_s:.2f} s, per turn (to state): {', '.join(turns)} s; "
        f"runner {1000 * outcome.runner_s:.1f} ms"
    )


def failure_text(outcome: DialogueOutcome) -> str:
    """The diff of every failing turn, the final bookings and any engine error."""
    parts = [_turn_diff(t, outcome.dialogue.path) for t in outcome.turns if t.mismatches]
    if outcome.final:
        parts.append(_final_diff(outcome))
    if outcome.error:
        turn = len(outcome.turns) + 1
        parts.append(f"  engine error at turn {turn}: {outcome.error}")
    return "\n".join(parts)


def _turn_diff(outcome: TurnOutcome, path: str) -> str:
    turn, seen = outcome.turn, outcome.seen
    lines = [
        f"  turn {outcome.index + 1} ({path}:{turn.line})",
        f"{_INDENT}user:  {turn.user}",
        f"{_INDENT}reply: {seen.reply.strip()}",
        f"{_INDENT}act:   {seen.act}"
        + (f"  (expected {turn.expect.act})" if turn.expect.act else ""),
    ]
    slots = [m for m in outcome.mismatches if m.field in ("state", "state_absent")]
    if slots:
        lines += _state_table(slots)
    lines += [f"{_INDENT}✗ {m.message}" for m in outcome.mismatches if m not in slots]
    lines.append(f"{_INDENT}full state: {json.dumps(dict(seen.state), ensure_ascii=False)}")
    return "\n".join(lines)


def _state_table(slots: Sequence[Mismatch]) -> list[str]:
    width = max(len(m.slot) for m in slots)
    rows = [f"{_INDENT}state: {'slot'.ljust(width)}  {'expected':<20}  actual"]
    for m in slots:
        expected = "(unset)" if m.expected is None else m.expected
        actual = "(unset)" if m.actual is None else m.actual
        rows.append(f"{_INDENT}     ✗ {m.slot.ljust(width)}  {expected:<20}  {actual}")
    return rows


def _final_diff(outcome: DialogueOutcome) -> str:
    made = [json.dumps(dict(b), ensure_ascii=False) for b in outcome.bookings] or ["(none)"]
    lines = [f"  final bookings ({outcome.dialogue.path}:{outcome.dialogue.final_line})"]
    lines += [f"{_INDENT}✗ {m.message}" for m in outcome.final]
    lines += [f"{_INDENT}made: {b}" for b in made]
    return "\n".join(lines)


@dataclass(frozen=True)
class Totals:
    passed: int
    failed: int
    turns: int
    engine_s: float
    runner_s: float
    by_model: int = 0  # replies the model wrote and the grounding check kept
    replaced: int = 0  # model replies replaced by the template
    ungrounded: int = 0  # of those, replies naming a fact the act did not carry
    slots_missing: int = 0  # an expected slot left unset
    slots_wrong: int = 0  # an expected slot holding another value
    slots_extra: int = 0  # a slot a turn set or changed that its expectation does not name

    def slots_line(self) -> str:
        """Slot errors by kind, so a gain in one is not paid for in another."""
        return (
            f"slots: {self.slots_missing} missing, {self.slots_wrong} wrong, "
            f"{self.slots_extra} extra (set by a turn whose expected state does not name them)"
        )

    @property
    def overhead(self) -> float:
        """The runner's time as a fraction of the engine's."""
        return self.runner_s / self.engine_s if self.engine_s else 0.0

    def profile_line(self) -> str:
        per_turn = 1000 / max(self.turns, 1)
        return (
            f"{self.turns} turns: engine {self.engine_s:.2f} s "
            f"({self.engine_s * per_turn:.1f} ms/turn), runner {self.runner_s * per_turn:.2f} "
            f"ms/turn = {100 * self.overhead:.2f}% of the engine's time"
        )

    def summary_line(self) -> str:
        return f"{self.passed} passed, {self.failed} failed"

    def grounding_line(self) -> str:
        """How the replies were written: every reply shown is grounded (a model reply naming
        anything the backend did not return is replaced), so this says how often that was
        needed."""
        written = self.by_model + self.replaced
        return (
            f"replies: {self.by_model} by the model, {self.replaced} of {written} model replies "
            f"replaced by the template ({self.ungrounded} named a fact not in the results), "
            f"{self.turns - written} templates by design"
        )


def totals(outcomes: Sequence[DialogueOutcome], extra_runner_s: float = 0.0) -> Totals:
    """``extra_runner_s``: runner time outside the dialogues (loading, printing, junit)."""
    passed = sum(o.passed for o in outcomes)
    turns = [t for o in outcomes for t in o.turns]
    replaced = [t for t in turns if t.reply_source == "template" and t.reply_issues]
    mismatches = [m for t in turns for m in t.mismatches]
    return Totals(
        passed=passed,
        failed=len(outcomes) - passed,
        turns=len(turns),
        engine_s=sum(o.engine_s for o in outcomes),
        runner_s=sum(o.runner_s for o in outcomes) + extra_runner_s,
        by_model=sum(t.reply_source == "model" for t in turns),
        replaced=len(replaced),
        ungrounded=sum(any(i.startswith("unknown fact") for i in t.reply_issues) for t in replaced),
        slots_missing=sum(m.field == "state" and m.actual is None for m in mismatches),
        slots_wrong=sum(m.field == "state" and m.actual is not None for m in mismatches),
        slots_extra=sum(_extra_slots(o) for o in outcomes),
    )


def _extra_slots(outcome: DialogueOutcome) -> int:
    """Slots set or changed by a turn that expects a state without naming them, and slots a
    turn expects unset (``state_absent``) but that are set."""
    count = 0
    before: Mapping[str, str] = {}
    for turn in outcome.turns:
        expect, state = turn.turn.expect, turn.seen.state
        if expect.state:
            changed = {s for s, v in state.items() if before.get(s) != v}
            count += len(changed - set(expect.state) - set(expect.state_absent))
        count += sum(m.field == "state_absent" for m in turn.mismatches)
        before = state
    return count
