"""`eval sgd` end to end on a two-dialogue SGD folder, with the fake model (no weights)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from main import main

SCHEMA = [
    {
        "service_name": "Restaurants_9",
        "description": "find restaurants",
        "slots": [
            {"name": "city", "description": "city", "is_categorical": False, "possible_values": []},
            {
                "name": "price_range",
                "description": "price",
                "is_categorical": True,
                "possible_values": ["cheap", "moderate"],
            },
        ],
        "intents": [
            {
                "name": "FindRestaurants",
                "description": "search",
                "is_transactional": False,
                "required_slots": ["city"],
                "optional_slots": {"price_range": "dontcare"},
                "result_slots": ["city", "price_range"],
            }
        ],
    }
]


def _user(text: str, slots: dict[str, list[str]]) -> dict[str, object]:
    state = {"active_intent": "FindRestaurants", "requested_slots": [], "slot_values": slots}
    frame = {"service": "Restaurants_9", "actions": [], "slots": [], "state": state}
    return {"speaker": "USER", "utterance": text, "frames": [frame]}


def _system(text: str) -> dict[str, object]:
    frame = {
        "service": "Restaurants_9",
        "actions": [{"act": "REQUEST", "slot": "city", "values": []}],
        "slots": [],
    }
    return {"speaker": "SYSTEM", "utterance": text, "frames": [frame]}


def _dialogue(name: str) -> dict[str, object]:
    turns = [
        _user("I want a cheap place.", {"price_range": ["cheap"]}),
        _system("Which city?"),
        _user("San Jose.", {"price_range": ["cheap"], "city": ["San Jose"]}),
    ]
    return {"dialogue_id": name, "services": ["Restaurants_9"], "turns": turns}


@pytest.fixture()
def sgd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SLOTCHAT_CACHE_DIR", str(tmp_path / "cache"))
    for split, suffix in (("train", ".json"), ("dev", ".json.gz")):
        folder = tmp_path / "sgd" / split
        folder.mkdir(parents=True)
        (folder / "schema.json").write_text(json.dumps(SCHEMA))
        data = json.dumps([_dialogue(f"{split}_1"), _dialogue(f"{split}_2")])
        if suffix == ".json.gz":
            (folder / "dialogues_001.json.gz").write_bytes(gzip.compress(data.encode()))
        else:
            (folder / "dialogues_001.json").write_text(data)
    return tmp_path / "sgd"


def test_eval_sgd_writes_the_contract_keys(
    sgd: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "eval.json"
    code = main(
        [
            "--model",
            "fake",
            "eval",
            "sgd",
            "--data",
            str(sgd),
            "--split",
            "dev",
            "--limit-dialogues",
            "1",
            "--json",
            str(out),
            "--exemplars",
            "bm25",
            "--k",
            "2",
            "--tracker-option",
            "max_tokens=64",
        ]
    )
    assert code == 0
    result = json.loads(out.read_text())
    for key in (
        "split",
        "pack",
        "dialogues",
        "turns",
        "jga",
        "aga",
        "slot_f1",
        "intent_acc",
        "jga_seen",
        "jga_unseen",
        "jga_official",
        "jga_official_seen",
        "jga_official_unseen",
        "slots_missing",
        "slots_extra",
        "slots_wrong",
        "per_service",
        "latency_p50_s",
        "latency_p95_s",
        "strategy",
    ):
        assert key in result
    assert result["split"] == "dev" and result["pack"] == "fake" and result["strategy"] == "bm25"
    assert result["dialogues"] == 1 and result["turns"] == 2
    # the shipped tracker ran, with the one variant asked for, and the JSON says so
    assert result["max_tokens"] == 64 and result["candidates"] and result["system_move"]
    assert result["all_services"]
    assert result["per_service"]["Restaurants_9"]["turns"] == 2
    # the echo model never writes a delta; with the candidate grammar, what one frame's turn settles
    # beyond doubt (its categorical values, agent.tracking.completion) is filled in all the same
    assert result["jga"] == 0.5
    assert "Restaurants_9" in capsys.readouterr().out


def test_turn_level_mode_and_a_missing_folder(
    sgd: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--model", "fake", "eval", "sgd", "--data", str(sgd), "--turn-level"]) == 0
    assert "jga=" in capsys.readouterr().out
    assert main(["--model", "fake", "eval", "sgd", "--data", str(sgd / "nowhere")]) != 0
    assert "nowhere" in capsys.readouterr().err


def test_trace_writes_one_json_line_per_turn(sgd: Path, tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    assert main(["--model", "fake", "eval", "sgd", "--data", str(sgd), "--trace", str(trace)]) == 0
    rows = [json.loads(line) for line in trace.read_text().splitlines()]
    assert len(rows) == 4
    assert rows[1]["gold"] == {
        "Restaurants_9-price_range": "cheap",
        "Restaurants_9-city": "San Jose",
    }
    assert set(rows[0]) >= {"user", "output", "predicted", "joint"}
