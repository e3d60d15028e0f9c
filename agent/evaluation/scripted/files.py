"""Scripted dialogue files: the YAML format of DESIGN.md, validated with file:line messages.

pydantic checks the shape (this is a file users write); the result is plain frozen dataclasses
that the runner, the pytest plugin and worker processes pass around.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from agent.errors import ScriptError
from agent.evaluation.scripted.shape import FileShape, TurnShape
from agent.evaluation.scripted.yamlload import LoadError, Located, load_located

SUFFIXES = (".yaml", ".yml")
RECORDED_SUFFIX = ".recorded.yaml"


@dataclass(frozen=True)
class Expectation:
    """What one turn must produce. Empty fields are not checked."""

    state: Mapping[str, str] = field(default_factory=dict)
    state_absent: tuple[str, ...] = ()
    act: str = ""
    reply_contains: tuple[str, ...] = ()
    reply_not_contains: tuple[str, ...] = ()
    reply_matches: str = ""


@dataclass(frozen=True)
class ScriptTurn:
    user: str
    line: int
    expect: Expectation = field(default_factory=Expectation)


@dataclass(frozen=True)
class Dialogue:
    name: str
    path: str  # the file as given on the command line
    line: int
    domain: str
    turns: tuple[ScriptTurn, ...]
    # `final: bookings:`: exactly these bookings (each a field subset); None = not checked
    bookings: tuple[Mapping[str, str], ...] | None = None
    final_line: int = 0

    @property
    def id(self) -> str:
        """``path::name``, what ``-k`` matches and junit/pytest show."""
        return f"{self.path}::{self.name}"

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"


# --------------------------------------------------------------------------- loading


def load_file(path: Path | str) -> list[Dialogue]:
    """The dialogues of one file. Raises :class:`ScriptError` naming file, line and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScriptError(f"{path}: cannot read the file ({error}); check the path") from None
    try:
        located = load_located(text)
    except LoadError as error:
        raise ScriptError(f"{path}:{error.line}: {error.message}") from None
    try:
        model = FileShape.model_validate(located.data)
    except ValidationError as error:
        raise ScriptError(_describe(path, located, error)) from None
    _check_unique_names(path, located, model)
    return _dialogues(path, located, model)


def _check_unique_names(path: Path, located: Located, model: FileShape) -> None:
    """Names identify dialogues in -k, junit and pytest, so a file cannot repeat one."""
    seen: set[str] = set()
    for i, dialogue in enumerate(model.dialogues):
        if dialogue.name in seen:
            line = located.line_of(("dialogues", i, "name"))
            raise ScriptError(
                f"{path}:{line}: dialogues[{i}].name: another dialogue is named "
                f"'{dialogue.name}'; rename one"
            )
        seen.add(dialogue.name)


def collect(paths: Iterable[Path | str]) -> list[Path]:
    """Dialogue files named directly or found (recursively, sorted) under folders."""
    found: list[Path] = []
    for given in map(Path, paths):
        if given.is_dir():
            found.extend(sorted(p for p in given.rglob("*") if _is_script(p)))
        elif given.is_file():
            found.append(given)
        else:
            raise ScriptError(f"{given}: no such file or folder; give a .yaml file or a folder")
    return found


def load_all(paths: Iterable[Path | str]) -> list[Dialogue]:
    """Every dialogue of every file; all files are checked before any error is raised."""
    dialogues: list[Dialogue] = []
    errors: list[str] = []
    for path in collect(paths):
        try:
            dialogues.extend(load_file(path))
        except ScriptError as error:
            errors.append(str(error))
    if errors:
        raise ScriptError("\n".join(errors))
    return dialogues


def select(dialogues: Sequence[Dialogue], pattern: str | None) -> list[Dialogue]:
    """``-k``: dialogues whose ``path::name`` contains ``pattern`` (case-insensitive)."""
    if not pattern:
        return list(dialogues)
    needle = pattern.lower()
    return [d for d in dialogues if needle in d.id.lower()]


def _is_script(path: Path) -> bool:
    return path.is_file() and path.suffix in SUFFIXES and not path.name.endswith(RECORDED_SUFFIX)


def _describe(path: Path, located: Located, error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        loc = tuple(item["loc"])
        where = _dotted(loc) or "the file"
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{path}:{located.line_of(loc)}: {where}: {message}")
    return "\n".join(lines)


def _dotted(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _dialogues(path: Path, located: Located, model: FileShape) -> list[Dialogue]:
    return [
        Dialogue(
            name=d.name,
            path=str(path),
            line=located.line_of(("dialogues", i)),
            domain=domain_relative_to(path, model.domain),
            turns=tuple(
                _turn(t, located.line_of(("dialogues", i, "turns", j)))
                for j, t in enumerate(d.turns)
            ),
            bookings=tuple(d.final.bookings) if d.final else None,
            final_line=located.line_of(("dialogues", i, "final")) if d.final else 0,
        )
        for i, d in enumerate(model.dialogues)
    ]


def domain_relative_to(script: Path, domain: str) -> str:
    """A ``domain:`` path is relative to the file that names it; a bare name is a built-in pack.

    ``./name`` (any value with a path separator) means a folder; ``~`` and absolute paths stay.
    """
    if "/" not in domain and "\\" not in domain:
        return domain
    given = Path(domain).expanduser()
    return str(given if given.is_absolute() else script.parent / given)


def _turn(turn: TurnShape, line: int) -> ScriptTurn:
    e = turn.expect
    expectation = Expectation(
        state=dict(e.state),
        state_absent=tuple(e.state_absent),
        act=e.act or "",
        reply_contains=tuple(e.reply_contains),
        reply_not_contains=tuple(e.reply_not_contains),
        reply_matches=e.reply_matches or "",
    )
    return ScriptTurn(user=turn.user, line=line, expect=expectation)


def unknown_slots(dialogue: Dialogue, slot_names: Iterable[str]) -> list[str]:
    """file:line messages for slots the domain does not have (a typo fails loudly, not never)."""
    known = set(slot_names)
    problems = []
    for turn in dialogue.turns:
        for slot in [*turn.expect.state, *turn.expect.state_absent]:
            if slot not in known:
                problems.append(f"{dialogue.path}:{turn.line}: unknown slot '{slot}'")
    return problems
