"""Each broken pack fixture is rejected with a message naming file:line, field and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from prompts.packs import check_pack

FIXTURES = Path(__file__).parent / "broken_packs"

CASES = {
    "malformed_yaml": ["dialogues/one.yaml:6: malformed YAML (while parsing a block collection"],
    "malformed_json": ["db/restaurant.json:4: malformed JSON"],
    "unknown_slot": [
        "dialogues/one.yaml:10: dialogues[0].turns[2].set.restaurant-fod: unknown slot "
        "'restaurant-fod'; did you mean 'restaurant-food'?"
    ],
    "categorical_value": [
        "dialogues/one.yaml:5: dialogues[0].turns[0].set.restaurant-area: 'northeast' is not "
        "an allowed value of categorical slot 'restaurant-area'; use one of: north, south"
    ],
    "intent_unknown_slot": [
        "domain.yaml:22: services[0].intents[0].required[1]: intent 'find_restaurant' names "
        "slot 'restaurant-pricerange', which its service does not have"
    ],
    "empty_domain": ["domain.yaml:1: the file is empty"],
    "no_services": ["domain.yaml:3: services: must not be empty"],
    "no_dialogues": ["no_dialogues/dialogues: no example dialogues: add dialogues/*.yaml"],
    "duplicate_names": [
        "domain.yaml:13: services[0].slots[2].name: duplicate slot name 'restaurant-food' "
        "(first at line 11)",
        "dialogues/two.yaml:2: dialogues[0].id: duplicate dialogue id 'one' (first at one.yaml:2)",
    ],
    "unknown_field": ["domain.yaml:9: services[0].slots[0].categorial: unknown field"],
    "missing_description": [
        "domain.yaml:11: services[0].slots[1].description: required field is missing; add it"
    ],
    "bad_slot_names": [
        "domain.yaml:13: services[0].slots[2].name: slot names start with their service: "
        "write 'restaurant-booktime'"
    ],
    "bad_service_name": ["domain.yaml:4: services[0].name: use letters, digits and '_' only"],
    "bad_turns": [
        "one.yaml:4: dialogues[0].turns[0]: a turn has exactly one of 'system:' or 'user:'",
        "one.yaml:10: dialogues[1].turns[1]: two user turns in a row",
        "one.yaml:11: dialogues[1].turns[1].delete[0]: 'restaurant-area' is not set",
        "one.yaml:12: dialogues[1].turns[1].intent: unknown intent 'find_pizza'; use one of: "
        "find_restaurant",
        "one.yaml:14: dialogues[1].turns[2].act: unknown slot 'restaurant-nam'",
        "one.yaml:14: dialogues[1].turns[2].act: unknown act 'dance'",
    ],
    "bad_database": [
        "db/bus.json: no service 'bus' in domain.yaml",
        "db/restaurant.json:3: [1]: the record has no name",
        "db/restaurant.json:4: [2].area: 'west' is not an allowed value of 'restaurant-area'",
        "db/restaurant.json:4: [2].menu: values are text or numbers",
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_pack_is_rejected_with_precise_messages(name):
    problems = check_pack(FIXTURES / name)
    for expected in CASES[name]:
        assert any(expected in problem for problem in problems), (expected, problems)
    assert all(problem.startswith(str(FIXTURES / name)) for problem in problems)


def test_every_fixture_is_covered():
    folders = {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    assert folders == set(CASES) | {"ok_minimal"}
    assert check_pack(FIXTURES / "ok_minimal") == []
