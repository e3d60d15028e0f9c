"""Reading pack files so that every later complaint can name the file and the line.

YAML is composed into nodes (which carry line marks) and converted here rather than by PyYAML's
constructor, for two reasons: every node's line is recorded under its path of keys and indexes
(the same path pydantic reports in ``loc``), and plain scalars stay text. PyYAML would read
``18:00`` as the integer 1080 and ``yes`` as ``True``; a pack author means the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from agent import untrusted_yaml

Loc = tuple[str | int, ...]

_NULL_TAG = "tag:yaml.org,2002:null"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pack, printed as ``file:line: field: message``."""

    file: Path
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass
class Located:
    """A parsed file, the line of every value in it, and problems found while reading it."""

    file: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line(self, loc: Loc) -> int | None:
        """The line of ``loc`` or of its nearest enclosing value."""
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return None

    def problem(self, loc: Loc, message: str) -> Problem:
        return Problem(self.file, self.line(loc), dotted(loc), message)

    def add(self, loc: Loc, message: str) -> None:
        self.problems.append(self.problem(loc, message))


def dotted(loc: Loc) -> str:
    """``("services", 0, "slots", 2, "name")`` as ``services[0].slots[2].name``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def read_yaml(path: Path) -> Located:
    """The YAML file as plain dicts, lists and strings (``None`` for null), with line numbers."""
    located = Located(path, None)
    try:
        node = untrusted_yaml.compose(path.read_text(encoding="utf-8"))
    except untrusted_yaml.UntrustedYamlError as error:
        located.problems.append(Problem(path, error.line, "", error.message))
        return located
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        what = f"{error.context or ''} {error.problem or ''}".strip()
        located.problems.append(
            Problem(path, line, "", f"malformed YAML ({what}); fix the syntax at this line")
        )
        return located
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        located.problems.append(Problem(path, None, "", f"cannot read the file ({error})"))
        return located
    if node is None:
        located.problems.append(Problem(path, 1, "", "the file is empty; write its content"))
        return located
    located.data = _convert(node, (), located)
    return located


def _convert(node: yaml.Node, loc: Loc, located: Located) -> Any:
    located.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        return _mapping(node, loc, located)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*loc, i), located) for i, item in enumerate(node.value)]
    if node.tag == _NULL_TAG:
        return None
    return str(node.value)


def _mapping(node: yaml.MappingNode, loc: Loc, located: Located) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in out:
            line = key_node.start_mark.line + 1
            located.problems.append(
                Problem(located.file, line, dotted((*loc, key)), "duplicate key; keep only one")
            )
            continue
        located.lines[(*loc, key)] = key_node.start_mark.line + 1
        out[key] = _convert(value_node, (*loc, key), located)
    return out
