"""The normalizers: examples of each rule in English and Korean, read from the shipped lexicons,
and properties (hypothesis) over arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.domain import DONTCARE, SlotSpec
from agent.language.lexicon import Lexicon
from agent.language.normalize import (
    allowed_values,
    normalize_value,
    parse_number,
    parse_time,
    snap_categorical,
)
from prompts.packs._lexicon import language_lexicon

EN = language_lexicon("en")
KO = language_lexicon("ko")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
YOIL = ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일")

PRICE = SlotSpec(
    "restaurant-pricerange", "price", categorical=True, values=("cheap", "moderate", "expensive")
)
BOOLEAN = SlotSpec(
    "Restaurants_2-has_vegetarian_options", "veg", categorical=True, values=("True", "False")
)
PEOPLE = SlotSpec("restaurant-bookpeople", "people", categorical=True, values=tuple("12345678"))
TIME = SlotSpec("restaurant-booktime", "time", kind="time")
DAY = SlotSpec("restaurant-bookday", "day", categorical=True, values=DAYS, kind="date")
STAY = SlotSpec("hotel-bookstay", "nights", kind="number")
DATE = SlotSpec("Events_1-date", "date", kind="date")
AMOUNT = SlotSpec("Banks_2-transfer_amount", "amount", kind="number")
STREET = SlotSpec("Hotels_1-street_address", "address")
FOOD = SlotSpec("restaurant-food", "food")
SALON_TIME = SlotSpec("salon-time", "예약 시간", kind="time")
SALON_DAY = SlotSpec("salon-day", "예약 요일", categorical=True, values=YOIL, kind="date")
SALON_PEOPLE = SlotSpec(
    "salon-people", "예약 인원", categorical=True, values=("1", "2", "3", "4"), kind="number"
)


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
        ("six o'clock", "06:00"),
        ("7", "07:00"),
    ],
)
def test_times_become_hh_mm(value: str, expected: str) -> None:
    assert normalize_value(TIME.name, value, TIME, lexicon=EN) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("저녁 6시", "18:00"),
        ("저녁6시에", "18:00"),
        ("오후 2시 반", "14:30"),
        ("오후 세 시 삼십 분", "15:30"),
        ("아침 10시", "10:00"),
        ("오전 11시 15분", "11:15"),
        ("밤 9시", "21:00"),
        ("새벽 2시", "02:00"),
        ("여섯 시", "06:00"),
        ("열두 시 반", "12:30"),
        ("7시쯤", "07:00"),
        ("정오", "12:00"),
        ("자정", "00:00"),
        ("18:00", "18:00"),
    ],
)
def test_korean_times_become_hh_mm(value: str, expected: str) -> None:
    assert normalize_value(SALON_TIME.name, value, SALON_TIME, lexicon=KO) == expected


def test_a_time_needs_the_lexicon_of_its_language() -> None:
    assert parse_time("저녁 6시", lexicon=EN) is None
    assert parse_time("half past six in the evening", lexicon=KO) is None
    both = EN.merged(KO)
    assert parse_time("저녁 6시", lexicon=both) == parse_time("6pm", lexicon=both) == "18:00"


def test_a_spoken_clock_needs_a_half_of_the_day_unless_it_stands_alone() -> None:
    assert parse_time("half past six") is None  # the morning or the evening?
    assert parse_time("half past six", bare_numbers=True) is None
    assert parse_time("six o'clock") == "06:00"
    assert parse_time("6시", lexicon=KO) == "06:00"  # 시 makes it a time
    assert parse_time("6", lexicon=KO) is None


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        (PEOPLE, "two", "2"),
        (STAY, " Three ", "3"),
        (PEOPLE, "two people", "2"),
        (STAY, "3 nights", "3"),
        (DAY, "Fri", "friday"),
        (DAY, "on Tues", "tuesday"),
        (FOOD, "  Italian. ", "italian"),
        (FOOD, "any", DONTCARE),
        (PRICE, "doesn't matter", DONTCARE),
        (PRICE, "Don’t care", DONTCARE),
        (PRICE, "no preference", DONTCARE),
        (SlotSpec("Buses_1-from_location", "from"), "San   Jose", "san jose"),
    ],
)
def test_values_take_their_canonical_form(spec: SlotSpec, value: str, expected: str) -> None:
    assert normalize_value(spec.name, value, spec, lexicon=EN) == expected


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        (SALON_PEOPLE, "두 명", "2"),
        (SALON_PEOPLE, "두명", "2"),
        (SALON_PEOPLE, "세 분", "3"),
        (SALON_PEOPLE, "넷", "4"),
        (SALON_PEOPLE, "한 사람", "1"),
        (SALON_DAY, "토요일", "토요일"),
        (SALON_DAY, "토욜", "토요일"),
        (SALON_DAY, "다음 주 금요일", "금요일"),
        (SALON_TIME, "상관없어요", DONTCARE),
        (FOOD, "아무거나", DONTCARE),
    ],
)
def test_korean_values_take_their_canonical_form(spec: SlotSpec, value: str, expected: str) -> None:
    assert normalize_value(spec.name, value, spec, lexicon=KO) == expected


@pytest.mark.parametrize(
    ("word", "lexicon", "expected"),
    [
        ("seven", EN, 7),
        ("twenty five", EN, 25),
        ("twenty-five", EN, 25),
        ("12", EN, 12),
        ("하나", KO, 1),
        ("두", KO, 2),
        ("셋", KO, 3),
        ("일", KO, 1),
        ("이", KO, 2),
        ("삼", KO, 3),
        ("스물다섯", KO, 25),
        ("이십오", KO, 25),
        ("열두", KO, 12),
        ("seven", KO, None),
        ("hello", EN, None),
    ],
)
def test_numbers_are_read_from_the_lexicon(word: str, lexicon: Lexicon, expected: int) -> None:
    assert parse_number(word, lexicon) == expected


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        (SlotSpec("Weather_1-date", "date", kind="date"), "11th", "day 11"),
        (SlotSpec("Weather_1-date", "date", kind="date"), "the 11th of this month", "day 11"),
        (DATE, "March 4th", "march 4"),
        (DATE, "4th of March", "march 4"),
        (DATE, "Mar 4", "march 4"),
        (DATE, "tomorrow", "tomorrow"),
        (AMOUNT, "$1,700", "1700"),
        (AMOUNT, "1,700 dollars", "1700"),
        (AMOUNT, "1700.00", "1700"),
        (STREET, "1700", "1700"),
        (STREET, "1,700", "1,700"),
    ],
)
def test_dates_and_money_compare_by_meaning(spec: SlotSpec, value: str, expected: str) -> None:
    assert normalize_value(spec.name, value, spec, lexicon=EN) == expected


def test_korean_dates() -> None:
    date = SlotSpec("salon-date", "날짜", kind="date")
    assert normalize_value(date.name, "3월 4일", date, lexicon=KO) == "3월 4"
    assert normalize_value(date.name, "삼월 4일", date, lexicon=KO) == "3월 4"
    assert normalize_value(date.name, "4일", date, lexicon=KO) == "day 4"


def test_bare_numbers_are_times_only_in_time_slots() -> None:
    assert normalize_value(TIME.name, "7", TIME) == "07:00"
    assert normalize_value(PEOPLE.name, "7", PEOPLE) == "7"
    assert normalize_value("hotel-stars", "4.5") == "4.5"
    assert parse_time("4.5") is None


def test_a_slot_kind_not_its_name_decides() -> None:
    """A slot named like a time slot but declared text keeps a bare number as it is."""
    plain = SlotSpec("restaurant-booktime", "a note", kind="text")
    assert normalize_value(plain.name, "7", plain) == "7"
    odd = SlotSpec("restaurant-when", "when", kind="time")
    assert normalize_value(odd.name, "7", odd) == "07:00"


def test_categorical_values_snap_to_the_closest_allowed_value() -> None:
    assert normalize_value(PRICE.name, "Expensive", PRICE) == "expensive"
    assert normalize_value(PRICE.name, "expansive", PRICE) == "expensive"
    assert normalize_value(PRICE.name, "something cheap please", PRICE) == "cheap"
    assert normalize_value(BOOLEAN.name, "yes", BOOLEAN) == "true"
    assert normalize_value(PEOPLE.name, "four", PEOPLE) == "4"
    assert normalize_value(PRICE.name, "whatever", PRICE) == DONTCARE
    assert normalize_value(BOOLEAN.name, "네", BOOLEAN, lexicon=KO) == "true"


def test_without_a_lexicon_the_english_one_is_read() -> None:
    assert normalize_value(TIME.name, "7pm", TIME) == "19:00"
    assert normalize_value(TIME.name, "7pm", TIME, lexicon=Lexicon()) == "19:00"


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_spoken = st.sampled_from(
    ["7pm", "7:30 p.m.", "two", "Fri", "any", "half past six in the evening", "18.00", "12 am"]
)
_korean = st.sampled_from(
    ["저녁 6시", "오후 2시 반", "두 명", "두명", "토욜", "상관없어요", "열두 시", "이십오", "6시에"]
)
_specs = st.sampled_from([TIME, DAY, STAY, DATE, AMOUNT, FOOD])
_korean_specs = st.sampled_from([SALON_TIME, SALON_DAY, SALON_PEOPLE, FOOD])
_hangul = st.text(st.sampled_from("가나다시분반명두세네저녁오후 0123456789:"), max_size=12)


@settings(max_examples=300, deadline=None)
@given(spec=_specs, value=st.one_of(_text, _spoken))
def test_normalizing_never_raises_and_is_idempotent(spec: SlotSpec, value: str) -> None:
    once = normalize_value(spec.name, value, spec)
    assert normalize_value(spec.name, once, spec) == once


@settings(max_examples=300, deadline=None)
@given(spec=_korean_specs, value=st.one_of(_text, _korean, _hangul))
def test_korean_normalizing_never_raises_and_is_idempotent(spec: SlotSpec, value: str) -> None:
    once = normalize_value(spec.name, value, spec, lexicon=KO)
    assert normalize_value(spec.name, once, spec, lexicon=KO) == once


@settings(max_examples=300, deadline=None)
@given(
    spec=st.sampled_from([PRICE, BOOLEAN, PEOPLE, SALON_DAY, SALON_PEOPLE]),
    value=st.one_of(_text, _spoken, _korean),
    lexicon=st.sampled_from([EN, KO]),
)
def test_categorical_output_is_always_allowed(spec: SlotSpec, value: str, lexicon: Lexicon) -> None:
    out = normalize_value(spec.name, value, spec, lexicon=lexicon)
    assert out in {*allowed_values(spec, lexicon=lexicon), DONTCARE}
    assert normalize_value(spec.name, out, spec, lexicon=lexicon) == out
    assert snap_categorical(out, spec, lexicon=lexicon) == out


@settings(max_examples=200, deadline=None)
@given(hour=st.integers(1, 11), minute=st.sampled_from([0, 15, 30, 45]))
def test_korean_afternoon_times_are_twelve_hours_on(hour: int, minute: int) -> None:
    said = f"오후 {hour}시" + (f" {minute}분" if minute else "")
    assert parse_time(said, lexicon=KO) == f"{hour + 12:02d}:{minute:02d}"
    assert parse_time(said.replace("오후", "오전"), lexicon=KO) == f"{hour:02d}:{minute:02d}"
