"""The SGD loader on the real files in ../shared/data/sgd and on hand-made dialogues."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from agent.errors import DomainError
from prompts.sgd import (
    convert_dialogue,
    load_sgd_dialogues,
    load_sgd_schema,
    load_sgd_split,
    schema_for_services,
    sgd_dialogue_files,
    sgd_pack,
)

SGD = Path("/work/shared/data/sgd")

pytestmark = pytest.mark.skipif(not SGD.is_dir(), reason="SGD data not present")


@pytest.fixture(scope="module")
def dev():
    return load_sgd_split(SGD, "dev")


def test_dev_split_counts(dev):
    schema, dialogues = dev
    assert len(schema.services) == 17 and schema.name == "sgd-dev"
    assert len(dialogues) == 2098
    assert sum(len(d.turns) for d in dialogues) == 19384
    assert len({d.id for d in dialogues}) == 2098


def test_schema_keeps_sgd_slots_and_intents(dev):
    schema, _ = dev
    service = schema.service("Restaurants_2")
    location = schema.slot("Restaurants_2-location")
    assert location is not None and not location.categorical and location.service == "Restaurants_2"
    price = schema.slot("Restaurants_2-price_range")
    assert price.categorical and "moderate" in price.values
    reserve = next(i for i in service.intents if i.name == "ReserveRestaurant")
    assert reserve.transactional
    assert "Restaurants_2-restaurant_name" in reserve.required
    assert "Restaurants_2-number_of_seats" in reserve.optional
    assert reserve.result_slots


def test_known_dev_dialogue(dev):
    _, dialogues = dev
    first = dialogues[0]
    assert first.id == "1_00000" and first.services == ("Restaurants_2",)
    t0, t1, t2 = first.turns[:3]
    assert t0.system == "" and t0.prev_state.slots == {}
    assert t0.delta.intents == {"Restaurants_2": "ReserveRestaurant"}
    assert t0.delta.set == {
        "Restaurants_2-number_of_seats": "2",
        "Restaurants_2-time": "half past 11 in the morning",
    }
    assert t1.prev_state == t0.state and t1.system
    assert t1.delta.set == {
        "Restaurants_2-location": "San Jose",
        "Restaurants_2-restaurant_name": "Sino",
    }
    assert t1.delta.intents == {}  # unchanged intent is not repeated
    # the gold list gains "11:30 am"; the earlier value stays canonical and is not a change
    assert t2.delta.set == {"Restaurants_2-date": "today"}
    assert t2.delta.requested == {"Restaurants_2-phone_number"}
    assert t2.state.slots["Restaurants_2-time"] == "half past 11 in the morning"
    assert t2.acceptable["Restaurants_2-time"] == ("half past 11 in the morning", "11:30 am")
    assert t0.system_act and t0.reply


@pytest.mark.slow
def test_train_split_loads_everything():
    schema, dialogues = load_sgd_split(SGD, "train")
    assert len(sgd_dialogue_files(SGD, "train")) == 96  # + schema.json: 97 files
    assert len(schema.services) == 26 and len(dialogues) == 12174
    turns = dialogues[0].turns
    assert dialogues[0].id == "1_00000"
    assert turns[1].delta.set == {"Restaurants_1-city": "San Jose"}
    assert turns[7].delta.intents == {"Restaurants_1": "ReserveRestaurant"}
    assert turns[7].delta.set == {"Restaurants_1-restaurant_name": "Bird Dog"}
    assert turns[9].delta.requested == {"Restaurants_1-has_live_music"}
    assert turns[2].system_act == (
        "offer(Restaurants_1-restaurant_name=71 Saint Peter, Restaurants_1-city=San Jose)"
    )
    assert turns[2].reply.startswith("I see that at 71 Saint Peter")


def test_plain_json_and_gzip_load_the_same(tmp_path):
    source = SGD / "dev" / "dialogues_001.json.gz"
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        raw = json.load(handle)[:3]
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev" / "dialogues_001.json").write_text(json.dumps(raw))
    shutil.copy(SGD / "dev" / "schema.json", tmp_path / "dev" / "schema.json")
    from_json = load_sgd_split(tmp_path, "dev")[1]
    assert from_json == load_sgd_dialogues([source], limit=3)
    pack = sgd_pack(tmp_path, "dev")
    assert len(pack.exemplars) == sum(len(d.turns) for d in from_json)
    assert pack.source == str(tmp_path / "dev")


def test_cache_is_reused_and_invalidated(tmp_path):
    data, cache = tmp_path / "data", tmp_path / "cache"
    (data / "dev").mkdir(parents=True)
    shutil.copy(SGD / "dev" / "schema.json", data / "dev" / "schema.json")
    raw = load_sgd_dialogues([SGD / "dev" / "dialogues_001.json.gz"], limit=2)
    with gzip.open(SGD / "dev" / "dialogues_001.json.gz", "rt", encoding="utf-8") as source:
        dialogues = json.load(source)[:2]
    (data / "dev" / "dialogues_001.json").write_text(json.dumps(dialogues))
    first = load_sgd_split(data, "dev", cache_dir=cache)
    [pickled] = cache.glob("sgd-dev-*.pickle")
    assert load_sgd_split(data, "dev", cache_dir=cache) == first and first[1] == raw
    pickled.write_bytes(b"not a pickle")  # a broken cache is rebuilt, not fatal
    assert load_sgd_split(data, "dev", cache_dir=cache) == first
    (data / "dev" / "dialogues_001.json").write_text(json.dumps(dialogues[:1]))
    assert len(load_sgd_split(data, "dev", cache_dir=cache)[1]) == 1
    assert [p.name for p in cache.glob("sgd-dev-*.pickle")] != [pickled.name]


def test_schema_for_services(dev):
    schema, _ = dev
    picked = schema_for_services(schema, ["Restaurants_2", "Hotels_1", "Restaurants_2"])
    assert [s.name for s in picked.services] == ["Restaurants_2", "Hotels_1"]
    with pytest.raises(DomainError, match="Atlantis_1"):
        schema_for_services(schema, ["Atlantis_1"])


def test_missing_files_are_domain_errors(tmp_path):
    with pytest.raises(DomainError, match="no SGD split folder"):
        load_sgd_split(tmp_path, "test")
    (tmp_path / "schema.json").write_text("{not json")
    with pytest.raises(DomainError, match="not a readable SGD JSON file"):
        load_sgd_schema(tmp_path)


def _frame(service: str, slots: dict[str, list[str]], intent: str, requested=()) -> dict:
    state = {"active_intent": intent, "requested_slots": list(requested), "slot_values": slots}
    return {"service": service, "state": state, "actions": [], "slots": []}


def test_deleted_slots_and_intent_none():
    raw = {
        "dialogue_id": "x",
        "services": ["Taxi_1"],
        "turns": [
            {
                "speaker": "USER",
                "utterance": "cab to SFO for 2",
                "frames": [_frame("Taxi_1", {"to": ["SFO"], "people": ["2"]}, "Ride")],
            },
            {
                "speaker": "SYSTEM",
                "utterance": "ok",
                "frames": [
                    {
                        "service": "Taxi_1",
                        "actions": [
                            {"act": "CONFIRM", "slot": "to", "values": ["SFO"]},
                            {"act": "CONFIRM", "slot": "people", "values": ["2"]},
                        ],
                    }
                ],
            },
            {
                "speaker": "USER",
                "utterance": "forget the count; thanks",
                "frames": [_frame("Taxi_1", {"to": ["SFO", "airport"]}, "NONE", ["fare"])],
            },
        ],
    }
    first, second = convert_dialogue(raw).turns
    assert first.system_act == "confirm(Taxi_1-to=SFO, Taxi_1-people=2)"
    assert first.reply == "ok"
    assert second.delta.deleted == {"Taxi_1-people"} and second.delta.set == {}
    assert second.state.slots == {"Taxi_1-to": "SFO"}
    assert second.state.intents == {} and second.delta.intents == {}
    assert second.delta.requested == {"Taxi_1-fare"} == second.state.requested
    assert second.acceptable == {"Taxi_1-to": ("SFO", "airport")}
