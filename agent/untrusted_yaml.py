"""YAML that people share (domain packs, scripted test files) composed with bounded cost.

Aliases are refused outright, before anything is built: an alias bomb (a kilobyte of nested
``*a`` references that expands to billions of nodes) and a self-referencing alias (a node that
contains itself) are both made of them, and a pack or a test file never needs one: writing a
value out costs its author a few lines, while expanding aliases safely would need a budget on
every later consumer. The parser's events are scanned first (linear in the file, nothing
expanded), so the refusal names the line of the first alias. Files over :data:`MAX_BYTES` are
refused before parsing.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_BYTES = 4 * 1024 * 1024  # far above any pack or test file; below what could hurt to parse
_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UntrustedYamlError(Exception):
    """The text is not acceptable YAML for a shared file. ``line`` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def compose(text: str) -> yaml.Node | None:
    """The document's node tree, with no alias in it. Raises :class:`UntrustedYamlError` for
    an alias or an oversized text, and PyYAML's own errors for malformed YAML."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise UntrustedYamlError(
            f"the file is {size / 1e6:.1f} MB; files here are at most {MAX_BYTES // 2**20} MiB",
            1,
        )
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent):
            raise UntrustedYamlError(
                f"YAML aliases (*{event.anchor}) are not accepted in shared files; "
                "write the value out where it is used",
                event.start_mark.line + 1 if event.start_mark else 1,
            )
    return yaml.compose(text, Loader=_LOADER)
