"""Engine code names no pack words: no value, alias or mention of a shipped pack and no lexicon
phrase appears in a string literal of ``agent/`` (DESIGN.md, "Knowledge lives in packs").

Every string literal of every module under ``agent/`` is read, docstrings excepted (prose and
examples for people). A literal is a finding when it

- *is* a pack word or a lexicon phrase ("centre", "the "), or
- is a regex alternation or a word list (``r"\\b(?:forget|remove)"``, a multi-line string of
  words) that contains one, or
- contains a pack word of four letters or more as a whole word (a message naming "centre").

Names are no words: a literal equal to a lexicon key (a cue, a check, a reply piece), a slot
kind, an act type or a protocol key (a chat role, a JSON field) is skipped. What is left and
cannot move is in ``ALLOWED`` with the reason; what can and has not yet is in ``PENDING`` with
the module that should read the lexicon instead (remove a line once its words are gone). A new
finding fails with ``file:line``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from agent.domain import ActType
from agent.language.slot_kinds import SLOT_KINDS
from prompts.packs._source import read_yaml

ROOT = Path(__file__).resolve().parent.parent
PACKS = ("cambridge", "clinic", "dongne")
LANGUAGES = ("en", "ko")
# protocol names that happen to be English words: chat roles, generation and record fields
PROTOCOL = frozenset(
    {"user", "system", "assistant", "stop", "id", "type", "name", "service", "kind", "text"}
)

# (module, phrase) -> why the literal stays
ALLOWED: dict[tuple[str, str], str] = {
    ("agent/tracking/state_grammar.py", "i"): "a GBNF rule-name prefix (i0, i0m), not the pronoun",
    (
        "agent/evaluation/scripted/recorder.py",
        "cambridge",
    ): "the built-in default domain's name (contract)",
    (
        "agent/evaluation/scripted/shape.py",
        "cambridge",
    ): "the built-in default domain's name (contract)",
    ("agent/tui/screens/chat_actions.py", "centre"): "an example in the add-slot hint",
    ("agent/tui/screens/chat_screen.py", "cancel"): "a Textual action name bound to Esc",
    ("agent/tui/screens/dialogs.py", "cancel"): "a Textual action name bound to Esc",
    ("agent/tui/app.py", "cancel"): "a Textual action name in the command palette",
    ("agent/tui/screens/sessions_screen.py", "a"): "a key binding (a: archive)",
    ("agent/tui/widgets/state_panel.py", "a"): "a key binding (a: add slot)",
    ("agent/tui/screens/sessions_screen.py", "search"): "a Textual action name (focus_search)",
    ("agent/tui/export.py", "you"): "the interface's speaker label",
    ("agent/tui/widgets/message.py", "you"): "the interface's speaker label",
    ("agent/evaluation/scripted/report.py", "of"): "the runner's English report line",
    ("agent/evaluation/scripted/pytest_plugin.py", "name"): "a command-line metavar",
}
_ASK_STOP = """asked booked booking chosen does from hh hh:mm hours kind many mm must needed
never takes that their them there they this user users what where whether which with"""
# (module, phrase) -> what should read the lexicon (or the pack) instead
PENDING: dict[tuple[str, str], str] = {
    **{
        (
            "agent/tracking/candidates.py",
            w,
        ): "ASK_STOP, kept while agent.tracking.completion imports it"
        for w in _ASK_STOP.split()
    },
    ("agent/tracking/candidates.py", "from"): "route_end guesses a trip's ends from slot names",
    ("agent/tracking/candidates.py", "to"): "route_end guesses a trip's ends from slot names",
    ("agent/tracking/completion.py", "from"): "route_end's role names and a 'from'/'to' search",
    ("agent/tracking/completion.py", "to"): "route_end's role names and a 'from'/'to' search",
    ("agent/tracking/completion.py", "the"): "a name said with or without 'the' (name_article cue)",
    ("agent/tracking/completion.py", "arrive"): "cue names passed as words (_says)",
    ("agent/tracking/completion.py", "leave"): "cue names passed as words (_says)",
    ("agent/tracking/delta_checks.py", "true"): "SGD's boolean values",
    ("agent/tracking/delta_checks.py", "false"): "SGD's boolean values",
    ("agent/tracking/delta_checks.py", "day"): "'date'/'day' in a slot's name",
    ("agent/language/normalize.py", "day"): "'day N', the canonical form of a day of the month",
    ("agent/language/normalize.py", "named"): "a cache key",
    ("agent/language/normalize.py", "time"): "is_time_slot's slot-name pattern",
    ("agent/language/normalize.py", "pm"): "the half of the day as am/pm",
    ("agent/language/normalize.py", "am"): "the half of the day as am/pm",
    ("agent/reply/templates.py", "food"): "record attributes read by name (pricerange, food, area)",
    ("agent/reply/templates.py", "area"): "record attributes read by name (pricerange, food, area)",
    ("agent/reply/grounding.py", "the"): "_PROPER: a proper name's joining words (of, the, and)",
    ("agent/reply/grounding.py", "and"): "_PROPER: a proper name's joining words (of, the, and)",
    ("agent/reply/grounding.py", "of"): "_PROPER: a proper name's joining words (of, the, and)",
    ("agent/evaluation/scripted/check.py", "the"): "a name said with or without 'the'",
    ("agent/evaluation/scripted/oracle.py", "phone"): "the fake model's English request words",
    ("agent/evaluation/scripted/oracle.py", "address"): "the fake model's English request words",
    ("agent/evaluation/scripted/oracle.py", "postcode"): "the fake model's English request words",
    ("agent/evaluation/scripted/oracle.py", "price"): "the fake model's English request words",
    ("agent/evaluation/scripted/oracle.py", "reserve"): "the fake model's English booking words",
    ("agent/evaluation/scripted/oracle.py", "find"): "the fake model's English booking words",
}

_WORD_LIST = re.compile(r"[\w'&:.-]+")


def test_engine_code_names_no_pack_words() -> None:
    findings = [
        f"{path}:{line}: {phrase!r} ({source})"
        for path, line, phrase, source in _findings()
        if (path, phrase) not in ALLOWED and (path, phrase) not in PENDING
    ]
    assert not findings, "pack or lexicon words in engine code:\n" + "\n".join(findings)


def test_the_scan_finds_words_in_rules_and_messages_but_not_names() -> None:
    assert _names_it(r"\b(?:forget|drop)\b", "drop", from_pack=False)  # a regex alternation
    assert _names_it("Nothing in the centre, sorry.", "centre", from_pack=True)  # a message
    assert not _names_it("Nothing in the north, sorry.", "the", from_pack=False)  # prose
    assert _names_it("the ", "the", from_pack=False)  # the literal is the word


def test_every_allowed_entry_is_still_needed() -> None:
    found = {(path, phrase) for path, _, phrase, _ in _findings()}
    assert not [entry for entry in ALLOWED if entry not in found]


def _findings() -> Iterator[tuple[str, int, str, str]]:
    phrases = _phrases()
    skip = _names()
    for path in sorted((ROOT / "agent").rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        for line, text in _literals(path):
            if text.strip().lower() in skip:
                continue
            for phrase, (source, from_pack) in phrases.items():
                if _names_it(text, phrase, from_pack):
                    yield module, line, phrase, source


def _names_it(text: str, phrase: str, from_pack: bool) -> bool:
    lowered = text.strip().lower()
    if lowered == phrase:
        return True
    if not (_rule_like(text) or (from_pack and len(phrase) >= 4)):
        return False
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", lowered) is not None


def _rule_like(text: str) -> bool:
    """A regex alternation, or a multi-line list of bare words (a wordset)."""
    if "|" in text:
        return True
    words = text.split()
    return "\n" in text and len(words) >= 5 and all(_WORD_LIST.fullmatch(w) for w in words)


@lru_cache(maxsize=1)
def _phrases() -> dict[str, tuple[str, bool]]:
    """Every phrase to look for -> (where it comes from, whether it is a pack's)."""
    out: dict[str, tuple[str, bool]] = {}
    for pack in PACKS:
        for phrase, source in _pack_words(pack):
            out.setdefault(phrase, (source, True))
    for language in LANGUAGES:
        data = read_yaml(ROOT / "prompts" / "lexicons" / f"{language}.yaml").data
        for cue, phrases in data["cues"].items():
            for phrase in phrases:
                out.setdefault(str(phrase).lower(), (f"lexicon {language}: {cue}", False))
    return {p: s for p, s in out.items() if not p.isdigit()}


def _pack_words(pack: str) -> Iterator[tuple[str, str]]:
    data = read_yaml(ROOT / "prompts" / "domains" / pack / "domain.yaml").data
    for value, names in (data.get("aliases") or {}).items():
        for phrase in (value, *names):
            yield str(phrase).lower(), f"{pack}: aliases"
    for service in data["services"]:
        for slot in service["slots"]:
            where = f"{pack}: {slot['name']}"
            for value in slot.get("values", []):
                yield str(value).lower(), f"{where} value"
            for value, names in (slot.get("aliases") or {}).items():
                for phrase in (value, *names):
                    yield str(phrase).lower(), f"{where} alias"
            for phrase in slot.get("mentions", []):
                yield str(phrase).lower(), f"{where} mention"


@lru_cache(maxsize=1)
def _names() -> frozenset[str]:
    """Literals that are names, not words: every key of the lexicon files, slot kinds, act
    types and protocol keys."""
    keys: set[str] = set()
    for language in LANGUAGES:
        _keys(read_yaml(ROOT / "prompts" / "lexicons" / f"{language}.yaml").data, keys)
    return frozenset({*keys, *SLOT_KINDS, *(a.value for a in ActType), *PROTOCOL})


def _keys(data: Any, into: set[str]) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            into.add(str(key).lower())
            _keys(value, into)
    elif isinstance(data, list):
        for item in data:
            _keys(item, into)


def _literals(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        literal = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if literal and id(node) not in docstrings:
            yield node.lineno, node.value
