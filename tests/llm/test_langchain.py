"""LangChain in both directions: slotchat's models in LangChain, LangChain models as slotchat's.
The remote direction runs against a real OpenAI-compatible llama.cpp server on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from agent.domain import Constraint, GenerationParams, Message
from agent.llm.fake import ScriptedChatModel
from agent.llm.langchain import SlotchatChatModel, to_messages
from agent.llm.remote import LangChainChatModel
from agent.ports import ChatModel

SCHEMA = {
    "type": "object",
    "properties": {"area": {"enum": ["centre", "north", "south"]}, "people": {"type": "integer"}},
    "required": ["area", "people"],
}
ASK = [Message("system", "You book tables.", cache=True), Message("user", "Two people, centre.")]


def test_messages_keep_roles_and_the_cache_flag() -> None:
    converted = to_messages(
        [
            SystemMessage("rules", additional_kwargs={"cache": True}),
            HumanMessage("hi"),
            AIMessage("hello"),
        ]
    )
    assert [(m.role, m.content, m.cache) for m in converted] == [
        ("system", "rules", True),
        ("user", "hi", False),
        ("assistant", "hello", False),
    ]


def test_slotchat_model_in_langchain_invoke_and_stream() -> None:
    fake = ScriptedChatModel(["Hello there.", "Streamed reply."])
    chat = SlotchatChatModel(chat_model=fake, max_tokens=32)
    reply = chat.invoke([HumanMessage("hi")], stop=["\n"])
    assert reply.content == "Hello there."
    assert reply.usage_metadata is not None and reply.usage_metadata["output_tokens"] == 3
    assert fake.last_call.params.stop == ("\n",) and fake.last_call.params.max_tokens == 32
    chunks = [chunk.content for chunk in chat.stream([HumanMessage("again")])]
    assert len(chunks) > 2 and "".join(map(str, chunks)) == "Streamed reply."


def test_slotchat_model_passes_a_schema_as_a_constraint() -> None:
    fake = ScriptedChatModel(['{"area":"centre","people":2}'])
    SlotchatChatModel(chat_model=fake).invoke([HumanMessage("x")], json_schema=SCHEMA)
    assert fake.last_call.constraint == Constraint(json_schema=SCHEMA)


def test_langchain_model_as_a_chat_model() -> None:
    remote = LangChainChatModel(
        GenericFakeChatModel(messages=iter(["one two three"])), name="generic", send_params=False
    )
    assert isinstance(remote, ChatModel)
    stream = remote.stream(ASK)
    pieces = list(stream)
    assert "".join(pieces) == "one two three" and len(pieces) > 1
    meta = stream.result().meta
    assert meta.model == "generic" and meta.completion_tokens == 3 and not meta.cut_off


def test_langchain_model_honours_cancel() -> None:
    remote = LangChainChatModel(
        GenericFakeChatModel(messages=iter(["a b c d e f"])), send_params=False
    )
    cancel = threading.Event()
    stream = remote.stream(ASK, cancel=cancel)
    next(stream)
    cancel.set()
    assert list(stream) == []
    assert stream.result().meta.cut_off


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the llama.cpp server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("the llama.cpp server did not come up")


@pytest.fixture(scope="module")
def server_url(tiny_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = (tmp_path_factory.mktemp("server") / "server.log").open("wb")
    command = [sys.executable, str(Path(__file__).with_name("_openai_server.py"))]
    command += ["--model", str(tiny_path), "--port", str(port), "--n_ctx", "2048"]
    command += ["--n_threads", "2", "--host", "127.0.0.1"]
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)  # noqa: S603
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/v1/models", process)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def remote(server_url: str) -> LangChainChatModel:
    from langchain_openai import ChatOpenAI

    chat = ChatOpenAI(
        base_url=server_url, api_key="none", model="tiny", max_retries=0, timeout=120,
        stream_usage=True,
    )  # fmt: skip
    return LangChainChatModel(chat, name="tiny@server", context_size=2048)


@pytest.mark.model
def test_remote_server_streams_a_reply(remote: LangChainChatModel) -> None:
    stream = remote.stream(ASK, GenerationParams(max_tokens=8))
    pieces = list(stream)
    assert pieces and "".join(pieces).strip()
    meta = stream.result().meta
    assert meta.completion_tokens > 0 and meta.prompt_tokens > 0
    assert meta.first_token_s > 0


@pytest.mark.model
def test_remote_server_constrained_json(remote: LangChainChatModel) -> None:
    completion = remote.complete(
        ASK, GenerationParams(max_tokens=40), Constraint(json_schema=SCHEMA)
    )
    jsonschema.validate(json.loads(completion.text), SCHEMA)


@pytest.mark.model
def test_remote_server_gbnf_and_max_tokens(remote: LangChainChatModel) -> None:
    assert remote.complete(ASK, constraint=Constraint(gbnf='root ::= "yes" | "no"')).text in {
        "yes",
        "no",
    }
    cut = remote.complete(ASK, GenerationParams(max_tokens=2))
    assert cut.finish_reason == "length" and cut.meta.cut_off
