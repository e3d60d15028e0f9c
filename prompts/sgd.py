"""Schema-Guided Dialogue (SGD) files as slotchat domains and annotated dialogues.

Any SGD service becomes a :class:`ServiceSpec` whose slots are named ``<service>-<slot>``
(``Restaurants_2-location``), so SGD and MultiWOZ-style packs share one naming rule. Each user
turn becomes an :class:`AnnotatedTurn` whose gold delta is the diff of consecutive gold states.

Choices the data forces on us, kept here so evaluation and exemplars agree:

- Values keep SGD's surface form (``San Jose``, ``6:30 pm``); compare through a normalizer.
- A slot with several acceptable values takes the first as its value; all of them are in
  ``AnnotatedTurn.acceptable``. A slot whose new list still accepts the previous value keeps it
  and is not part of the delta, so canonical values never flip between synonyms.
- ``delta.intents`` holds only intents that changed. An intent of ``NONE`` removes the
  service's intent from the gold state (``DialogueState.apply`` cannot express that).
- ``requested`` is per turn, as in SGD: the slots the user asked about in this turn.
"""

from __future__ import annotations

import gc
import gzip
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agent.domain import (
    AnnotatedDialogue,
    DomainPack,
    DomainSchema,
    IntentSpec,
    ServiceSpec,
    SlotSpec,
)
from agent.errors import DomainError
from agent.language.lexicon import Lexicon
from agent.language.slot_kinds import SlotKind, infer_kind
from prompts.packs._lexicon import LEXICON_DIR, language_lexicon
from prompts.sgd_convert import convert_dialogue, render_sgd_acts

Json = dict[str, Any]

__all__ = [
    "convert_dialogue",
    "load_sgd_dialogues",
    "load_sgd_schema",
    "load_sgd_split",
    "render_sgd_acts",
    "schema_for_services",
    "sgd_dialogue_files",
    "sgd_pack",
]


# --------------------------------------------------------------------------- schema


def load_sgd_schema(path: str | Path, name: str = "") -> DomainSchema:
    """A split's ``schema.json`` (or the folder holding it) as one domain of all its services."""
    path = Path(path)
    if path.is_dir():
        path = path / "schema.json"
    english = language_lexicon("en")  # SGD is English
    services = tuple(_service(raw, english) for raw in _read_json(path))
    return DomainSchema(name=name or f"sgd-{path.parent.name}", services=services, lexicon=english)


def schema_for_services(schema: DomainSchema, services: Iterable[str]) -> DomainSchema:
    """The domain of one dialogue: only ``services``, in the order given."""
    wanted = list(dict.fromkeys(services))
    missing = [s for s in wanted if schema.service(s) is None]
    if missing:
        raise DomainError(f"services {missing} are not in the schema '{schema.name}'")
    picked = tuple(s for name in wanted if (s := schema.service(name)) is not None)
    return DomainSchema(name="+".join(wanted), services=picked, lexicon=schema.lexicon)


def _service(raw: Json, lexicon: Lexicon) -> ServiceSpec:
    name = raw["service_name"]
    slots = tuple(_slot(name, s, lexicon) for s in raw["slots"])
    intents = tuple(_intent(name, i) for i in raw["intents"])
    return ServiceSpec(name=name, description=raw["description"], slots=slots, intents=intents)


def _slot(service: str, raw: Json, lexicon: Lexicon) -> SlotSpec:
    categorical = bool(raw.get("is_categorical"))
    values = tuple(raw.get("possible_values") or ())
    description = raw.get("description", "")
    return SlotSpec(
        name=f"{service}-{raw['name']}",
        description=description,
        categorical=categorical,
        values=values if categorical else (),
        examples=() if categorical else values,
        kind=_kind(categorical, values, description, lexicon),
    )


def _kind(
    categorical: bool, values: tuple[str, ...], description: str, lexicon: Lexicon
) -> SlotKind:
    """From what the SGD schema says of a slot: its values' shape (``True``/``False`` is
    boolean, digits a number); a free-text slot, which lists no values, is a time or a date
    when its description says so in the lexicon's words ("Time of the alarm": ``slot_time``)."""
    kind = infer_kind(categorical, values if categorical else (), values, lexicon)
    if kind != "text":
        return kind
    lowered = description.lower()
    return next((k for cue, k in _DESCRIBED if lexicon.pattern(cue).search(lowered)), kind)


# lexicon cues whose words, in a free-text slot's description, say what its values are
_DESCRIBED: tuple[tuple[str, SlotKind], ...] = (("slot_time", "time"), ("slot_date", "date"))


def _intent(service: str, raw: Json) -> IntentSpec:
    def full(names: Iterable[str]) -> tuple[str, ...]:
        return tuple(f"{service}-{n}" for n in names)

    return IntentSpec(
        name=raw["name"],
        description=raw.get("description", ""),
        required=full(raw.get("required_slots", ())),
        optional=full(raw.get("optional_slots", {})),
        transactional=bool(raw.get("is_transactional")),
        result_slots=full(raw.get("result_slots", ())),
    )


# --------------------------------------------------------------------------- dialogues


def sgd_dialogue_files(data_dir: str | Path, split: str) -> list[Path]:
    """``dialogues_NNN.json`` and ``.json.gz`` files of a split, in name order."""
    folder = Path(data_dir) / split
    if not folder.is_dir():
        raise DomainError(f"no SGD split folder {folder}; pass --data DIR holding {split}/")
    files = sorted(folder.glob("dialogues_*.json*"))
    return [f for f in files if f.name.endswith((".json", ".json.gz"))]


def load_sgd_dialogues(
    paths: Iterable[str | Path], *, limit: int | None = None
) -> list[AnnotatedDialogue]:
    """Dialogues of the given files in file order; at most ``limit`` of them."""
    out: list[AnnotatedDialogue] = []
    with _no_gc():
        for path in paths:
            for raw in _read_json(Path(path)):
                if limit is not None and len(out) >= limit:
                    return out
                out.append(convert_dialogue(raw))
    return out


@contextmanager
def _no_gc() -> Iterator[None]:
    """Cyclic GC passes over ~10^6 fresh objects triple the load time; none are cyclic."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_sgd_split(
    data_dir: str | Path,
    split: str,
    *,
    limit: int | None = None,
    cache_dir: str | Path | None = None,
) -> tuple[DomainSchema, list[AnnotatedDialogue]]:
    """A split's schema and dialogues, e.g. ``load_sgd_split("../shared/data/sgd", "dev")``.

    With ``cache_dir`` (and no ``limit``) the result is kept there as a pickle and reused while
    the files are unchanged (see :mod:`prompts.sgd_cache`).
    """
    files = sgd_dialogue_files(data_dir, split)
    schema_file = Path(data_dir) / split / "schema.json"

    def build() -> tuple[DomainSchema, list[AnnotatedDialogue]]:
        schema = load_sgd_schema(schema_file, name=f"sgd-{split}")
        return schema, load_sgd_dialogues(files, limit=limit)

    if cache_dir is None or limit is not None or not schema_file.is_file():
        return build()
    from prompts.sgd_cache import cached

    # the schema carries the English lexicon and the conversion reads it: a changed lexicon
    # file is a changed input
    inputs = [schema_file, *files, LEXICON_DIR / "en.yaml"]
    with _no_gc():
        return cached(Path(cache_dir), f"sgd-{split}", inputs, build)


def sgd_pack(
    data_dir: str | Path,
    split: str,
    *,
    limit: int | None = None,
    cache_dir: str | Path | None = None,
) -> DomainPack:
    """All services of a split as one domain, all its user turns as the exemplar bank."""
    schema, dialogues = load_sgd_split(data_dir, split, limit=limit, cache_dir=cache_dir)
    exemplars = tuple(turn for dialogue in dialogues for turn in dialogue.turns)
    return DomainPack(schema=schema, exemplars=exemplars, source=str(Path(data_dir) / split))


def _read_json(path: Path) -> Any:
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                return json.load(handle)
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise DomainError(f"{path}: no such file; check the SGD data folder") from error
    except (OSError, ValueError) as error:
        raise DomainError(f"{path}: not a readable SGD JSON file ({error})") from error
