"""The per-turn delta grammar: what it accepts (pure-Python matcher) and that llama.cpp compiles
it (real tokenizer, marked ``model``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent.delta_text import parse_delta, render_delta
from agent.domain import DialogueState
from agent.tracking.state_grammar import (
    GrammarOptions,
    delta_grammar,
    json_literal,
    literal,
    utterance_spans,
)
from tests.agent.tracking.gbnf_match import accepts
from tests.fakes.mini import OPEN_SCHEMA as SCHEMA

SGD = Path(__file__).resolve().parents[4] / "shared" / "data" / "sgd"


def test_spans_are_word_ngrams_that_stop_at_clause_punctuation() -> None:
    spans = utterance_spans(["Find Thai food in San Jose. At 4:30 pm, please!"], max_words=3)
    assert {"Thai", "Thai food", "San Jose", "4:30 pm", "At 4:30 pm"} <= set(spans)
    assert "Jose. At" not in spans and "San Jose At" not in spans
    assert all(len(s.split()) <= 3 for s in spans)


def test_literals_escape_quotes_backslashes_and_newlines() -> None:
    assert literal('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'
    assert json_literal('say "hi"') == '"\\"say \\\\\\"hi\\\\\\"\\""'


def test_every_key_at_most_once_in_sorted_order_and_exact_separators() -> None:
    grammar = delta_grammar(SCHEMA, DialogueState(), utterance_spans(["thai food at 7pm"]))
    assert accepts(grammar, "{}")
    assert accepts(grammar, '{"intent": "book_restaurant", "restaurant-food": "thai"}')
    assert accepts(
        grammar,
        '{"restaurant-booktime": "7pm", "restaurant-food": "thai", '
        '"requested": ["restaurant-phone"]}',
    )
    assert not accepts(grammar, '{"restaurant-food": "thai", "restaurant-booktime": "7pm"}')
    assert not accepts(grammar, '{"restaurant-food":"thai"}')
    assert not accepts(grammar, '{"intent": "order_pizza"}')
    assert not accepts(grammar, '{"requested": []}')
    assert not accepts(grammar, '{"requested": ["restaurant-phone", "restaurant-phone"]}')
    assert not accepts(grammar, '{"restaurant-area": "east"}')
    assert accepts(grammar, '{"restaurant-area": "dontcare"}')


def test_state_values_are_copyable_and_only_set_slots_deletable() -> None:
    state = DialogueState(slots={"restaurant-departure": "Ely"})
    grammar = delta_grammar(SCHEMA, state, utterance_spans(["to Cambridge"]))
    assert accepts(grammar, '{"restaurant-departure": null, "restaurant-destination": "Ely"}')
    assert not accepts(grammar, '{"restaurant-destination": null}')


def test_a_held_free_text_value_changes_only_to_the_users_words() -> None:
    state = DialogueState(slots={"restaurant-departure": "Ely"})
    system, user = "The train arrives at Kings Cross.", "Thanks, and from Norwich?"
    spans = utterance_spans([user, system])
    grammar = delta_grammar(SCHEMA, state, spans, user_spans=utterance_spans([user]))
    assert accepts(grammar, '{"restaurant-departure": "Norwich"}')
    assert not accepts(grammar, '{"restaurant-departure": "Kings Cross"}')
    assert accepts(grammar, '{"restaurant-destination": "Kings Cross"}')  # not held: any span
    assert accepts(delta_grammar(SCHEMA, state, spans), '{"restaurant-departure": "Kings Cross"}')


def test_free_strings_mode_allows_any_short_string() -> None:
    grammar = delta_grammar(SCHEMA, DialogueState(), [], GrammarOptions(copy_spans=False))
    assert accepts(grammar, '{"restaurant-food": "anything at all"}')
    assert not accepts(grammar, '{"restaurant-food": "' + "x" * 60 + '"}')


@pytest.mark.skipif(not SGD.is_dir(), reason="SGD data not present")
def test_the_grammar_accepts_nearly_all_gold_deltas_of_sgd_dev() -> None:
    from prompts.sgd import load_sgd_split, schema_for_services

    schema, dialogues = load_sgd_split(SGD, "dev", limit=40)
    results = []
    for dialogue in dialogues:
        local = schema_for_services(schema, dialogue.services)
        for turn in dialogue.turns:
            grammar = delta_grammar(
                local, turn.prev_state, utterance_spans([turn.user, turn.system])
            )
            gold = render_delta(turn.delta, dict.fromkeys(s.name for s in local.services))
            results.append(accepts(grammar, gold))
    # the rest are SGD values never said in the last two utterances ("today" as a default)
    assert sum(results) / len(results) > 0.97


@pytest.mark.model
def test_llama_cpp_compiles_the_grammar_and_decodes_under_it() -> None:
    from agent.domain import GenerationParams, Message
    from agent.llm.model_factory import open_model

    cache = Path(os.environ.get("SLOTCHAT_CACHE_DIR", Path.home() / ".cache" / "slotchat"))
    model = open_model("tiny", cache_dir=cache, threads=2, n_ctx=512)
    grammar = delta_grammar(SCHEMA, DialogueState(), utterance_spans(["Cheap thai food at 7pm."]))
    from agent.domain import Constraint

    completion = model.complete(
        [Message("user", "Cheap thai food at 7pm. Answer with JSON.")],
        GenerationParams(max_tokens=48),
        Constraint(gbnf=grammar),
    )
    text = completion.text
    assert accepts(grammar, text) or completion.meta.cut_off
    if not completion.meta.cut_off:  # what the grammar let through is a delta of the schema
        intents = {i.name: s.name for s in SCHEMA.services for i in s.intents}
        delta = parse_delta(text, intents)
        assert set(delta.set) | delta.deleted <= set(SCHEMA.slot_names), text
        assert set(delta.intents) <= {s.name for s in SCHEMA.services}, text


def test_trimmed_spans_do_not_start_or_end_with_function_words() -> None:
    text = "I want a table in San Jose for The Big 4 please"
    spans = utterance_spans([text], trim=True, lexicon=SCHEMA.lexicon)
    assert {"San Jose", "The Big 4", "a table"} <= set(spans)
    assert not {"in San Jose", "San Jose for", "I want", "please"} & set(spans)
