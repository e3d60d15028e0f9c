"""The built-in cambridge pack and the pack loader on valid input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agent.domain import DONTCARE
from agent.errors import DomainError, NotFound
from prompts.packs import builtin_packs, check_pack, load_pack, load_pack_dialogues, pack_path

MULTIWOZ = Path("/work/shared/data/multiwoz")
FIXTURES = Path(__file__).parent / "broken_packs"
SERVICES = ("restaurant", "hotel", "attraction", "train", "taxi")

needs_multiwoz = pytest.mark.skipif(not MULTIWOZ.is_dir(), reason="MultiWOZ data not present")


@pytest.fixture(scope="module")
def cambridge():
    return load_pack("cambridge")


def test_cambridge_is_builtin_and_checks_clean():
    assert "cambridge" in builtin_packs()
    assert check_pack("cambridge") == []


def test_cambridge_services_and_booking_intents(cambridge):
    schema = cambridge.schema
    assert tuple(s.name for s in schema.services) == SERVICES
    intents = {i.name: i for s in schema.services for i in s.intents}
    assert intents["book_restaurant"].required == (
        "restaurant-name",
        "restaurant-bookpeople",
        "restaurant-bookday",
        "restaurant-booktime",
    )
    assert intents["book_hotel"].transactional
    assert set(intents["book_taxi"].required) == {"taxi-departure", "taxi-destination"}


@needs_multiwoz
def test_cambridge_slots_are_multiwoz_slots(cambridge):
    raw = json.loads((MULTIWOZ / "schema.json").read_text())
    multiwoz = {
        slot["name"]: slot for s in raw if s["service_name"] in SERVICES for slot in s["slots"]
    }
    assert set(cambridge.schema.slot_names) == set(multiwoz)
    for name, slot in multiwoz.items():
        spec = cambridge.schema.slot(name)
        if slot["is_categorical"]:
            assert spec.categorical and set(spec.values) == set(slot["possible_values"]), name


@needs_multiwoz
def test_cambridge_database_keeps_every_row(cambridge):
    for service in ("restaurant", "hotel", "attraction", "train"):
        rows = json.loads((MULTIWOZ / f"{service}_db.json").read_text())
        assert len(cambridge.database[service]) == len(rows)
    pizza = next(e for e in cambridge.database["restaurant"] if e.name == "pizza hut city centre")
    assert pizza.attributes["food"] == "italian" and pizza.attributes["phone"] == "01223323737"
    train = cambridge.database["train"][0]
    assert train.name == "TR7075" and train.attributes["leaveat"] == "05:00"


def test_cambridge_exemplar_bank_covers_the_brief(cambridge):
    dialogues = load_pack_dialogues("cambridge")
    assert len(dialogues) >= 25
    turns = cambridge.exemplars
    assert any(DONTCARE in t.delta.set.values() for t in turns)
    assert any(t.delta.deleted for t in turns)
    assert any(t.delta.requested for t in turns)
    assert any(t.delta.empty for t in turns)  # chit-chat
    assert any(len(t.services) > 1 for t in turns)  # multi-domain turn
    assert any(
        t.prev_state.slots.get(s) not in (None, v) for t in turns for s, v in t.delta.set.items()
    )  # corrections


def test_exemplar_state_accumulates(cambridge):
    turns = [t for t in cambridge.exemplars if t.dialogue_id == "correction-booking-time"]
    assert turns[0].delta.intents == {"restaurant": "book_restaurant"}
    assert turns[1].system.startswith("Shall I book Pizza Express")
    assert turns[1].delta.set == {"restaurant-booktime": "19:00"}
    assert turns[1].state.slots["restaurant-booktime"] == "19:00"
    assert turns[1].state.slots["restaurant-name"] == "pizza express"
    assert turns[1].state.intents == {"restaurant": "book_restaurant"}
    assert turns[1].delta.intents == {}  # unchanged intents are not repeated in the delta
    assert turns[0].system_act.startswith("confirm(") and turns[0].reply


def test_yaml_scalars_stay_text_and_values_are_normalized():
    pack = load_pack(FIXTURES / "ok_minimal")
    first, second = pack.exemplars
    assert first.delta.set == {"restaurant-area": "north", "restaurant-parking": "yes"}
    assert second.delta.set == {"restaurant-food": "thai", "restaurant-booktime": "18:00"}
    assert pack.database["restaurant"][0].attributes == {"area": "north", "food": "thai"}


def test_pack_path_resolution(tmp_path):
    assert pack_path("cambridge").name == "cambridge"
    assert pack_path(FIXTURES / "ok_minimal" / "domain.yaml") == FIXTURES / "ok_minimal"
    with pytest.raises(NotFound, match="no domain pack 'nowhere'"):
        pack_path("nowhere")
    assert check_pack(tmp_path / "missing")[0].startswith("no domain pack")
    (tmp_path / "empty").mkdir()
    assert check_pack(tmp_path / "empty") == [
        f"{tmp_path / 'empty' / 'domain.yaml'}: no domain.yaml: a pack folder needs one "
        "(name, description, services)"
    ]


def test_load_pack_names_the_first_problem_and_the_count():
    with pytest.raises(DomainError) as caught:
        load_pack(FIXTURES / "bad_turns")
    message = str(caught.value)
    assert "bad_turns/dialogues/one.yaml:4: dialogues[0].turns[0]" in message
    assert "(and 5 more)" in message and "domains check" in message


def test_readme_example_is_a_valid_pack(tmp_path):
    readme = (Path(__file__).parents[2] / "prompts" / "domains" / "README.md").read_text()
    blocks = [
        b.split("\n", 1)[1] for b in readme.split("```")[1::2] if b.startswith(("yaml", "json"))
    ]
    domain, dialogues, records = blocks
    (tmp_path / "dialogues").mkdir()
    (tmp_path / "db").mkdir()
    (tmp_path / "domain.yaml").write_text(domain)
    (tmp_path / "dialogues" / "example.yaml").write_text(dialogues)
    (tmp_path / "db" / "restaurant.json").write_text(records)
    assert check_pack(tmp_path) == []
    turn = load_pack(tmp_path).exemplars[-1]
    assert turn.delta.set["restaurant-booktime"] == "19:00"
    assert turn.state.intents == {"restaurant": "book_restaurant"}


def test_null_in_set_points_to_delete(tmp_path):
    shutil.copytree(FIXTURES / "ok_minimal", tmp_path / "pack")
    dialogue = tmp_path / "pack" / "dialogues" / "one.yaml"
    dialogue.write_text(dialogue.read_text().replace("restaurant-food: Thai", "restaurant-food: ~"))
    assert check_pack(tmp_path / "pack") == [
        f"{dialogue}:10: dialogues[0].turns[2].set.restaurant-food: expected a value (or "
        "dontcare); to remove a slot, list it under delete"
    ]
