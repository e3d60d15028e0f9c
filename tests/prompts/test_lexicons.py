"""Lexicons: the words of a language as data, matched as the rules need them, declared by a
pack with ``language:`` and extended with ``lexicon:``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agent.language.answers import Answer, confirmation, pure_answer
from agent.language.lexicon import Lexicon, Phrases
from prompts.packs import check_pack, load_pack
from prompts.packs._lexicon import LexiconFileModel, language_lexicon, shipped_languages

CAMBRIDGE = Path(__file__).resolve().parents[2] / "prompts" / "domains" / "cambridge"


def test_english_and_korean_are_shipped_and_valid() -> None:
    assert {"en", "ko"} <= set(shipped_languages())
    for code in shipped_languages():
        lexicon = language_lexicon(code)
        assert lexicon.languages == (code,)
        assert {"yes", "no", "answer", "greet", "bye"} <= {name for name, _ in lexicon.cues}
        LexiconFileModel(language=code)  # the file's model accepts the code


def test_whole_words_or_anywhere() -> None:
    lexicon = Lexicon(
        ("en", "ko"),
        (("yes", (Phrases("en", ("sure", "go ahead")), Phrases("ko", ("네",), bounded=False))),),
    )
    found = lexicon.pattern("yes")
    assert found.search("go   ahead then")
    assert not found.search("measure")  # whole words only
    assert found.search("네, 그렇게 해주세요") and found.search("좋네요")  # endings attach
    assert lexicon.pattern("greet").search("hello") is None  # a cue nobody declared never matches
    assert lexicon.words("yes") == {"sure", "go", "ahead", "네"}


def test_at_start_only_after_punctuation() -> None:
    greet = language_lexicon("en").pattern("greet", at_start=True)
    assert greet.search("...hello there")
    assert not greet.search("I said hello")


def test_merged_keeps_every_language_once() -> None:
    en, ko = language_lexicon("en"), language_lexicon("ko")
    both = en.merged(ko).merged(ko)
    assert both.languages == ("en", "ko")
    assert confirmation("네", en) is Answer.NONE
    assert confirmation("네", both) is Answer.YES
    assert pure_answer("아니요", both) is Answer.NO


def _pack_copy(tmp_path: Path, header: str) -> Path:
    folder = tmp_path / "pack"
    shutil.copytree(CAMBRIDGE, folder)
    domain = folder / "domain.yaml"
    text = domain.read_text(encoding="utf-8").replace("language: [en, ko]\n", header)
    domain.write_text(text, encoding="utf-8")
    return folder


def test_a_pack_reads_its_languages(tmp_path: Path) -> None:
    assert load_pack("cambridge").schema.lexicon.languages == ("en", "ko")
    english = load_pack(_pack_copy(tmp_path, "language: en\n")).schema.lexicon
    assert english.languages == ("en",)
    assert confirmation("네", english) is Answer.NONE


def test_a_pack_extends_its_lexicon(tmp_path: Path) -> None:
    header = "language: en\nlexicon:\n  yes: [aye, righto]\n  bye: [cheerio]\n"
    lexicon = load_pack(_pack_copy(tmp_path, header)).schema.lexicon
    assert confirmation("Aye.", lexicon) is Answer.YES
    assert pure_answer("righto", lexicon) is Answer.NONE  # 'answer' words were not extended
    assert lexicon.pattern("bye").search("cheerio then")
    assert confirmation("yes", lexicon) is Answer.YES  # the shipped words stay


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("language: xx\n", "no lexicon for language 'xx' (shipped: en, ko"),
        ("language: []\n", "name at least one language"),
        ("language: en\nlexicon: [yes]\n", "lexicon"),
        ("language: en\nlexicon:\n  yes: true-ish\n", "lexicon.yes"),
    ],
)
def test_a_bad_language_or_lexicon_is_one_line_with_file_and_line(
    tmp_path: Path, header: str, expected: str
) -> None:
    problems = check_pack(_pack_copy(tmp_path, header))
    assert problems, header
    assert "domain.yaml:" in problems[0] and expected in problems[0], problems
