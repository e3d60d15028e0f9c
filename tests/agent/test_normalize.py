"""The normalizers: examples of each rule, and properties (hypothesis) over arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.domain import DONTCARE, SlotSpec
from agent.normalize import allowed_values, normalize_value, parse_time, snap_categorical

PRICE = SlotSpec(
    "restaurant-pricerange", "price", categorical=True, values=("cheap", "moderate", "expensive")
)
BOOLEAN = SlotSpec(
    "Restaurants_2-has_vegetarian_options", "veg", categorical=True, values=("True", "False")
)
PEOPLE = SlotSpec("restaurant-bookpeople", "people", categorical=True, values=tuple("12345678"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7pm", "19:00"),
        ("7 PM", "19:00"),
        ("7:30 p.m.", "19:30"),
        ("half past six in the evening", "18:30"),
        ("quarter to eight pm", "19:45"),
        ("18.00", "18:00"),
        ("18:00", "18:00"),
        ("at 9:15am", "09:15"),
        ("12 am", "00:00"),
        ("noon", "12:00"),
        ("seven thirty pm", "19:30"),
        ("half past 11 in the morning", "11:30"),
        ("8 in the evening", "20:00"),
    ],
)
def test_times_become_hh_mm(value: str, expected: str) -> None:
    assert normalize_value("restaurant-booktime", value) == expected


@pytest.mark.parametrize(
    ("slot", "value", "expected"),
    [
        ("restaurant-bookpeople", "two", "2"),
        ("hotel-bookstay", " Three ", "3"),
        ("restaurant-bookday", "Fri", "friday"),
        ("restaurant-bookday", "on Tues", "tuesday"),
        ("restaurant-food", "  Italian. ", "italian"),
        ("restaurant-food", "any", DONTCARE),
        ("restaurant-area", "doesn't matter", DONTCARE),
        ("restaurant-area", "Don’t care", DONTCARE),
        ("restaurant-area", "no preference", DONTCARE),
        ("Buses_1-from_location", "San   Jose", "san jose"),
    ],
)
def test_values_take_their_canonical_form(slot: str, value: str, expected: str) -> None:
    assert normalize_value(slot, value) == expected


@pytest.mark.parametrize(
    ("slot", "value", "expected"),
    [
        ("Weather_1-date", "11th", "day 11"),
        ("Weather_1-date", "the 11th of this month", "day 11"),
        ("Events_1-date", "March 4th", "march 4"),
        ("Events_1-date", "4th of March", "march 4"),
        ("Events_1-date", "Mar 4", "march 4"),
        ("Events_1-date", "tomorrow", "tomorrow"),
        ("Banks_2-transfer_amount", "$1,700", "1700"),
        ("Banks_2-transfer_amount", "1,700 dollars", "1700"),
        ("Banks_2-transfer_amount", "1700.00", "1700"),
        ("Hotels_1-street_address", "1700", "1700"),
        ("Hotels_1-street_address", "1,700", "1,700"),
    ],
)
def test_dates_and_money_compare_by_meaning(slot: str, value: str, expected: str) -> None:
    assert normalize_value(slot, value) == expected


def test_bare_numbers_are_times_only_in_time_slots() -> None:
    assert normalize_value("restaurant-booktime", "7") == "07:00"
    assert normalize_value("restaurant-bookpeople", "7") == "7"
    assert normalize_value("hotel-stars", "4.5") == "4.5"
    assert parse_time("4.5") is None


def test_categorical_values_snap_to_the_closest_allowed_value() -> None:
    assert normalize_value(PRICE.name, "Expensive", PRICE) == "expensive"
    assert normalize_value(PRICE.name, "expansive", PRICE) == "expensive"
    assert normalize_value(PRICE.name, "something cheap please", PRICE) == "cheap"
    assert normalize_value(BOOLEAN.name, "yes", BOOLEAN) == "true"
    assert normalize_value(PEOPLE.name, "four", PEOPLE) == "4"
    assert normalize_value(PRICE.name, "whatever", PRICE) == DONTCARE


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_spoken = st.sampled_from(
    ["7pm", "7:30 p.m.", "two", "Fri", "any", "half past six in the evening", "18.00", "12 am"]
)
_slots = st.sampled_from(["restaurant-booktime", "restaurant-bookday", "hotel-stars", "a-b"])


@settings(max_examples=300, deadline=None)
@given(slot=_slots, value=st.one_of(_text, _spoken))
def test_normalizing_never_raises_and_is_idempotent(slot: str, value: str) -> None:
    once = normalize_value(slot, value)
    assert normalize_value(slot, once) == once


@settings(max_examples=300, deadline=None)
@given(spec=st.sampled_from([PRICE, BOOLEAN, PEOPLE]), value=st.one_of(_text, _spoken))
def test_categorical_output_is_always_allowed(spec: SlotSpec, value: str) -> None:
    out = normalize_value(spec.name, value, spec)
    assert out in {*allowed_values(spec), DONTCARE}
    assert normalize_value(spec.name, out, spec) == out
    assert snap_categorical(out, spec) == out
