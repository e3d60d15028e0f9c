"""Finding, validating and loading domain packs.

A pack is a folder::

    domain.yaml          name, description, services (slots, intents)
    dialogues/*.yaml     annotated example dialogues: the exemplar bank
    db/<service>.json    optional records for lookups (a list of objects with a "name")

Validation collects every problem rather than stopping at the first, so ``domains check``
can list them all; :func:`load_pack` refuses a pack with any problem.
"""

from __future__ import annotations

from pathlib import Path

from agent.domain import AnnotatedDialogue, DomainPack, DomainSchema
from agent.errors import DomainError, NotFound
from prompts.packs._database import load_database
from prompts.packs._dialogues import build_dialogue
from prompts.packs._models import DialogueFileModel, DialogueModel, DomainModel, parse_model
from prompts.packs._schema import build_schema
from prompts.packs._source import Problem, read_yaml

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "domains"


def builtin_packs() -> list[str]:
    """Names of the packs shipped with slotchat (folders under ``prompts/domains``)."""
    return sorted(p.name for p in BUILTIN_DIR.iterdir() if (p / "domain.yaml").is_file())


def pack_path(name_or_path: str | Path) -> Path:
    """The folder of a built-in pack name or of a path; ``NotFound`` if there is none.

    A bare name means the built-in pack first; write ``./name`` for a folder of that name.
    """
    text = str(name_or_path)
    builtin = BUILTIN_DIR / text
    if "/" not in text and "\\" not in text and (builtin / "domain.yaml").is_file():
        return builtin
    path = Path(text).expanduser()
    if path.is_file() and path.name == "domain.yaml":
        return path.parent
    if path.is_dir():
        return path
    names = ", ".join(builtin_packs())
    raise NotFound(f"no domain pack '{text}': use a built-in name ({names}) or a pack folder")


def load_pack(name_or_path: str | Path) -> DomainPack:
    """The validated pack; ``DomainError`` naming file:line: field of the first problem."""
    pack, _, problems = _read_pack(pack_path(name_or_path))
    _refuse(problems, pack.source)
    return pack


def load_pack_dialogues(name_or_path: str | Path) -> list[AnnotatedDialogue]:
    """The pack's example dialogues whole, e.g. for responder examples or scripted tests."""
    pack, dialogues, problems = _read_pack(pack_path(name_or_path))
    _refuse(problems, pack.source)
    return dialogues


def check_pack(path: str | Path) -> list[str]:
    """Every problem of the pack as ``file:line: field: message``; empty when it is valid."""
    try:
        folder = pack_path(path)
    except NotFound as error:
        return [str(error)]
    return [str(problem) for problem in _read_pack(folder)[2]]


def _refuse(problems: list[Problem], source: str) -> None:
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise DomainError(f"{problems[0]}{more}; `slotchat domains check {source}` lists all")


def _read_pack(folder: Path) -> tuple[DomainPack, list[AnnotatedDialogue], list[Problem]]:
    problems: list[Problem] = []
    schema = _read_schema(folder, problems)
    dialogues = _read_dialogues(folder, schema, problems) if schema else []
    database = load_database(folder, schema, problems) if schema else {}
    pack = DomainPack(
        schema=schema or DomainSchema(name=folder.name, services=()),
        exemplars=tuple(turn for dialogue in dialogues for turn in dialogue.turns),
        database=database,
        source=str(folder),
    )
    return pack, dialogues, problems


def _read_schema(folder: Path, problems: list[Problem]) -> DomainSchema | None:
    path = folder / "domain.yaml"
    if not path.is_file():
        problems.append(
            Problem(
                path,
                None,
                "",
                "no domain.yaml: a pack folder needs one (name, description, services)",
            )
        )
        return None
    located = read_yaml(path)
    model = parse_model(DomainModel, located) if not located.problems else None
    schema = build_schema(model, located) if model else None
    problems.extend(located.problems)
    return schema


def _read_dialogues(
    folder: Path, schema: DomainSchema, problems: list[Problem]
) -> list[AnnotatedDialogue]:
    files = sorted((folder / "dialogues").glob("*.y*ml"))
    if not files:
        problems.append(
            Problem(
                folder / "dialogues",
                None,
                "",
                "no example dialogues: add dialogues/*.yaml; the model learns the task from them",
            )
        )
    dialogues: list[AnnotatedDialogue] = []
    first_seen: dict[str, str] = {}
    for path in files:
        located = read_yaml(path)
        model = parse_model(DialogueFileModel, located) if not located.problems else None
        for i in range(len(model.dialogues) if model else 0):
            loc = ("dialogues", i)
            dialogue = parse_model(DialogueModel, located, loc)
            if dialogue is None:
                continue
            if dialogue.id in first_seen:
                located.add(
                    (*loc, "id"),
                    f"duplicate dialogue id '{dialogue.id}' (first at "
                    f"{first_seen[dialogue.id]}); give each dialogue its own id",
                )
            first_seen.setdefault(dialogue.id, f"{path.name}:{located.line(loc)}")
            dialogues.append(build_dialogue(dialogue, loc, schema, located))
        problems.extend(located.problems)
    return dialogues
