"""Slot kinds and value aliases: declared in domain.yaml, inferred from structure when not,
set by the SGD adapter from the SGD schema; wrong declarations are file:line problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.domain import SlotSpec
from agent.language.slot_kinds import infer_kind, structural_kind
from prompts.packs import check_pack, load_pack
from prompts.packs._lexicon import language_lexicon
from prompts.packs._source import read_yaml
from prompts.sgd import load_sgd_schema

SGD_DEV = Path(__file__).resolve().parents[3] / "shared" / "data" / "sgd" / "dev"

_DIALOGUE = """\
dialogues:
  - id: one
    turns:
      - user: Something in the north.
        set: {restaurant-area: north}
        intent: find_restaurant
"""


def _pack(tmp_path: Path, slots: str, top: str = "") -> Path:
    (tmp_path / "dialogues").mkdir()
    (tmp_path / "dialogues" / "one.yaml").write_text(_DIALOGUE)
    (tmp_path / "domain.yaml").write_text(
        f"name: mini\n{top}services:\n  - name: restaurant\n    description: places\n"
        "    slots:\n      - name: restaurant-area\n        description: area\n"
        "        categorical: true\n        values: [north, south, centre]\n"
        f"{slots}"
        "    intents:\n      - name: find_restaurant\n        description: search\n"
        "        optional: [restaurant-area]\n"
    )
    return tmp_path


@pytest.mark.parametrize(
    ("categorical", "values", "examples", "kind"),
    [
        (True, ["yes", "no"], [], "boolean"),
        (True, ["True", "False"], [], "boolean"),
        (True, ["free", "yes", "no"], [], "categorical"),  # a pack declares this one
        (True, ["1", "2", "10"], [], "number"),
        (False, [], ["19:00", "7:30"], "time"),
        (False, [], ["2026-12-01"], "date"),
        (True, ["monday", "friday"], [], "categorical"),  # weekdays: the pack says date
        (False, [], ["pizza hut", "the golden curry"], "text"),
        (False, [], [], "text"),
    ],
)
def test_kind_inferred_from_structure_only(
    categorical: bool, values: list[str], examples: list[str], kind: str
) -> None:
    assert infer_kind(categorical, values, examples, language_lexicon("en")) == kind


def test_korean_yes_no_values_are_boolean() -> None:
    assert infer_kind(True, ["있음", "없음"], [], language_lexicon("ko")) == "boolean"


def test_a_slot_named_like_a_time_is_not_a_time_by_its_name() -> None:
    assert SlotSpec("restaurant-booktime", "when").kind == "text"
    assert SlotSpec("x-when", "when", examples=("18:00",)).kind == "time"
    assert structural_kind(False, [], ["18:00", "soon"]) == "text"


def test_cambridge_declares_every_kind() -> None:
    schema = load_pack("cambridge").schema
    kinds = {s.name: s.kind for service in schema.services for s in service.slots}
    assert kinds["restaurant-booktime"] == "time"
    assert kinds["hotel-parking"] == "boolean"
    assert kinds["hotel-bookstay"] == "number"
    assert kinds["train-day"] == "date"
    assert kinds["train-trainid"] == "name"
    assert kinds["taxi-departure"] == "text"


@pytest.mark.parametrize("pack", ["cambridge", "clinic", "dongne"])
def test_shipped_packs_declare_a_kind_for_every_slot(pack: str) -> None:
    data = read_yaml(Path(load_pack(pack).source) / "domain.yaml").data
    undeclared = [s["name"] for v in data["services"] for s in v["slots"] if "kind" not in s]
    assert undeclared == []


def test_declared_kind_and_aliases_are_read(tmp_path: Path) -> None:
    slots = (
        "        kind: categorical\n"
        "        aliases: {centre: [Center, downtown], north: [northern]}\n"
        "        mentions: [neighbourhood]\n"
    )
    spec = load_pack(_pack(tmp_path, slots)).schema.slot("restaurant-area")
    assert spec is not None
    assert spec.aliases_of("centre") == ("center", "downtown")
    assert spec.mentions == ("neighbourhood",)
    assert spec.same_value("downtown", "centre") and not spec.same_value("north", "centre")


def test_domain_level_aliases_reach_every_slot_with_the_value(tmp_path: Path) -> None:
    spec = load_pack(_pack(tmp_path, "", "aliases: {centre: [center]}\n")).schema.slot(
        "restaurant-area"
    )
    assert spec is not None and spec.aliases_of("centre") == ("center",)


@pytest.mark.parametrize(
    ("slots", "top", "message"),
    [
        (
            "        kind: clock\n",
            "",
            "domain.yaml:10: services[0].slots[0].kind: unknown kind; use one of: categorical,",
        ),
        (
            "        aliases: {east: [eastern]}\n",
            "",
            "services[0].slots[0].aliases.east: 'east' is not a value of restaurant-area",
        ),
        (
            "        aliases: {centre: [north]}\n",
            "",
            "aliases.centre: alias 'north' is itself a value of this slot",
        ),
        (
            "        aliases: {centre: [middle], south: [middle]}\n",
            "",
            "alias 'middle' names both 'centre' and 'south'",
        ),
        ("", "aliases: {middle: [mid]}\n", "aliases.middle: 'middle' is no value of any"),
    ],
)
def test_wrong_kinds_and_aliases_are_problems(
    tmp_path: Path, slots: str, top: str, message: str
) -> None:
    problems = check_pack(_pack(tmp_path, slots, top))
    assert any(message in p for p in problems), problems


def test_a_boolean_slot_must_be_categorical(tmp_path: Path) -> None:
    slots = (
        "      - name: restaurant-parking\n        description: parking\n        kind: boolean\n"
    )
    problems = check_pack(_pack(tmp_path, slots))
    assert any("a boolean slot is categorical" in p for p in problems), problems


@pytest.mark.skipif(not SGD_DEV.is_dir(), reason="SGD data not present")
def test_sgd_kinds_come_from_the_sgd_schema() -> None:
    schema = load_sgd_schema(SGD_DEV)
    kinds = {s.name: s.kind for service in schema.services for s in service.slots}
    assert kinds["Restaurants_2-has_seating_outdoors"] == "boolean"  # True/False
    assert kinds["Restaurants_2-number_of_seats"] == "number"
    assert kinds["Restaurants_2-time"] == "time"  # "Tentative time of restaurant reservation"
    assert kinds["Restaurants_2-date"] == "date"
    assert kinds["Banks_2-transfer_time"] == "text"  # "Number of days for the transfer ..."
    assert kinds["Restaurants_2-price_range"] == "categorical"
