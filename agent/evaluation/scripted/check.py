"""Checking one turn's observations against its expectations, after normalization.

Every mismatch becomes a :class:`Mismatch` carrying the data a diff needs, so the command line,
junit and pytest all print the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from agent.domain import DomainSchema
from agent.evaluation.scripted.files import Expectation
from agent.language.normalize import normalize_value


@dataclass(frozen=True)
class Observed:
    """What the engine did in one turn, in plain values (picklable across processes)."""

    state: Mapping[str, str]
    act: str
    reply: str


@dataclass(frozen=True)
class Mismatch:
    """One failed expectation. ``expected``/``actual`` are set for state slots."""

    field: str  # state, state_absent, act, reply_contains, reply_not_contains, reply_matches
    message: str
    slot: str = ""
    expected: str | None = None
    actual: str | None = None


@dataclass(frozen=True)
class Normalizer:
    """Slot values in the MultiWOZ canonical form, using the domain's slot specs when known.

    On top of :func:`agent.language.normalize.normalize_value`, a leading article is ignored ("the
    lensfield hotel" = "lensfield hotel"): both are correct spans of what the user said, and a
    script should not have to guess which one the tracker copies.
    """

    schema: DomainSchema | None = None
    _cache: dict[tuple[str, str], str] = field(default_factory=dict, compare=False)

    def __call__(self, slot: str, value: str) -> str:
        key = (slot, value)
        if key not in self._cache:
            spec = self.schema.slot(slot) if self.schema else None
            words = self.schema.lexicon if self.schema else None
            self._cache[key] = normalize_value(slot, value, spec, lexicon=words).removeprefix(
                "the "
            )
        return self._cache[key]


def check_turn(expect: Expectation, seen: Observed, normalize: Normalizer) -> list[Mismatch]:
    """Every way ``seen`` falls short of ``expect`` (empty when the turn passes)."""
    return [
        *_check_state(expect.state, seen.state, normalize),
        *_check_absent(expect.state_absent, seen.state),
        *_check_act(expect.act, seen.act),
        *_check_reply(expect, seen.reply),
    ]


def _check_state(
    expected: Mapping[str, str], actual: Mapping[str, str], normalize: Normalizer
) -> list[Mismatch]:
    out = []
    for slot, want in expected.items():
        got = actual.get(slot)
        if got is None or normalize(slot, got) != normalize(slot, want):
            shown = "unset" if got is None else repr(got)
            out.append(
                Mismatch("state", f"{slot}: expected {want!r}, got {shown}", slot, want, got)
            )
    return out


def _check_absent(absent: Sequence[str], actual: Mapping[str, str]) -> list[Mismatch]:
    return [
        Mismatch(
            "state_absent",
            f"{slot}: expected unset, got {actual[slot]!r}",
            slot,
            None,
            actual[slot],
        )
        for slot in absent
        if slot in actual
    ]


def _check_act(expected: str, actual: str) -> list[Mismatch]:
    if not expected or expected == actual:
        return []
    return [Mismatch("act", f"act: expected {expected}, got {actual or 'none'}")]


def _check_reply(expect: Expectation, reply: str) -> list[Mismatch]:
    lowered = reply.lower()
    out = [
        Mismatch("reply_contains", f"reply does not contain {word!r}")
        for word in expect.reply_contains
        if word.lower() not in lowered
    ]
    out += [
        Mismatch("reply_not_contains", f"reply contains {word!r}")
        for word in expect.reply_not_contains
        if word.lower() in lowered
    ]
    if expect.reply_matches and not re.search(expect.reply_matches, reply):
        out.append(Mismatch("reply_matches", f"reply does not match /{expect.reply_matches}/"))
    return out


def check_bookings(
    expected: Sequence[Mapping[str, str]],
    actual: Sequence[Mapping[str, str]],
    normalize: Normalizer,
) -> list[Mismatch]:
    """Exactly the expected bookings: each a field subset of a distinct actual one (same
    service), and no others (``[]`` = the dialogue must not book anything)."""
    unused = list(actual)
    out = []
    if len(expected) != len(actual):
        out.append(Mismatch("final", f"expected {len(expected)} booking(s), made {len(actual)}"))
    for want in expected:
        match = next((b for b in unused if _booking_matches(want, b, normalize)), None)
        if match is None:
            out.append(Mismatch("final", f"no booking matches {_show(want)}"))
        else:
            unused.remove(match)
    return out


def _booking_matches(
    want: Mapping[str, str], booking: Mapping[str, str], normalize: Normalizer
) -> bool:
    service = want.get("domain") or want.get("service") or ""
    if booking.get("service") != service:
        return False
    for key, value in want.items():
        if key in ("domain", "service"):
            continue
        slot = key if "-" in key else f"{service}-{key}"
        got = booking.get(slot, booking.get(key))
        if got is None or normalize(slot, got) != normalize(slot, value):
            return False
    return True


def _show(values: Mapping[str, str]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in values.items()) + "}"
