"""Expectation checks: subset match after normalization, absent slots, acts, replies, bookings."""

from __future__ import annotations

from agent.evaluation.scripted.check import Normalizer, Observed, check_bookings, check_turn
from agent.evaluation.scripted.files import Expectation

NORMALIZE = Normalizer()


def fields(expect: Expectation, seen: Observed) -> list[str]:
    return [m.field for m in check_turn(expect, seen, NORMALIZE)]


def test_state_is_a_subset_match_after_normalization() -> None:
    seen = Observed(
        {"restaurant-booktime": "6pm", "restaurant-food": "Italian", "x-y": "1"}, "", ""
    )
    assert fields(Expectation(state={"restaurant-booktime": "18:00"}), seen) == []
    assert fields(Expectation(state={"restaurant-food": "italian"}), seen) == []
    (mismatch,) = check_turn(Expectation(state={"restaurant-area": "centre"}), seen, NORMALIZE)
    assert (mismatch.slot, mismatch.expected, mismatch.actual) == (
        "restaurant-area",
        "centre",
        None,
    )
    assert "expected 'centre', got unset" in mismatch.message


def test_absent_slots_and_acts() -> None:
    seen = Observed({"restaurant-area": "north"}, "offer", "")
    assert fields(Expectation(state_absent=("restaurant-food",), act="offer"), seen) == []
    assert fields(Expectation(state_absent=("restaurant-area",), act="book"), seen) == [
        "state_absent",
        "act",
    ]


def test_replies_are_checked_case_insensitively_and_by_regex() -> None:
    seen = Observed({}, "book", "Booked! Your reference is AB12CD34.")
    ok = Expectation(
        reply_contains=("booked", "REFERENCE"),
        reply_not_contains=("sorry",),
        reply_matches=r"[A-Z0-9]{8}",
    )
    assert fields(ok, seen) == []
    bad = Expectation(
        reply_contains=("confirm",), reply_not_contains=("BOOKED",), reply_matches=r"\d{5}"
    )
    assert fields(bad, seen) == ["reply_contains", "reply_not_contains", "reply_matches"]


def test_bookings_match_by_service_and_field_subset() -> None:
    made = [
        {"service": "taxi", "taxi-destination": "kings college"},
        {"service": "restaurant", "restaurant-bookpeople": "2", "name": "nandos"},
    ]
    wanted = [
        {"domain": "restaurant", "bookpeople": "two", "name": "Nandos"},
        {"service": "taxi", "taxi-destination": "kings college"},
    ]
    assert check_bookings(wanted, made, NORMALIZE) == []
    count, missing = check_bookings([{"domain": "hotel"}], made, NORMALIZE)
    assert count.message == "expected 1 booking(s), made 2"
    assert missing.field == "final" and "no booking matches {domain: hotel}" in missing.message
    # one actual booking cannot satisfy two expected ones
    twice = [{"domain": "taxi"}, {"domain": "taxi"}]
    assert [m.message for m in check_bookings(twice, made, NORMALIZE)] == [
        "no booking matches {domain: taxi}"
    ]
    # an empty list means: nothing may be booked
    assert check_bookings([], [], NORMALIZE) == []
    assert len(check_bookings([], made, NORMALIZE)) == 1


def test_a_leading_article_does_not_matter() -> None:
    seen = Observed({"hotel-name": "lensfield hotel"}, "", "")
    assert fields(Expectation(state={"hotel-name": "The Lensfield Hotel"}), seen) == []
