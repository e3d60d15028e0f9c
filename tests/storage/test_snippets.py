"""Snippets mark the query's words (and their inflections) in a short window."""

from __future__ import annotations

from storage.snippets import snippet


def test_marks_words_and_inflections() -> None:
    text = "I want a cheap Italian restaurant in the centre of town please, with parking"
    assert snippet(text, "restaurants italian") == (
        "I want a cheap [Italian] [restaurant] in the centre of town please…"
    )


def test_windows_around_the_first_match() -> None:
    text = "word " * 50 + "zebra crossing " + "tail " * 30
    assert (
        snippet(text, "zebra")
        == "…word word word word [zebra] crossing tail tail tail tail tail tail…"
    )


def test_other_scripts_and_edge_cases() -> None:
    assert (
        snippet("안녕하세요, 저녁 7시에 예약하고 싶어요.", "예약하고")
        == "안녕하세요, 저녁 7시에 [예약하고] 싶어요."
    )
    assert snippet("", "x") == "" and snippet("hello", "zzz") == "hello"
    assert snippet("a\nb\tc", "b") == "a [b] c"
