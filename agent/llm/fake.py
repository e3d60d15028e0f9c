"""A scripted ``ChatModel`` for fast tests of the layers above the runtime.

It behaves like the real runtime where the layers above can tell: replies arrive in small
pieces, ``max_tokens`` and ``stop`` cut them, ``cancel`` is honoured between pieces, and each
call's :class:`~agent.ports.Generation` carries its record (a run closed early is
``cancelled``). Every call is recorded so tests can assert on the prompts they sent.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from agent.domain import Constraint, GenerationMeta, GenerationParams, Message
from agent.errors import ModelError
from agent.llm._completion import StreamCompletion
from agent.ports import CancelToken, Generation, RunEnded

ReplyFunction = Callable[[Sequence[Message], Constraint | None], str]

_TOKEN = re.compile(r"\w+|[^\w\s]|\s+")
_COUNTED = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class FakeCall:
    """One recorded call: what the layer above asked for."""

    messages: tuple[Message, ...]
    params: GenerationParams
    constraint: Constraint | None


class ScriptedChatModel(StreamCompletion):
    """Replies from a list (in order) or from a function of the messages and the constraint.

    A reply is streamed as word/punctuation/space tokens, ``piece_tokens`` at a time. A reply
    list that runs out raises ``ModelError`` so a test that calls the model more often than it
    scripted fails loudly. ``hold_after``: an unconstrained run (a reply, not a tracker call)
    stops after that many pieces until it is cancelled (at most ``hold_s``), so a test can stop
    a reply mid-stream without racing the clock.
    """

    def __init__(
        self,
        replies: Sequence[str] | ReplyFunction = (),
        *,
        name: str = "fake",
        context_size: int = 4096,
        piece_tokens: int = 1,
        delay_s: float = 0.0,
        hold_after: int | None = None,
        hold_s: float = 60.0,
    ) -> None:
        self._script: ReplyFunction | list[str] = replies if callable(replies) else list(replies)
        self._name = name
        self._context_size = context_size
        self._piece_tokens = max(1, piece_tokens)
        self._delay_s = delay_s
        self._hold_after, self._hold_s = hold_after, hold_s
        self._lock = threading.Lock()
        self.calls: list[FakeCall] = []

    @property
    def name(self) -> str:
        return self._name

    @property
    def context_size(self) -> int:
        return self._context_size

    def count_tokens(self, text: str) -> int:
        return len(_COUNTED.findall(text))

    @property
    def last_call(self) -> FakeCall:
        if not self.calls:
            raise AssertionError("the scripted model was never called")
        return self.calls[-1]

    def stream(
        self,
        messages: Sequence[Message],
        params: GenerationParams | None = None,
        constraint: Constraint | None = None,
        cancel: CancelToken | None = None,
    ) -> Generation:
        params = params or GenerationParams()
        return Generation(lambda ended: self._run(messages, params, constraint, cancel, ended))

    def _run(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        constraint: Constraint | None,
        cancel: CancelToken | None,
        ended: RunEnded,
    ) -> Iterator[str]:
        with self._lock:
            self.calls.append(FakeCall(tuple(messages), params, constraint))
            reply = self._next_reply(messages, constraint)
        hold = self._hold_after if constraint is None and cancel is not None else None
        yield from self._emit(messages, reply, params, cancel, ended, hold)

    def _next_reply(self, messages: Sequence[Message], constraint: Constraint | None) -> str:
        if callable(self._script):
            return self._script(messages, constraint)
        if not self._script:
            raise ModelError(
                f"the scripted model has no reply left for call {len(self.calls)}: "
                "give it more replies"
            )
        return self._script.pop(0)

    def _emit(
        self,
        messages: Sequence[Message],
        reply: str,
        params: GenerationParams,
        cancel: CancelToken | None,
        ended: RunEnded,
        hold: int | None = None,
    ) -> Iterator[str]:
        started = time.perf_counter()
        text, finish = _cut(reply, params)
        tokens = _TOKEN.findall(text)
        produced, first_token_s = 0, 0.0
        try:
            for index, start in enumerate(range(0, len(tokens), self._piece_tokens)):
                if cancel is not None and index == hold:
                    _wait_for(cancel, self._hold_s)
                if cancel is not None and cancel.is_set():
                    finish = "cancelled"
                    break
                if self._delay_s:
                    time.sleep(self._delay_s)
                piece = tokens[start : start + self._piece_tokens]
                produced += sum(1 for t in piece if _COUNTED.fullmatch(t))
                first_token_s = first_token_s or time.perf_counter() - started
                yield "".join(piece)
        except GeneratorExit:
            finish = "cancelled"  # the consumer stopped reading, as the runtime records it
            raise
        finally:
            meta = GenerationMeta(
                model=self._name,
                prompt_tokens=sum(self.count_tokens(m.content) for m in messages),
                completion_tokens=produced,
                cached_tokens=sum(self.count_tokens(m.content) for m in _prefix(messages)),
                latency_s=time.perf_counter() - started,
                first_token_s=first_token_s,
                cut_off=finish != "stop",
            )
            ended(finish, meta)


def _wait_for(cancel: CancelToken, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not cancel.is_set() and time.monotonic() < deadline:
        time.sleep(0.005)


def _cut(reply: str, params: GenerationParams) -> tuple[str, str]:
    """Apply ``stop`` strings, then ``max_tokens`` (counting words and punctuation)."""
    for stop in params.stop:
        if stop and stop in reply:
            reply = reply[: reply.index(stop)]
    kept: list[str] = []
    counted = 0
    for token in _TOKEN.findall(reply):
        if _COUNTED.fullmatch(token):
            if counted == params.max_tokens:
                return "".join(kept), "length"
            counted += 1
        kept.append(token)
    return "".join(kept), "stop"


def _prefix(messages: Sequence[Message]) -> list[Message]:
    prefix: list[Message] = []
    for message in messages:
        if not message.cache:
            break
        prefix.append(message)
    return prefix


def echo_reply(messages: Sequence[Message], constraint: Constraint | None) -> str:
    """What the ``fake`` model says: a minimal valid instance under a JSON schema, else an echo
    of what the user said: the last user message, or in a prompt that lays the conversation out
    as ``user: …`` lines, the last such line (echoing the layout itself would run into the
    responder's stop strings). Lets the whole program run without weights."""
    if constraint is not None and constraint.json_schema is not None:
        import json

        return json.dumps(_minimal_instance(constraint.json_schema), separators=(",", ":"))
    last_user = next((m.content for m in reversed(messages) if m.role == "user"), "")
    last_user = last_user.rpartition("user: ")[2].split("\n", 1)[0].strip() or last_user.strip()
    return f"(fake model) You said: {last_user}" if last_user else "(fake model) Hello."


def _minimal_instance(schema: object) -> object:
    if not isinstance(schema, dict):
        return None
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return _minimal_instance(schema[key][0])
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {k: _minimal_instance(properties.get(k, {})) for k in schema.get("required", [])}
    return _SCALARS.get(str(kind))


_SCALARS: dict[str, object] = {
    "string": "",
    "integer": 0,
    "number": 0,
    "boolean": False,
    "array": [],
    "null": None,
}
