"""The llama.cpp runtime on the real ``tiny`` pack (SmolLM2-135M): streaming, constrained JSON,
prefix cache, cancellation, determinism, and the bad inputs of a generation."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import jsonschema
import pytest

from agent.domain import Constraint, GenerationParams, Message
from agent.errors import ModelError
from agent.llm.runtime import LlamaRuntime
from agent.ports import ChatModel

pytestmark = pytest.mark.model

PREFIX_A = Message("system", "You help people book restaurants in Cambridge. " * 6, cache=True)
PREFIX_B = Message(
    "system", "You help people find trains from Cambridge to London. " * 6, cache=True
)
SHORT = GenerationParams(max_tokens=12)

SCHEMA = {
    "type": "object",
    "properties": {
        "food": {"type": "string", "maxLength": 12},
        "area": {"enum": ["centre", "north", "south", "east", "west"]},
        "people": {"type": "integer", "minimum": 1, "maximum": 20},
    },
    "required": ["area", "food"],
    "additionalProperties": False,
}


def _ask(text: str, prefix: Message = PREFIX_A) -> list[Message]:
    return [prefix, Message("user", text)]


def test_it_is_a_chat_model(tiny: LlamaRuntime) -> None:
    assert isinstance(tiny, ChatModel)
    assert tiny.name == "tiny" and tiny.context_size == 1024


def test_streams_pieces_that_add_up_to_the_completion(tiny: LlamaRuntime) -> None:
    stream = tiny.stream(_ask("Say hello."), SHORT)
    pieces = list(stream)
    meta = stream.result().meta
    assert len(pieces) > 1 and all(pieces)
    assert tiny.complete(_ask("Say hello."), SHORT).text == "".join(pieces)
    assert meta.completion_tokens >= len(pieces) - 1
    assert meta.prompt_tokens > 60 and 0 < meta.first_token_s <= meta.latency_s


def test_max_tokens_cuts_off(tiny: LlamaRuntime) -> None:
    completion = tiny.complete(_ask("Tell me a long story."), GenerationParams(max_tokens=3))
    assert completion.finish_reason == "length" and completion.meta.cut_off
    assert completion.meta.completion_tokens == 3


@pytest.mark.parametrize(
    "request_text",
    [
        "I want cheap Italian food in the centre.",
        "Find me a table for 4 in the north, Indian please.",
        "Any chinese restaurant in the south for 2 people?",
        "Somewhere in the west that serves British food.",
    ],
)
def test_schema_constrained_output_parses_and_validates(
    tiny: LlamaRuntime, request_text: str
) -> None:
    completion = tiny.complete(
        _ask(f"Reply with JSON only. {request_text}"),
        GenerationParams(max_tokens=64),
        Constraint(json_schema=SCHEMA),
    )
    assert completion.finish_reason == "stop", completion
    jsonschema.validate(json.loads(completion.text), SCHEMA)
    # the schema's grammar allows no whitespace outside strings: the text is compact JSON
    compact = json.dumps(json.loads(completion.text), separators=(",", ":"), ensure_ascii=False)
    assert completion.text == compact


def test_gbnf_constraint_and_multibyte_characters(tiny: LlamaRuntime) -> None:
    grammar = 'root ::= ("café" | "日本語" | "naïve") " ✓"'
    completion = tiny.complete(_ask("Pick a word."), SHORT, Constraint(gbnf=grammar))
    assert completion.text in {"café ✓", "日本語 ✓", "naïve ✓"}


def test_prefix_is_reused_from_the_live_cache(tiny: LlamaRuntime) -> None:
    tiny.complete(_ask("Hello."), SHORT)
    later = tiny.complete(_ask("Something else entirely."), SHORT)
    prefix_tokens = len(tiny.prepare(_ask("x")).prefix)
    assert later.meta.cached_tokens >= prefix_tokens


def test_switching_prefixes_restores_saved_states(tiny: LlamaRuntime) -> None:
    tiny.complete(_ask("Hi.", PREFIX_A), SHORT)
    tiny.complete(_ask("Hi.", PREFIX_B), SHORT)
    baseline = tiny.complete(_ask("Hi.", PREFIX_A), SHORT)
    prefix_a = len(tiny.prepare(_ask("Hi.", PREFIX_A)).prefix)
    assert baseline.meta.cached_tokens >= prefix_a
    tiny.cache.reset()  # a cold cache must give the same greedy answer
    assert tiny.complete(_ask("Hi.", PREFIX_A), SHORT).text == baseline.text


def test_cache_use_is_logged(tiny: LlamaRuntime, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("DEBUG", logger="agent.llm.prompt_cache"):
        tiny.complete(_ask("Hello again."), SHORT)
    assert any("prompt cache hit" in record.getMessage() for record in caplog.records)


def test_greedy_is_deterministic(tiny: LlamaRuntime) -> None:
    first = tiny.complete(_ask("Name three colours."), SHORT).text
    tiny.complete(_ask("Unrelated question about trains?", PREFIX_B), SHORT)
    assert tiny.complete(_ask("Name three colours."), SHORT).text == first


def test_sampling_with_a_seed_is_repeatable(tiny: LlamaRuntime) -> None:
    params = GenerationParams(max_tokens=10, temperature=0.9, top_p=0.95, seed=7)
    first = tiny.complete(_ask("Invent a restaurant name."), params).text
    assert tiny.complete(_ask("Invent a restaurant name."), params).text == first


def test_cancel_between_tokens(tiny: LlamaRuntime) -> None:
    cancel = threading.Event()
    stream = tiny.stream(
        _ask("Count from one to fifty."), GenerationParams(max_tokens=40), cancel=cancel
    )
    next(stream)
    cancel.set()
    rest = list(stream)
    meta = stream.result().meta
    assert meta.cut_off and meta.completion_tokens <= 2 + len(rest)
    assert tiny.complete(_ask("Say hello."), SHORT).finish_reason in {"stop", "length"}


def test_closing_a_stream_early_frees_the_model(tiny: LlamaRuntime) -> None:
    stream = tiny.stream(_ask("Count to twenty."), GenerationParams(max_tokens=30))
    next(stream)
    stream.close()
    assert stream.result().finish_reason == "cancelled" and stream.result().meta.cut_off
    assert tiny.complete(_ask("Say hello."), SHORT).text


def test_a_second_generation_in_the_same_thread_is_refused(tiny: LlamaRuntime) -> None:
    first = tiny.stream(_ask("Count to twenty."), GenerationParams(max_tokens=30))
    next(first)
    with pytest.raises(ModelError, match="still running"):
        next(tiny.stream(_ask("Hi."), SHORT))
    first.close()


def test_generations_from_two_threads_are_serialised(tiny: LlamaRuntime) -> None:
    expected = tiny.complete(_ask("Say hello."), SHORT).text
    results: list[str] = []

    def work() -> None:
        results.append(tiny.complete(_ask("Say hello."), SHORT).text)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected, expected]


def test_a_grammar_is_compiled_once_and_reused(tiny: LlamaRuntime) -> None:
    grammar = Constraint(gbnf='root ::= "yes" | "no"')
    before = len(tiny.grammars)
    first = tiny.complete(_ask("Yes or no?"), SHORT, grammar)
    assert len(tiny.grammars) == before + 1  # checked and sampled with one compilation
    assert tiny.complete(_ask("Yes or no?"), SHORT, grammar).text == first.text in {"yes", "no"}
    assert len(tiny.grammars) == before + 1


def test_prompt_longer_than_the_context(tiny: LlamaRuntime) -> None:
    with pytest.raises(
        ModelError, match=r"the prompt is \d+ tokens but the model's context holds 1024"
    ):
        tiny.stream(_ask("word " * 2000))


def test_invalid_grammar(tiny: LlamaRuntime) -> None:
    with pytest.raises(ModelError, match="invalid GBNF grammar"):
        tiny.stream(_ask("Hi."), SHORT, Constraint(gbnf="root ::= ( unclosed"))
    with pytest.raises(ModelError, match="invalid GBNF grammar"):
        tiny.stream(_ask("Hi."), SHORT, Constraint(gbnf='start ::= "no root rule"'))


def test_invalid_schema(tiny: LlamaRuntime) -> None:
    with pytest.raises(ModelError, match="invalid JSON schema"):
        tiny.stream(_ask("Hi."), SHORT, Constraint(json_schema={"type": 12}))


def test_truncated_gguf_is_a_clear_error(tiny_path: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(tiny_path.read_bytes()[:5_000_000])
    with pytest.raises(ModelError, match="could not load .*truncated or corrupt"):
        LlamaRuntime(broken)


def test_open_model_gives_a_runtime_for_a_pack(model_cache: Path, tiny_path: Path) -> None:
    from agent.llm.model_factory import open_model

    model = open_model("tiny", cache_dir=model_cache, threads=1, n_ctx=256)
    assert isinstance(model, LlamaRuntime) and model.context_size == 256
    model.close()
    same = open_model(str(tiny_path), cache_dir=model_cache, n_ctx=256)
    assert same.name == tiny_path.name
    same.close()  # type: ignore[attr-defined]


def test_options_are_scored_as_whole_answers(tiny: LlamaRuntime) -> None:
    """``score_options`` gives each option's log-probability as the answer: finite, at most 0,
    together at most 1 in probability (options with a shared first token, "no" and "north",
    included), the same when asked again (up to rounding); the model generates as before."""
    import math

    from agent.ports import OptionScorer

    assert isinstance(tiny, OptionScorer)
    messages = _ask("Which way is the river? Answer north, south or no.")
    options = ["north", "south", "no", "northeast"]
    before = tiny.complete(_ask("Name three colours."), SHORT).text
    scores = tiny.score_options(messages, options)
    assert set(scores) == set(options)
    assert all(math.isfinite(v) and v <= 0 for v in scores.values())
    assert sum(math.exp(v) for v in scores.values()) <= 1 + 1e-6
    # the same from the live cache as from a fresh evaluation, up to the batch's rounding
    assert tiny.score_options(messages, options) == pytest.approx(scores, abs=0.05)
    assert tiny.complete(_ask("Name three colours."), SHORT).text == before
