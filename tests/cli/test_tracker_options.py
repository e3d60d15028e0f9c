"""``--tracker-option KEY=VALUE`` sets one field of the shipped tracker's settings."""

from __future__ import annotations

import pytest

from agent.errors import UsageError
from agent.tracking.tracker import TrackerOptions
from cli.tracker_options import option_keys, tracker_options


def test_no_pairs_is_the_shipped_tracker() -> None:
    assert tracker_options([]) == TrackerOptions()


def test_booleans_numbers_and_grammar_fields() -> None:
    options = tracker_options(["candidates=false", "max_tokens=64", "grammar.max_span_words=6"])
    assert not options.candidates and options.max_tokens == 64
    assert options.grammar.max_span_words == 6
    assert tracker_options(["system_move=off"], TrackerOptions(all_services=True)).all_services
    assert tracker_options(["choice_margin=2.5"]).choice_margin == 2.5


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("nosuch=1", "unknown tracker option 'nosuch'"),
        ("candidates=maybe", "is true or false"),
        ("max_tokens=many", "is a whole number"),
        ("choice_margin=wide", "is a number"),
        ("candidates", "wants KEY=VALUE"),
        ("grammar=x", "grammar.FIELD=VALUE"),
    ],
)
def test_mistakes_are_one_line_usage_errors(pair: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        tracker_options([pair])


def test_every_key_is_listed() -> None:
    keys = option_keys()
    assert "system_move" in keys and "grammar.copy_spans" in keys and "grammar" not in keys
