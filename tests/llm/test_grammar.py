"""JSON schema → compact GBNF, and stop strings over a stream (no model needed)."""

from __future__ import annotations

import pytest

from agent.domain import Constraint
from agent.errors import ModelError
from agent.llm.grammar import constraint_grammar, schema_to_gbnf
from agent.llm.stops import StopScanner

SCHEMA = {
    "type": "object",
    "properties": {"food": {"type": "string"}, "area": {"enum": ["centre", "north"]}},
    "required": ["area"],
}


def test_schema_grammar_allows_no_free_whitespace() -> None:
    grammar = schema_to_gbnf(SCHEMA)
    assert 'space ::= ""' in grammar
    assert '"\\"centre\\""' in grammar


def test_strings_exclude_control_characters() -> None:
    assert "\\x00-\\x1F" in schema_to_gbnf(SCHEMA)


@pytest.mark.parametrize(
    ("schema", "match"),
    [
        ({"type": "objekt"}, "invalid JSON schema"),
        ({"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}}, "invalid JSON"),
        ({"type": "array", "minItems": -1}, "invalid JSON schema"),
    ],
)
def test_invalid_schemas_are_model_errors(schema: dict[str, object], match: str) -> None:
    with pytest.raises(ModelError, match=match):
        schema_to_gbnf(schema)


def test_constraint_needs_exactly_one_kind() -> None:
    assert constraint_grammar(None) is None
    with pytest.raises(ModelError, match="exactly one"):
        constraint_grammar(Constraint(json_schema=SCHEMA, gbnf='root ::= "x"'))
    with pytest.raises(ModelError, match="empty"):
        constraint_grammar(Constraint())
    assert constraint_grammar(Constraint(gbnf='root ::= "x"')) == 'root ::= "x"'


def test_stop_scanner_holds_back_a_possible_stop() -> None:
    scanner = StopScanner(["\nuser:"])
    assert scanner.push("Hello\nus") == "Hello"
    assert scanner.push("e") == ""
    assert scanner.push("r: hi") == ""
    assert scanner.stopped


def test_stop_scanner_releases_text_that_was_not_a_stop() -> None:
    scanner = StopScanner(["END"])
    assert scanner.push("the E") == "the "
    assert scanner.push("ND") == ""
    assert scanner.stopped
    other = StopScanner(["END"])
    assert other.push("E") == ""
    assert other.push("x") == "Ex"
    assert other.push("EN") == ""
    assert other.flush() == "EN"


def test_stop_scanner_without_stops_passes_through() -> None:
    assert StopScanner([]).push("anything") == "anything"
