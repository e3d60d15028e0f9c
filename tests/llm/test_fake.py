"""The scripted fake model behaves like the runtime where the layers above can tell."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence

import jsonschema
import pytest

from agent.domain import Constraint, GenerationParams, Message
from agent.errors import ModelError, UsageError
from agent.llm.fake import ScriptedChatModel, echo_reply
from agent.llm.model_factory import open_model
from agent.ports import ChatModel

HELLO = [Message("system", "Be brief.", cache=True), Message("user", "Hi there")]


def test_it_is_a_chat_model() -> None:
    assert isinstance(ScriptedChatModel(["x"]), ChatModel)


def test_replies_come_in_order_and_in_pieces() -> None:
    model = ScriptedChatModel(["Hello, world!", "Second."])
    pieces = list(model.stream(HELLO))
    assert pieces == ["Hello", ",", " ", "world", "!"]
    assert model.complete(HELLO).text == "Second."


def test_piece_size_is_configurable() -> None:
    model = ScriptedChatModel(["a b c d"], piece_tokens=3)
    assert list(model.stream(HELLO)) == ["a b", " c ", "d"]


def test_running_out_of_replies_fails_loudly() -> None:
    model = ScriptedChatModel(["only one"])
    model.complete(HELLO)
    with pytest.raises(ModelError, match="no reply left"):
        model.complete(HELLO)


def test_a_function_sees_messages_and_constraint() -> None:
    seen: list[tuple[int, Constraint | None]] = []

    def reply(messages: Sequence[Message], constraint: Constraint | None) -> str:
        seen.append((len(messages), constraint))
        return "ok"

    constraint = Constraint(gbnf='root ::= "ok"')
    assert ScriptedChatModel(reply).complete(HELLO, constraint=constraint).text == "ok"
    assert seen == [(2, constraint)]


def test_calls_are_recorded() -> None:
    model = ScriptedChatModel(["a", "b"])
    params = GenerationParams(max_tokens=7)
    model.complete(HELLO, params)
    model.complete(HELLO[1:])
    assert [len(call.messages) for call in model.calls] == [2, 1]
    assert model.calls[0].params == params
    assert model.last_call.constraint is None


def test_cancel_between_pieces() -> None:
    cancel = threading.Event()
    model = ScriptedChatModel(["one two three four"])
    stream = model.stream(HELLO, cancel=cancel)
    assert next(stream) == "one"
    cancel.set()
    assert list(stream) == []
    meta = stream.result().meta
    assert meta.cut_off and meta.completion_tokens == 1


def test_a_held_reply_waits_for_its_cancel_and_a_tracker_call_is_not_held() -> None:
    cancel = threading.Event()
    model = ScriptedChatModel(lambda m, c: "one two three four", hold_after=1, hold_s=30)
    stream = model.stream(HELLO, cancel=cancel)
    assert next(stream) == "one"
    threading.Timer(0.05, cancel.set).start()
    assert list(stream) == []  # returned once cancelled, not after 30 s
    assert stream.result().finish_reason == "cancelled"
    constraint = Constraint(json_schema={"type": "string"})
    tracked = model.stream(HELLO, constraint=constraint, cancel=threading.Event())
    assert tracked.drain().text == "one two three four"


def test_each_run_keeps_its_own_record() -> None:
    model = ScriptedChatModel(["one two three", "four"])
    first, second = model.stream(HELLO), model.stream(HELLO)
    assert next(first) == "one"
    assert second.drain().text == "four"
    cut = first.result()  # stopped where it was read to
    assert (cut.text, cut.finish_reason, cut.meta.completion_tokens) == ("one", "cancelled", 1)
    assert second.result().meta.completion_tokens == 1 and not second.result().meta.cut_off


def test_cancelled_completion_reports_it() -> None:
    cancel = threading.Event()
    cancel.set()
    completion = ScriptedChatModel(["never shown"]).complete(HELLO, cancel=cancel)
    assert (completion.text, completion.finish_reason) == ("", "cancelled")
    assert completion.meta.cut_off


def test_max_tokens_and_stop() -> None:
    model = ScriptedChatModel(["one two three", "alpha. beta"])
    cut = model.complete(HELLO, GenerationParams(max_tokens=2))
    assert (cut.text.strip(), cut.finish_reason, cut.meta.cut_off) == ("one two", "length", True)
    stopped = model.complete(HELLO, GenerationParams(stop=(".",)))
    assert (stopped.text, stopped.finish_reason) == ("alpha", "stop")


def test_meta_counts_tokens_and_the_cached_prefix() -> None:
    model = ScriptedChatModel(["Fine, thanks."])
    meta = model.complete(HELLO).meta
    assert meta.model == "fake"
    assert meta.prompt_tokens == model.count_tokens("Be brief.") + model.count_tokens("Hi there")
    assert meta.cached_tokens == model.count_tokens("Be brief.")
    assert meta.completion_tokens == 4


def test_count_tokens() -> None:
    assert ScriptedChatModel().count_tokens("Hello, world!") == 4


def test_echo_reply_satisfies_a_json_schema() -> None:
    schema = {
        "type": "object",
        "properties": {
            "food": {"type": "string"},
            "area": {"enum": ["centre", "north"]},
            "people": {"type": "integer"},
            "ok": {"type": "boolean"},
        },
        "required": ["food", "area", "people", "ok"],
    }
    text = echo_reply(HELLO, Constraint(json_schema=schema))
    jsonschema.validate(json.loads(text), schema)


def test_echo_reply_echoes_the_user() -> None:
    assert "Hi there" in echo_reply(HELLO, None)


def test_open_model_fake() -> None:
    model = open_model("fake", cache_dir=__import__("pathlib").Path("/nonexistent"))
    assert isinstance(model, ChatModel)
    assert "Hi there" in model.complete(HELLO).text


@pytest.mark.parametrize("threads", [0, -1])
def test_open_model_rejects_bad_thread_counts(threads: int, tmp_path: object) -> None:
    with pytest.raises(UsageError, match="--threads must be at least 1"):
        open_model("fake", cache_dir=tmp_path, threads=threads)  # type: ignore[arg-type]
