"""``agent.llm.server`` at its seams: what the server says about itself, where the constraint
goes for each kind, the server's tokenizer, and the one-line errors (httpx's mock transport)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.domain import Constraint, GenerationParams, Message
from agent.errors import UsageError
from agent.llm.server import (
    Props,
    ServerChatModel,
    ServerError,
    SlotAffinity,
    open_server_model,
    probe_kind,
    read_props,
    root_of,
)

URL = "http://model.test:8080/v1"
SCHEMA = {"type": "object", "properties": {"a": {"type": "string"}}}


def _client(routes: dict[str, Any]) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        body = routes.get(request.url.path)
        if body is None:
            return httpx.Response(404, json={"error": "not found"})
        return httpx.Response(200, json=body(request) if callable(body) else body)

    return httpx.Client(transport=httpx.MockTransport(handle))


def _model(
    kind: str, routes: dict[str, Any] | None = None, props: Props | None = None
) -> ServerChatModel:
    client = _client(routes or {})
    return ServerChatModel(URL, kind, name="m", client=client, props=props, api_key="none")


def test_root_of_strips_the_api_path() -> None:
    assert root_of("http://h:1/v1/") == "http://h:1" and root_of("http://h:1") == "http://h:1"


def test_kind_from_what_the_server_says() -> None:
    vllm_models = {"/v1/models": {"data": [{"id": "q", "owned_by": "vllm"}]}}
    assert probe_kind(URL, _client(vllm_models)) == "vllm"
    with_version = {"/v1/models": {"data": []}, "/version": {"version": "0.9.1"}}
    assert probe_kind(URL, _client(with_version)) == "vllm"
    llama = {"/v1/models": {"data": [{"id": "q", "owned_by": "llamacpp"}]}, "/props": {}}
    assert probe_kind(URL, _client(llama)) == "llamacpp"


def test_llamacpp_gets_grammar_or_json_schema_and_prompt_caching() -> None:
    model = _model("llamacpp")
    gbnf = model._options(GenerationParams(), Constraint(gbnf='root ::= "x"'))
    assert gbnf["extra_body"]["grammar"] == 'root ::= "x"'
    assert gbnf["extra_body"]["cache_prompt"] is True
    schema = model._options(GenerationParams(), Constraint(json_schema=SCHEMA))
    assert schema["extra_body"]["json_schema"] == SCHEMA
    assert schema["response_format"]["schema"] == SCHEMA


def test_vllm_gets_its_structured_output_fields() -> None:
    model = _model("vllm")
    gbnf = model._options(GenerationParams(), Constraint(gbnf='root ::= "x"'))
    assert gbnf["extra_body"]["guided_grammar"] == 'root ::= "x"'
    assert "grammar" not in gbnf["extra_body"] and "cache_prompt" not in gbnf["extra_body"]
    schema = model._options(GenerationParams(), Constraint(json_schema=SCHEMA))
    assert schema["extra_body"]["guided_json"] == SCHEMA and "response_format" not in schema


def test_tokens_counted_by_the_server_where_it_can() -> None:
    def extras(request: httpx.Request) -> dict[str, Any]:
        return {"tokens": list(range(len(json.loads(request.content)["input"])))}

    assert _model("llamacpp", {"/extras/tokenize": extras}).count_tokens("abcde") == 5
    assert _model("llamacpp", {"/tokenize": {"tokens": [1, 2]}}).count_tokens("x y z") == 2
    assert _model("vllm").count_tokens("three words here") == 3  # no endpoint: the estimate


def test_bad_settings_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="server-kind"):
        open_server_model(URL, "tgi")
    with pytest.raises(UsageError, match="http"):
        open_server_model("model.test:8080", "auto")


def test_a_server_that_is_down_is_one_line_naming_the_url() -> None:
    with pytest.raises(ServerError, match=r"http://127\.0\.0\.1:9/v1 did not answer.*start it"):
        open_server_model("http://127.0.0.1:9/v1", "auto")
    model = ServerChatModel(
        "http://127.0.0.1:9/v1", "llamacpp", name="m", client=_client({}), api_key="none",
        max_retries=0,
    )  # fmt: skip
    with pytest.raises(ServerError, match=r"127\.0\.0\.1:9/v1 did not answer") as caught:
        model.complete([Message("user", "hi")])
    assert "\n" not in str(caught.value)


LLAMA_PROPS = {"total_slots": 2, "default_generation_settings": {"n_ctx": 3072}}


def test_props_give_the_slots_and_each_slots_context() -> None:
    assert read_props(URL, _client({"/props": LLAMA_PROPS})) == Props(slots=2, context=3072)
    assert read_props(URL, _client({})) == Props(slots=1, context=None)  # llama-cpp-python: 404
    odd = {"/props": {"total_slots": "2", "default_generation_settings": []}}
    assert read_props(URL, _client(odd)) == Props()


def test_the_model_takes_its_context_from_the_server() -> None:
    assert _model("llamacpp", props=Props(slots=2, context=3072)).context_size == 3072
    assert _model("llamacpp").context_size == 4096  # nothing said: the in-process default


def test_one_slot_sends_no_slot_id() -> None:
    options = _model("llamacpp", props=Props(slots=1))._options(GenerationParams(), None)
    assert "id_slot" not in options["extra_body"]
    vllm = _model("vllm", props=Props(slots=4))._options(GenerationParams(), None)
    assert "id_slot" not in vllm["extra_body"]


def test_each_thread_keeps_to_a_slot_of_its_own() -> None:
    url = f"{URL}/{uuid.uuid4().hex}"  # a server no other test shares slots of
    two = Props(slots=2)
    model = ServerChatModel(url, "llamacpp", name="m", client=_client({}), props=two, api_key="x")
    other = ServerChatModel(url, "llamacpp", name="m", client=_client({}), props=two, api_key="x")
    mine = [model._options(GenerationParams(), None)["extra_body"]["id_slot"] for _ in range(3)]
    assert len(set(mine)) == 1  # the same slot every request
    seen: list[int] = []
    worker = threading.Thread(
        target=lambda: seen.append(
            other._options(GenerationParams(), None)["extra_body"]["id_slot"]
        )
    )
    worker.start()
    worker.join()
    assert seen and seen[0] != mine[0]  # a second worker's client: the other slot


def _threads_claim(affinity: SlotAffinity, count: int) -> list[int]:
    got: list[int] = []
    for _ in range(count):
        thread = threading.Thread(target=lambda: got.append(affinity.slot()))
        thread.start()
        thread.join()
    return got


def test_slots_are_handed_out_lowest_free_first_then_round_robin(tmp_path: Path) -> None:
    assert _threads_claim(SlotAffinity(2, URL, tmp_path), 4) == [0, 1, 0, 1]


def test_a_slot_another_process_holds_is_not_taken(tmp_path: Path) -> None:
    holder = subprocess.Popen(  # noqa: S603 - a worker process of `test --jobs 2`, as it were
        [sys.executable, "-c", HOLD, URL, str(tmp_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "0"
    try:
        assert _threads_claim(SlotAffinity(2, URL, tmp_path), 1) == [1]
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert _threads_claim(SlotAffinity(2, URL, tmp_path), 1) == [0]  # its lock died with it


HOLD = """
import sys
from pathlib import Path
from agent.llm.server import SlotAffinity
held = SlotAffinity(2, sys.argv[1], Path(sys.argv[2]))
print(held.slot(), flush=True)
sys.stdin.read()
"""


def test_open_reads_props_from_a_llamacpp_server() -> None:
    routes = {
        "/v1/models": {"data": [{"id": "q.gguf", "owned_by": "llamacpp"}]},
        "/props": LLAMA_PROPS,
    }
    transport = _client(routes)._transport
    model = open_server_model(URL, "auto", transport=transport)
    assert (model.kind, model.name, model.context_size) == ("llamacpp", "q.gguf", 3072)
