"""Constraints → GBNF, checked before a generation starts.

JSON schemas go through llama-cpp-python's converter, made compact: the grammar allows no free
whitespace at all (the converter's optional space lets small models "run away" in blanks until
``max_tokens``), and strings may not contain raw control characters (which ``json.loads``
rejects). The output of a compact grammar is exactly the form ``json.dumps(separators=(",", ":"))``
writes, so it parses and validates against the schema it came from.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from agent.domain import Constraint
from agent.errors import ModelError

_HEX = "[0-9a-fA-F]"
_STRICT_CHAR = rf'[^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" {_HEX} {_HEX} {_HEX} {_HEX})'


def constraint_grammar(constraint: Constraint | None) -> str | None:
    """The GBNF text for a constraint (``None`` when unconstrained)."""
    if constraint is None:
        return None
    if constraint.json_schema is not None and constraint.gbnf is not None:
        raise ModelError("a constraint needs exactly one of a JSON schema or a GBNF grammar")
    if constraint.json_schema is not None:
        return schema_to_gbnf(constraint.json_schema)
    if constraint.gbnf is None or not constraint.gbnf.strip():
        raise ModelError("invalid GBNF grammar: it is empty; give at least a 'root ::= …' rule")
    return constraint.gbnf


def schema_to_gbnf(schema: Mapping[str, object]) -> str:
    _check_schema(schema)
    from agent.llm._native import schema_converter

    converter = schema_converter()
    converter._rules["space"] = '""'
    try:
        resolved = converter.resolve_refs(json.loads(json.dumps(schema)), "schema")
        converter.visit(resolved, "")
    except (AssertionError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise ModelError(
            f"invalid JSON schema for constrained generation: {error}; "
            "use plain JSON Schema types (object, string, enum, array, integer, number, boolean)"
        ) from error
    if "char" in converter._rules:
        converter._rules["char"] = _STRICT_CHAR
    return str(converter.format_grammar())


def _check_schema(schema: Mapping[str, object]) -> None:
    """Catch schema errors before the converter does, with the schema validator's wording."""
    import jsonschema

    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as error:
        where = "/".join(str(p) for p in error.absolute_path) or "the top level"
        raise ModelError(
            f"invalid JSON schema for constrained generation at {where}: {error.message}"
        ) from error
    except TypeError as error:
        raise ModelError(f"invalid JSON schema for constrained generation: {error}") from error
