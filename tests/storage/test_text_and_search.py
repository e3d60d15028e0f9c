"""Text is stored exactly as given, user text is data (never SQL, never query syntax), and
search is ranked, with snippets, over every turn of every live conversation."""

from __future__ import annotations

import pytest

from storage.search import fts5_query
from storage.store import SqlMemory

TEXTS = {
    "emoji": "Table for 2 🍕🇮🇹 please 👍🏽 — thanks!",
    "korean": "안녕하세요, 저녁 7시에 두 명 예약하고 싶어요.",
    "big paste": ("lorem ipsum dolor sit amet 1234567890 ä ö ü ß " * 2200)[:100_000],
    "control chars": "tab\there\r\nbell\x07 escape\x1b[31m vertical\x0b form\x0c unit\x1f end",
    "sql": "'); DROP TABLE turns; -- \" OR 1=1; SELECT * FROM conversations WHERE ''='",
    "fts syntax": 'pizza* NEAR(a b) "unbalanced OR NOT -x ^y col:z AND (',
    "backslashes": "C:\\Users\\x %_% \\% \\_ $1 ${name} {{x}}",
}


@pytest.mark.parametrize("name", list(TEXTS))
def test_text_round_trips_exactly(memory: SqlMemory, name: str) -> None:
    text = TEXTS[name]
    cid = memory.create_conversation(title=text[:200], domain="d", model="m").id
    turn = memory.append_turn(cid, "user", text)
    reply = memory.append_turn(cid, "assistant", "", complete=False)
    memory.update_turn(reply.id, text=text, complete=True)
    assert [t.text for t in memory.active_branch(cid)] == [text, text]
    assert memory.get_conversation(cid).title == text[:200]
    assert memory.get_turn(turn.id).text == text
    assert memory.turn_counts() == {cid: 2}  # the DROP TABLE is only text


def test_sql_and_fts_syntax_in_queries_are_data(memory: SqlMemory) -> None:
    cid = memory.create_conversation(title="t", domain="d", model="m").id
    memory.append_turn(cid, "user", TEXTS["sql"])
    memory.append_turn(cid, "user", TEXTS["fts syntax"])
    for query in (TEXTS["sql"], TEXTS["fts syntax"], '"', "*", "NEAR(", "-", "''", "%", "\\"):
        memory.search(query)  # never a syntax error
    assert {h.turn_id for h in memory.search("DROP TABLE turns")} != set()
    assert [h.role for h in memory.search("unbalanced NEAR")] == ["user"]
    assert memory.search("") == [] and memory.search("   ") == []


def test_fts5_query_quotes_every_word() -> None:
    assert fts5_query('pizza* "x" NEAR(a b)') == '"pizza" "x" "NEAR" "a" "b"'
    assert fts5_query("-- '; ") == ""


def test_search_is_ranked_with_snippets(memory: SqlMemory) -> None:
    cid = memory.create_conversation(title="food talk", domain="d", model="m").id
    memory.append_turn(cid, "user", "I would like Italian food in the north.")
    best = memory.append_turn(cid, "assistant", "Italian, Italian, Italian: three Italian places.")
    memory.append_turn(cid, "user", "Something Chinese instead.")
    hits = memory.search("italian")
    assert [h.turn_id for h in hits][0] == best.id and len(hits) == 2
    assert hits[0].rank >= hits[1].rank
    assert "[" in hits[0].snippet and "]" in hits[0].snippet
    assert hits[0].conversation_title == "food talk" and hits[0].conversation_id == cid
    assert memory.search("italian chinese") == []  # every word must occur
    assert len(memory.search("italian", limit=1)) == 1


def test_search_finds_korean_and_stemmed_words(memory: SqlMemory) -> None:
    cid = memory.create_conversation(title="t", domain="d", model="m").id
    memory.append_turn(cid, "user", TEXTS["korean"])
    memory.append_turn(cid, "user", "We need two restaurants booked")
    assert len(memory.search("예약하고")) == 1
    assert len(memory.search("restaurant booking")) == 1


def test_search_skips_deleted_and_sees_edits(memory: SqlMemory) -> None:
    cid = memory.create_conversation(title="t", domain="d", model="m").id
    turn = memory.append_turn(cid, "assistant", "", complete=False)
    memory.update_turn(turn.id, text="the zebra crossing")
    assert len(memory.search("zebra")) == 1
    memory.update_turn(turn.id, text="the giraffe crossing")
    assert memory.search("zebra") == [] and len(memory.search("giraffe")) == 1
    memory.delete(cid)
    assert memory.search("giraffe") == []
    memory.restore(cid)
    memory.purge(cid)
    assert memory.search("giraffe") == []


def test_search_looks_past_many_deleted_matches(memory: SqlMemory) -> None:
    gone = memory.create_conversation(title="gone", domain="d", model="m").id
    for index in range(40):
        memory.append_turn(gone, "user", f"walrus walrus walrus number {index}")
    kept = memory.create_conversation(title="kept", domain="d", model="m").id
    memory.append_turn(kept, "user", "one walrus")
    memory.delete(gone)
    hits = memory.search("walrus", limit=5)
    assert [h.conversation_id for h in hits] == [kept]


def test_like_fallback_treats_wildcards_as_text(memory: SqlMemory) -> None:
    from storage.search import search_like

    cid = memory.create_conversation(title="t", domain="d", model="m").id
    wanted = memory.append_turn(cid, "user", "50% off_today")
    memory.append_turn(cid, "user", "500 offXtoday")
    with memory.read() as connection:
        assert [h.turn_id for h in search_like(connection, "50% off_", 10)] == [wanted.id]
        assert [h.turn_id for h in search_like(connection, "%", 10)] == [wanted.id]
        assert search_like(connection, "50% off_", 10)[0].snippet == "[50]% [off_today]"
