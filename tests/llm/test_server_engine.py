"""The whole engine through a real model server: llama-cpp-python's OpenAI-compatible server on
loopback with the ``tiny`` pack, driven by the real program (``main.py … --server URL``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.llm.test_langchain import _free_port, _wait_until_up

ROOT = Path(__file__).resolve().parents[2]
BOOKING = (
    "I want a cheap italian restaurant in the centre.\nBook it for 2 people on friday at 18:00.\n"
)
SCRIPTED = str(ROOT / "tests" / "dialogues" / "test_taxi.yaml")
# bytes of KV state the server keeps (the tracker's and the responder's prefixes); each cached state
# also holds its logits outside this count, so the default (2 GiB) grows to many GB of RAM
CACHE = "60000000"


class Server:
    """One ``python -m llama_cpp.server`` (through ``_openai_server.py``) on a free port."""

    def __init__(self, gguf: Path, log: Path) -> None:
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}/v1"
        command = [sys.executable, str(Path(__file__).with_name("_openai_server.py"))]
        command += ["--model", str(gguf), "--port", str(port), "--host", "127.0.0.1"]
        command += ["--n_ctx", "4096", "--n_threads", "2", "--cache", "true", "--cache_size", CACHE]
        command += ["--interrupt_requests", "false"]  # it cuts a stream off for the next request
        self._log = log.open("wb")
        env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
        self.process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, env=env
        )  # noqa: S603
        _wait_until_up(f"{self.url}/models", self.process)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self._log.close()


@pytest.fixture()
def server(tiny_path: Path, tmp_path: Path) -> Iterator[Server]:
    running = Server(tiny_path, tmp_path / "server.log")
    yield running
    if running.process.poll() is None:
        running.stop()


def _slotchat(*args: str, db: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SLOTCHAT_DB_URL": f"sqlite:///{db}", "PYTHONIOENCODING": "utf-8"}
    command = [sys.executable, str(ROOT / "main.py"), "--threads", "2", *args]
    return subprocess.run(  # noqa: S603
        command, input=stdin, capture_output=True, text=True, env=env, timeout=900, check=False
    )


@pytest.mark.model
def test_repl_books_through_the_server(server: Server, tmp_path: Path) -> None:
    text = BOOKING + "Yes please.\n"
    done = _slotchat(
        "--server", server.url, "repl", "--show-state", db=tmp_path / "a.db", stdin=text
    )
    assert done.returncode == 0, done.stderr
    assert '"restaurant-food": "italian"' in done.stdout
    assert re.search(r'"booking": "[A-Z0-9]{8}"', done.stdout), done.stdout


@pytest.mark.model
def test_a_server_gone_mid_conversation_is_one_line_and_keeps_the_turn(
    server: Server, tmp_path: Path
) -> None:
    db = tmp_path / "b.db"
    env = {**os.environ, "SLOTCHAT_DB_URL": f"sqlite:///{db}", "SLOTCHAT_SERVER_URL": server.url}
    command = [sys.executable, str(ROOT / "main.py"), "--threads", "2", "repl", "--show-state"]
    repl = subprocess.Popen(  # noqa: S603
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env,
    )  # fmt: skip
    assert repl.stdin is not None and repl.stdout is not None
    first, second = BOOKING.splitlines()
    repl.stdin.write(first + "\n")
    repl.stdin.flush()
    while not repl.stdout.readline().startswith('{"state"'):
        pass
    server.stop()
    _, err = repl.communicate(second + "\n", timeout=300)
    lines = err.strip().splitlines()
    assert repl.returncode == 1 and len(lines) == 1, err
    assert lines[0].startswith("slotchat: the model server at " + server.url)
    shown = _slotchat("sessions", "show", "1", db=db)
    assert first in shown.stdout and second in shown.stdout, shown.stdout


@pytest.mark.model
def test_scripted_dialogues_through_the_server_as_in_process(
    server: Server, tmp_path: Path
) -> None:
    local = _slotchat("--model", "tiny", "test", SCRIPTED, db=tmp_path / "c.db")
    remote = _slotchat(
        "--server", server.url, "test", SCRIPTED, "--jobs", "2", db=tmp_path / "d.db"
    )
    summary = re.compile(r"(\d+) passed, (\d+) failed")
    assert summary.findall(remote.stdout)[-1] == summary.findall(local.stdout)[-1], remote.stdout
