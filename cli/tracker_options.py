"""``--tracker-option KEY=VALUE``: one way to change a research setting of the tracker.

Every command runs the same tracker (``agent.tracking.tracker.TrackerOptions()``, the shipped
settings); a benchmark that wants to measure a variant names the field, e.g. ``--tracker-option
candidates=false`` or ``--tracker-option grammar.max_span_words=6``. Unknown keys and values of the
wrong type are one-line usage errors that list what exists.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from agent.errors import UsageError
from agent.tracking.state_grammar import GrammarOptions
from agent.tracking.tracker import TrackerOptions

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def tracker_options(pairs: Sequence[str], base: TrackerOptions | None = None) -> TrackerOptions:
    """``base`` (the shipped settings by default) with each ``key=value`` of ``pairs`` set."""
    options = base or TrackerOptions()
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep:
            raise UsageError(f"--tracker-option wants KEY=VALUE, got '{pair}'")
        options = _set(options, key.strip(), raw.strip())
    return options


def option_keys() -> list[str]:
    """Every key ``--tracker-option`` takes."""
    top = [f.name for f in dataclasses.fields(TrackerOptions) if f.name != "grammar"]
    return [*top, *(f"grammar.{f.name}" for f in dataclasses.fields(GrammarOptions))]


def _set(options: TrackerOptions, key: str, raw: str) -> TrackerOptions:
    if key.startswith("grammar."):
        grammar = _replace(options.grammar, key.removeprefix("grammar."), raw, key)
        return dataclasses.replace(options, grammar=grammar)
    if key == "grammar":
        raise UsageError("--tracker-option grammar.FIELD=VALUE sets one grammar setting")
    updated: TrackerOptions = _replace(options, key, raw, key)
    return updated


def _replace(target: Any, name: str, raw: str, key: str) -> Any:
    fields = {f.name: f for f in dataclasses.fields(target)}
    if name not in fields:
        raise UsageError(f"unknown tracker option '{key}': use one of {', '.join(option_keys())}")
    current = getattr(target, name)
    return dataclasses.replace(target, **{name: _value(raw, current, key)})


def _value(raw: str, current: object, key: str) -> object:
    lowered = raw.lower()
    if isinstance(current, bool):
        if lowered in _TRUE | _FALSE:
            return lowered in _TRUE
        raise UsageError(f"tracker option '{key}' is true or false, got '{raw}'")
    if isinstance(current, int):
        try:
            return int(raw)
        except ValueError:
            raise UsageError(f"tracker option '{key}' is a whole number, got '{raw}'") from None
    if isinstance(current, float):
        try:
            return float(raw)
        except ValueError:
            raise UsageError(f"tracker option '{key}' is a number, got '{raw}'") from None
    raise UsageError(f"tracker option '{key}' cannot be set from the command line")
