"""``--server`` against llama.cpp's own ``llama-server`` (built by ``scripts/llama-server build``)
on loopback with the ``tiny`` pack and two slots: what the server says about itself, its
tokenizer against the in-process one, grammars, two requests at once on two slots, and the whole
engine (``main.py … test --jobs 2``) with the in-process pass count.

Skipped, with the reason, only when the binary is not built; ``scripts/test`` builds it first, so
a whole run never skips these."""

from __future__ import annotations

import re
import shlex
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.domain import Constraint, GenerationParams, Message
from agent.llm.server import ServerChatModel, open_server_model
from agent.ports import ChatModel
from tests.llm.test_server_engine import SCRIPTED, _slotchat

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "llama-server"
YES_NO = Constraint(gbnf='root ::= "yes" | "no"')


def _binary() -> str | None:
    done = subprocess.run(  # noqa: S603
        ["bash", str(SCRIPT), "path"],
        capture_output=True,
        text=True,
        check=False,  # noqa: S607
    )
    return done.stdout.strip() if done.returncode == 0 else None


pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(
        _binary() is None, reason="llama-server is not built: run `bash scripts/llama-server build`"
    ),
]


class LlamaServer:
    """``scripts/llama-server start`` with ``tiny``: two slots of 4,096 tokens each (the
    in-process context, so prompt budgets are the same)."""

    def __init__(self, gguf: Path) -> None:
        command = ["bash", str(SCRIPT), "start", str(gguf), "--parallel", "2", "-c", "8192"]
        done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
        exports = dict(
            line.removeprefix("export ").split("=", 1) for line in done.stdout.splitlines()
        )
        self.url = exports["SLOTCHAT_LLAMA_SERVER_URL"]
        self.pid = exports["SLOTCHAT_LLAMA_SERVER_PID"]
        self.log = Path(exports["SLOTCHAT_LLAMA_SERVER_LOG"])

    def stop(self) -> None:
        subprocess.run(["bash", str(SCRIPT), "stop", self.pid], check=True)  # noqa: S603, S607
        self.log.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def llama_server(tiny_path: Path) -> Iterator[LlamaServer]:
    server = LlamaServer(tiny_path)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def served(llama_server: LlamaServer) -> ServerChatModel:
    return open_server_model(llama_server.url)


def test_the_server_is_seen_as_llamacpp_with_its_slot_context(served: ServerChatModel) -> None:
    assert served.kind == "llamacpp"
    assert served.context_size == 4096  # -c 8192 split between the two slots
    assert served.name.endswith(".gguf")


def test_its_tokenizer_counts_as_the_in_process_one(
    served: ServerChatModel, tiny: ChatModel
) -> None:
    for text in ("I want a cheap italian restaurant.", "시내 중심에 있는 식당", '{"a": 1}\n'):
        assert served.count_tokens(text) == tiny.count_tokens(text)


def test_a_grammar_binds_the_reply(served: ServerChatModel) -> None:
    done = served.complete(
        [Message("user", "Is the sky green? Answer yes or no.")],
        GenerationParams(max_tokens=4, temperature=0.0),
        YES_NO,
    )
    assert done.text in {"yes", "no"}


def test_two_workers_run_at_once_each_on_its_own_slot(llama_server: LlamaServer) -> None:
    answers: list[str] = []

    def work() -> None:
        model = open_server_model(llama_server.url)  # a worker's own client, as --jobs makes
        prompt = [Message("user", "Say yes or no, then nothing else: is water wet?")]
        answers.append(model.complete(prompt, GenerationParams(max_tokens=4), YES_NO).text)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(answers) != [] and set(answers) <= {"yes", "no"} and len(answers) == 2
    log = llama_server.log.read_text(errors="replace")
    assert "selected slot by id (0)" in log and "selected slot by id (1)" in log, log[-2000:]


def test_two_slots_run_without_continuous_batching(llama_server: LlamaServer) -> None:
    """Batched with the other slot's prompt, a decode step's logits differ a little, and
    ``--jobs 2`` then scored other metrics than ``--jobs 1``; ``scripts/llama-server`` turns it
    off for more than one slot (docs/server.md)."""
    command = Path(f"/proc/{llama_server.pid}/cmdline").read_bytes().split(b"\0")
    assert b"--no-cont-batching" in command, command


def test_scripted_dialogues_through_llama_server_as_in_process(
    llama_server: LlamaServer, tmp_path: Path
) -> None:
    local = _slotchat("--model", "tiny", "test", SCRIPTED, db=tmp_path / "c.db")
    remote = _slotchat(
        "--server", llama_server.url, "test", SCRIPTED, "--jobs", "2", db=tmp_path / "d.db"
    )
    summary = re.compile(r"(\d+) passed, (\d+) failed")
    assert summary.findall(remote.stdout)[-1] == summary.findall(local.stdout)[-1], shlex.join(
        ["stdout:", remote.stdout[-2000:], "stderr:", remote.stderr[-2000:]]
    )
