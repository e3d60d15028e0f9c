"""The checks, completions and template replies read a language's words from its lexicon:
English and Korean side by side, on hand-made schemas and on the dongne pack (Korean)."""

from __future__ import annotations

import re

import pytest

from agent.domain import (
    Act,
    ActType,
    Booking,
    DialogueState,
    DomainSchema,
    Entity,
    ServiceSpec,
    SlotSpec,
)
from agent.reply.templates import template_reply
from agent.tracking.candidates import TurnCandidates
from agent.tracking.completion import _attached_numbers, _attached_times
from agent.tracking.delta_checks import dated, negated, only_acknowledges, says_dontcare, well_typed
from prompts.packs import load_pack
from prompts.packs._lexicon import language_lexicon

EN = language_lexicon("en")
KO = language_lexicon("ko")
DONGNE = load_pack("dongne").schema
_LATIN = re.compile(r"[A-Za-z]{3,}")


@pytest.mark.parametrize(
    ("value", "text", "expected"),
    [
        ("이탈리아", "이탈리아 말고 중식이요", True),
        ("중식", "이탈리아 말고 중식이요", False),
        ("펌", "펌은 싫어요, 커트로 할게요", True),
        ("커트", "펌은 싫어요, 커트로 할게요", False),
    ],
)
def test_korean_negation_follows_the_value(value: str, text: str, expected: bool) -> None:
    assert negated(value, text, KO) is expected


def test_korean_cues_for_dontcare_and_acknowledging() -> None:
    assert says_dontcare("동네는 상관없어요", KO)
    assert says_dontcare("아무 데나 괜찮아요", KO)
    assert not says_dontcare("강남에서 찾아 주세요", KO)
    assert only_acknowledges("네, 감사합니다!", KO)
    assert not only_acknowledges("네, 강남이요", KO)
    assert not says_dontcare("동네는 상관없어요", EN)  # English words only


def test_well_typed_reads_kinds_and_the_pack_lexicon() -> None:
    assert well_typed("salon-time", "저녁 6시", DONGNE)
    assert not well_typed("salon-time", "강남", DONGNE)
    assert not well_typed("salon-customername", "18:00", DONGNE)
    assert dated("내일", KO) and dated("토요일", KO) and not dated("김민지", KO)


def _found(schema: DomainSchema, service: str) -> TurnCandidates:
    spec = schema.service(service)
    assert spec is not None
    return TurnCandidates(values={slot.name: () for slot in spec.slots})


def test_korean_counts_go_to_the_party_slot() -> None:
    assert _attached_numbers(DONGNE, "salon", "토요일에 두 명 예약하고 싶어요") == {
        "salon-people": "2"
    }
    assert _attached_numbers(DONGNE, "salon", "세명이요") == {"salon-people": "3"}


def test_korean_times_are_found_in_the_turn_and_english_ones_still_are() -> None:
    salon = ServiceSpec(
        "salon",
        "미용실",
        (
            SlotSpec("salon-arrive", "도착 시간", kind="time"),
            SlotSpec("salon-leave", "출발 시간", kind="time"),
        ),
    )
    schema = DomainSchema("ko", (salon,), lexicon=KO)
    found = _found(schema, "salon")
    assert _attached_times(found, schema, "salon", "저녁 6시 도착") == {}  # cue after: none
    assert _attached_times(found, schema, "salon", "도착 저녁 6시") == {"salon-arrive": "18:00"}


def _korean(text: str) -> bool:
    """A reply in Korean: Hangul, and no English word but the act's own values."""
    return re.search("[가-힣]", text) is not None


_ENTITY = Entity("salon", "블루밍헤어 강남점", {"area": "강남", "pricerange": "보통"})
_STATE = DialogueState(
    slots={"salon-day": "토요일", "salon-time": "18:00", "salon-people": "2", "salon-name": ""}
)
_BOOKING = Booking("salon", "AB12CD", dict(_STATE.slots), entity=_ENTITY.name)
_DETAILS = ("salon-day", "salon-time", "salon-people")
_ACTS = [
    Act(ActType.GREET),
    Act(ActType.BYE),
    Act(ActType.CHAT),
    Act(ActType.REQUEST, "salon", ("salon-day", "salon-time")),
    Act(ActType.OFFER, "salon", entities=(_ENTITY,), total=3),
    Act(ActType.NO_MATCH, "salon", ("salon-area",), relax=("salon-area",)),
    Act(ActType.INFORM, "salon", ("salon-phone",), entities=(_ENTITY,)),
    Act(ActType.CONFIRM, "salon", _DETAILS, entities=(_ENTITY,)),
    Act(ActType.BOOK, "salon", _DETAILS, booking=_BOOKING),
    Act(ActType.BOOK_FAILED, "salon", ("salon-customername",)),
]


@pytest.mark.parametrize("act", _ACTS, ids=lambda a: a.type.value)
def test_a_korean_pack_replies_in_korean(act: Act) -> None:
    text = template_reply(act, _STATE, ["salon"], DONGNE.lexicon)
    assert _korean(text), text
    assert not _LATIN.search(text), text  # no English word ("salon" is a name, not said)
    assert template_reply(act, _STATE, ["salon"], EN) != text


def test_korean_booking_replies_carry_the_details() -> None:
    confirm = template_reply(_ACTS[7], _STATE, (), KO)
    assert "토요일" in confirm and "18:00" in confirm and "2명" in confirm
    book = template_reply(_ACTS[8], _STATE, (), KO)
    assert "AB12CD" in book and "블루밍헤어 강남점" in book


def test_every_reply_piece_of_english_is_in_korean() -> None:
    assert {name for name, _ in EN.templates} - {name for name, _ in KO.templates} <= {
        name for name, _ in EN.templates if name.startswith("detail.")
    }


def test_a_reply_in_another_language_than_the_packs_is_not_grounded() -> None:
    """Korean in, Korean out: an English sentence from the model for a Korean-only pack is
    replaced by the template; cambridge (English and Korean) takes either."""
    from agent.domain import Act, ActType, DialogueState
    from agent.reply.grounding import problems
    from prompts.packs._lexicon import language_lexicon

    korean, english = language_lexicon("ko"), language_lexicon("en")
    act, state = Act(ActType.CHAT), DialogueState()
    reply = "To confirm, a delivery order for two?"
    assert "not in the pack's language" in problems(reply, act, state, lexicon=korean)
    own = problems("두 분 맞으세요?", act, state, lexicon=korean)
    assert "not in the pack's language" not in own
    both = english.merged(korean)
    assert "not in the pack's language" not in problems(reply, act, state, lexicon=both)
    assert korean.share_in_language("12:30") is None  # no letters: nothing to judge


def test_korean_endings_are_read_off_the_word_they_attach_to() -> None:
    """신촌이에요 names the area 신촌; a value that itself ends like a particle (떡볶이) is still
    found, because the candidates read both the turn as written and with endings set off."""
    from agent.domain import DialogueState, DomainSchema, IntentSpec, ServiceSpec, SlotSpec
    from agent.tracking.candidates import turn_candidates
    from prompts.packs._lexicon import language_lexicon

    korean = language_lexicon("ko")
    assert korean.with_detached("신촌이에요") == "신촌이에요\n신촌 이에요"
    assert language_lexicon("en").with_detached("in the centre") == "in the centre"
    area = SlotSpec("food-area", "동네", categorical=True, values=("신촌", "잠실"))
    dish = SlotSpec("food-dish", "메뉴", categorical=True, values=("떡볶이", "치킨"))
    service = ServiceSpec(
        "food", "배달 음식 주문", (area, dish), (IntentSpec("order_food", "주문"),)
    )
    schema = DomainSchema("k", (service,), lexicon=korean)
    found = turn_candidates(
        schema,
        {s.name: s for s in service.slots},
        DialogueState(),
        "떡볶이 시켜 먹을 데 있어요? 신촌이에요.",
        spans=[],
    )
    assert found.values["food-area"] == ("신촌",)
    assert found.values["food-dish"] == ("떡볶이",)
