"""The fake model's oracle: tracker deltas and replies derived from the expectations."""

from __future__ import annotations

import json

from agent.domain import Constraint, Message
from agent.evaluation.scripted.files import Expectation, ScriptTurn
from agent.evaluation.scripted.oracle import ExpectationOracle
from tests.fakes.mini import OPEN_SCHEMA as SCHEMA

GRAMMAR = Constraint(gbnf="root ::= x")


def turn(user: str, **expect: object) -> ScriptTurn:
    return ScriptTurn(user=user, line=1, expect=Expectation(**expect))  # type: ignore[arg-type]


def test_tracker_reply_is_the_delta_to_the_expected_state() -> None:
    oracle = ExpectationOracle(SCHEMA)
    oracle.begin_turn(
        turn(
            "thai, anywhere",
            state={"restaurant-food": "thai", "restaurant-area": "east"},
            state_absent=("restaurant-bookday",),
        ),
        {"restaurant-area": "east", "restaurant-bookday": "monday"},
    )
    delta = json.loads(oracle.reply([Message("user", "x")], GRAMMAR))
    assert delta == {
        "intent": "find_restaurant",
        "restaurant-bookday": None,
        "restaurant-food": "thai",
    }


def test_booking_turns_get_the_booking_intent_and_requests_are_guessed() -> None:
    oracle = ExpectationOracle(SCHEMA)
    oracle.begin_turn(turn("friday please", state={"restaurant-bookday": "friday"}), {})
    assert json.loads(oracle.reply([], GRAMMAR))["intent"] == "book_restaurant"
    oracle.begin_turn(turn("what is their phone number?"), {"restaurant-bookday": "friday"})
    assert json.loads(oracle.reply([], GRAMMAR)) == {"requested": ["restaurant-phone"]}
    oracle.begin_turn(turn("hello"), {})
    assert oracle.reply([], GRAMMAR) == "{}"


def test_responder_reply_says_the_expected_words_and_the_grounded_reference() -> None:
    oracle = ExpectationOracle(SCHEMA)
    oracle.begin_turn(turn("yes", reply_contains=("booked",), reply_matches="[A-Z0-9]{8}"), {})
    prompt = [Message("system", "Act: book, reference QX12RT34"), Message("user", "yes")]
    assert oracle.reply(prompt, None) == "booked QX12RT34."
    oracle.begin_turn(turn("hi"), {})
    assert oracle.reply(prompt, None) == "Okay."
