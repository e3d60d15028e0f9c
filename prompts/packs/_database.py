"""``db/<service>.json``: the records a service's lookups search, as :class:`Entity` values.

A file is a JSON list of flat objects, each with a ``name``. Attribute keys are the slot names
without their service prefix (``area`` for ``restaurant-area``), so a backend matches a state
slot to a record field by stripping the prefix. JSON is parsed with the fast standard parser;
line numbers are recovered (by reading the file as YAML, a superset) only when there is a problem.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.domain import DomainSchema, Entity, ServiceSpec
from agent.language.normalize import normalize_value
from prompts.packs._source import Located, Problem, read_yaml


def load_database(
    folder: Path, schema: DomainSchema, problems: list[Problem]
) -> dict[str, tuple[Entity, ...]]:
    """Every ``db/*.json`` of the pack; problems are appended to ``problems``."""
    database: dict[str, tuple[Entity, ...]] = {}
    for path in sorted((folder / "db").glob("*.json")):
        service = schema.service(path.stem)
        if service is None:
            names = ", ".join(s.name for s in schema.services)
            problems.append(
                Problem(
                    path,
                    None,
                    "",
                    f"no service '{path.stem}' in domain.yaml; "
                    f"name database files after a service ({names})",
                )
            )
            continue
        entities, found = _load_file(path, service)
        problems.extend(found)
        database[service.name] = entities
    return database


def _load_file(path: Path, service: ServiceSpec) -> tuple[tuple[Entity, ...], list[Problem]]:
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        return (), [Problem(path, error.lineno, "", f"malformed JSON ({error.msg}); fix it")]
    except (OSError, UnicodeDecodeError) as error:
        return (), [Problem(path, None, "", f"cannot read the file ({error})")]
    if not isinstance(records, list) or not records:
        return (), [Problem(path, 1, "", "expected a non-empty JSON list of records")]
    located = Located(path, records)
    entities = tuple(
        entity
        for i, record in enumerate(records)
        if (entity := _entity(record, i, service, located)) is not None
    )
    if located.problems:
        located = _with_lines(path, located)
    return entities, located.problems


def _entity(record: Any, index: int, service: ServiceSpec, located: Located) -> Entity | None:
    if not isinstance(record, dict):
        located.add((index,), "expected a record (a JSON object with a name)")
        return None
    attributes: dict[str, str] = {}
    for key, value in record.items():
        if isinstance(value, dict | list) or value is None:
            located.add((index, key), "values are text or numbers; flatten or remove this field")
            continue
        attributes[key] = str(value)
        _check_categorical(service, key, attributes[key], (index, key), located)
    name = attributes.pop("name", "").strip()
    if not name:
        located.add((index,), 'the record has no name; add "name": "..."')
        return None
    return Entity(service=service.name, name=name, attributes=attributes)


def _check_categorical(
    service: ServiceSpec, key: str, value: str, loc: tuple[str | int, ...], located: Located
) -> None:
    spec = service.slot(f"{service.name}-{key}")
    if spec is None or not spec.categorical:
        return
    if normalize_value(spec.name, value) not in spec.values:
        located.add(
            loc,
            f"'{value}' is not an allowed value of '{spec.name}'; use one of: "
            f"{', '.join(spec.values)}",
        )


def _with_lines(path: Path, located: Located) -> Located:
    """The same problems, now with line numbers (only paid for when something is wrong)."""
    lines = read_yaml(path).lines
    relined = Located(path, located.data, lines)
    for problem in located.problems:
        loc = _loc_of(problem.field)
        relined.problems.append(Problem(path, relined.line(loc), problem.field, problem.message))
    return relined


def _loc_of(field: str) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for piece in field.replace("]", "").replace("[", ".").split("."):
        if piece:
            parts.append(int(piece) if piece.isdigit() else piece)
    return tuple(parts)
