"""A YAML loader that remembers the line of every node, so errors can say ``file:line``.

Plain scalars are read as strings (only ``null``/``~``/empty become ``None``): in a dialogue file
``18:00``, ``yes`` and ``2`` are slot values, not the sexagesimal number, boolean and integer of
YAML 1.1. Duplicate keys are an error rather than a silent overwrite.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import yaml

from agent import untrusted_yaml

Path = tuple[str | int, ...]

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")


class LoadError(Exception):
    """Invalid YAML. ``line`` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class Located:
    """The plain data of a document and the line where each node (by path) starts."""

    data: object
    lines: Mapping[Path, int]

    def line_of(self, path: Path) -> int:
        """The line of the deepest node on ``path`` that exists (1 for the document)."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1


def load_located(text: str) -> Located:
    """Parse one YAML document. Raises :class:`LoadError` with the line of the problem."""
    try:
        node = untrusted_yaml.compose(text)
    except untrusted_yaml.UntrustedYamlError as error:
        raise LoadError(error.message, error.line) from None
    except yaml.MarkedYAMLError as error:
        raise LoadError(
            _yaml_message(error), _line(error.problem_mark or error.context_mark)
        ) from None
    except yaml.YAMLError as error:
        raise LoadError(f"invalid YAML: {error}", 1) from None
    lines: dict[Path, int] = {}
    data = _build(node, (), lines) if node is not None else None
    return Located(data, lines)


def _yaml_message(error: yaml.MarkedYAMLError) -> str:
    message = f"invalid YAML: {error.problem or error.context}"
    if error.context and error.problem and error.context_mark is not None:
        message += f" ({error.context} started on line {_line(error.context_mark)})"
    return message


def _line(mark: yaml.Mark | None) -> int:
    return mark.line + 1 if mark is not None else 1


def _build(node: yaml.Node, path: Path, lines: dict[Path, int]) -> object:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        return _build_mapping(node, path, lines)
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), lines) for i, item in enumerate(node.value)]
    value = str(node.value)
    style = getattr(node, "style", None)
    return None if not style and _NULL.match(value) else value


def _build_mapping(node: yaml.MappingNode, path: Path, lines: dict[Path, int]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise LoadError("a mapping key must be a plain word", key_node.start_mark.line + 1)
        key = str(key_node.value)
        if key in out:
            raise LoadError(f"duplicate key '{key}'", key_node.start_mark.line + 1)
        out[key] = _build(value_node, (*path, key), lines)
        lines[(*path, key)] = key_node.start_mark.line + 1
    return out
