"""A model on an OpenAI-compatible server (llama.cpp's ``llama-server``, llama-cpp-python's
server, vLLM) as slotchat's ``ChatModel``: ``--server URL``.

What kind of server it is decides how a constraint travels: llama.cpp takes ``grammar`` (GBNF)
or ``json_schema`` and keeps the prompt cached with ``cache_prompt``; vLLM takes its
structured-output fields (``guided_grammar``, ``guided_json``). The kind is read from what the
server says about itself (:func:`probe_kind`) unless given. llama.cpp's ``/props`` also gives the
number of slots and each slot's context: the context is the model's ``context_size`` (prompt
budgets), and with several slots each thread (of any process) keeps to a slot of its own
(``id_slot``), so a worker's prefixes stay cached where its next request goes. Tokens are
counted by the server's own tokenizer where it has an endpoint for it, estimated otherwise. A
server that is down, too slow or refuses a request raises :class:`ServerError`, one line naming
the URL.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import itertools
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

from agent.domain import Constraint, GenerationParams, Message
from agent.errors import ModelError, SlotchatError, UsageError
from agent.llm.remote import LangChainChatModel
from agent.ports import CancelToken, RunEnded

KINDS = ("auto", "llamacpp", "vllm")
PROBE_TIMEOUT_S = 5.0
DEFAULT_CONTEXT = 4096


class ServerError(SlotchatError):
    """The model server cannot be reached, timed out, or refused the request. Not a
    :class:`ModelError` on purpose: the engine answers a model's failure with its fallbacks (the
    previous state, a template reply), which would hide a server that is gone; this error ends
    the turn instead, after the user's turn is stored, and the user sees it as one line."""


def root_of(url: str) -> str:
    """The server's root (``http://host:8080``) for an API base URL (``…/v1``)."""
    base = url.rstrip("/")
    return base[: -len("/v1")] if base.endswith("/v1") else base


def probe_kind(url: str, client: httpx.Client) -> str:
    """``vllm`` when the server answers ``/version`` or says so in ``/v1/models``; otherwise
    ``llamacpp`` (llama.cpp's ``/props``, llama-cpp-python, or anything else that speaks the
    llama.cpp request fields)."""
    root = root_of(url)
    try:
        models = client.get(f"{root}/v1/models")
        owners = {str(m.get("owned_by", "")) for m in models.json().get("data", [])}
        if "vllm" in owners:
            return "vllm"
        version = client.get(f"{root}/version")
        if version.status_code == 200 and "version" in _json(version):
            return "vllm"
    except httpx.HTTPError as error:
        raise ServerError(_unreachable(url, error)) from error
    return "llamacpp"


@dataclass(frozen=True)
class Props:
    """What llama.cpp's ``GET /props`` says: its slots (``--parallel``) and each slot's context.
    A server without ``/props`` (llama-cpp-python, vLLM) is one slot of unknown context."""

    slots: int = 1
    context: int | None = None


def read_props(url: str, client: httpx.Client) -> Props:
    try:
        response = client.get(f"{root_of(url)}/props")
    except httpx.HTTPError as error:
        raise ServerError(_unreachable(url, error)) from error
    body = _json(response) if response.status_code == 200 else {}
    settings = body.get("default_generation_settings")
    n_ctx = settings.get("n_ctx") if isinstance(settings, dict) else None
    slots = body.get("total_slots")
    return Props(
        slots=slots if isinstance(slots, int) and slots > 0 else 1,
        context=n_ctx if isinstance(n_ctx, int) and n_ctx > 0 else None,
    )


class SlotAffinity:
    """One server slot per thread, so that a worker's next request goes to the slot that holds
    its previous prompt. ``eval --jobs N`` runs its workers as threads and ``test --jobs N`` as
    processes, so a slot is claimed with an ``fcntl`` lock on a file named after the server and
    the slot (in ``directory``, the temp dir by default), held until the process ends: a thread
    takes the lowest slot no thread of any process holds. With more threads than slots, the
    rest share the slots round robin."""

    def __init__(self, slots: int, key: str, directory: Path | None = None) -> None:
        self.slots = slots
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        self._dir = (directory or Path(tempfile.gettempdir()) / "slotchat-slots") / digest
        self._held: dict[int, IO[bytes]] = {}
        self._spill = itertools.count()
        self._lock = threading.Lock()
        self._local = threading.local()

    def slot(self) -> int:
        if not hasattr(self._local, "slot"):
            with self._lock:
                self._local.slot = self._claim()
        slot: int = self._local.slot
        return slot

    def _claim(self) -> int:
        self._dir.mkdir(parents=True, exist_ok=True)
        for slot in range(self.slots):
            if slot not in self._held and self._try_lock(slot):
                return slot
        return next(self._spill) % self.slots

    def _try_lock(self, slot: int) -> bool:
        handle = (self._dir / f"slot-{slot}.lock").open("ab")
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._held[slot] = handle  # kept open: the lock lives as long as the process
        return True


_affinities: dict[str, SlotAffinity] = {}
_affinities_lock = threading.Lock()


def affinity_for(url: str, slots: int) -> SlotAffinity:
    """The process's one :class:`SlotAffinity` for the server at ``url`` (every worker's model
    client shares it)."""
    with _affinities_lock:
        found = _affinities.get(url)
        if found is None or found.slots != slots:
            found = _affinities[url] = SlotAffinity(slots, url)
        return found


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _unreachable(url: str, error: BaseException) -> str:
    return (
        f"the model server at {url} did not answer ({type(error).__name__}: {error}); "
        "start it, or check --server / SLOTCHAT_SERVER_URL"
    )


class ServerChatModel(LangChainChatModel):
    """A :class:`LangChainChatModel` that speaks a known server kind's request fields."""

    def __init__(
        self,
        url: str,
        kind: str,
        *,
        name: str,
        client: httpx.Client,
        props: Props | None = None,
        **kwargs: Any,
    ) -> None:
        from langchain_openai import ChatOpenAI

        props = props or Props()
        super().__init__(
            ChatOpenAI(base_url=url, model=name, **kwargs),
            name=name,
            context_size=props.context or DEFAULT_CONTEXT,
        )
        self.url, self.kind, self._client = url, kind, client
        self._tokenize = _Tokenizer(url, client)
        several = kind == "llamacpp" and props.slots > 1
        self._affinity = affinity_for(url, props.slots) if several else None

    def count_tokens(self, text: str) -> int:
        return self._tokenize.count(text) or super().count_tokens(text)

    def warm(self, messages: Sequence[Message]) -> None:
        """One token over ``messages``, so that the server caches their prefix (llama.cpp's
        ``cache_prompt``, llama-cpp-python's ``--cache``) before the first turn needs it."""
        for _ in self.stream(messages, GenerationParams(max_tokens=1)):
            pass

    def _generate(
        self,
        messages: list[Message],
        params: GenerationParams,
        options: dict[str, Any],
        cancel: CancelToken | None,
        ended: RunEnded,
    ) -> Iterator[str]:
        """The pieces, with the transport's errors told as this server's."""
        try:
            yield from super()._generate(messages, params, options, cancel, ended)
        except ModelError as error:
            raise ServerError(self._explain(error.__cause__ or error)) from error

    def _explain(self, error: BaseException) -> str:
        text = f"{type(error).__name__}: {error}"
        if "Timeout" in type(error).__name__:
            return f"the model server at {self.url} timed out ({text}); try again, or a faster one"
        if "Connection" in type(error).__name__:
            return _unreachable(self.url, error)
        return (
            f"the model server at {self.url} refused the request ({text}); check that it "
            f"takes {self.kind} request fields (--server-kind) and grammars"
        )

    def _options(self, params: GenerationParams, constraint: Constraint | None) -> dict[str, Any]:
        options = super()._options(params, None)
        body: dict[str, Any] = options["extra_body"]
        if self.kind == "llamacpp":
            body["cache_prompt"] = True
        if self._affinity is not None:
            body["id_slot"] = self._affinity.slot()
        if constraint is not None:
            options.update(_constraint_fields(self.kind, constraint, body))
        return options


def _constraint_fields(kind: str, constraint: Constraint, body: dict[str, Any]) -> dict[str, Any]:
    """Puts the constraint where ``kind`` reads it: in the body, or as ``response_format``."""
    schema = dict(constraint.json_schema) if constraint.json_schema is not None else None
    if kind == "vllm":
        body.update({"guided_json": schema} if schema is not None else {})
        body.update({"guided_grammar": constraint.gbnf} if schema is None else {})
        return {}
    if schema is None:
        body["grammar"] = constraint.gbnf
        return {}
    body["json_schema"] = schema
    return {"response_format": {"type": "json_object", "schema": schema}}


class _Tokenizer:
    """The server's ``/tokenize`` (llama.cpp, vLLM) or ``/extras/tokenize`` (llama-cpp-python);
    the first that answers is kept. ``count`` is 0 when none does. (llama-cpp-python's server
    tokenizes behind the lock its generations hold: hence the generation timeout.)"""

    def __init__(self, url: str, client: httpx.Client) -> None:
        root = root_of(url)
        self._routes = [
            (f"{root}/tokenize", "content"),
            (f"{root}/extras/tokenize", "input"),
        ]
        self._client, self._url = client, url
        self.count = functools.lru_cache(maxsize=4096)(self._count)

    def _count(self, text: str) -> int:
        while self._routes:
            route, field = self._routes[0]
            try:
                response = self._client.post(route, json={field: text, "prompt": text}, timeout=120)
                tokens = response.json().get("tokens") if response.status_code == 200 else None
            except httpx.TransportError as error:  # down or slow: not a reason to estimate
                raise ServerError(_unreachable(self._url, error)) from error
            except ValueError:
                tokens = None
            if isinstance(tokens, list):
                return len(tokens)
            self._routes.pop(0)
        return 0


def open_server_model(
    url: str,
    kind: str = "auto",
    *,
    api_key: str | None = None,
    timeout_s: float = 120.0,
    transport: httpx.BaseTransport | None = None,
) -> ServerChatModel:
    """The model served at ``url`` (an OpenAI-compatible API base, e.g. ``http://host:8080/v1``).
    ``transport`` replaces the network for the probes and the tokenizer (tests)."""
    if kind not in KINDS:
        raise UsageError(f"unknown --server-kind '{kind}': use one of {', '.join(KINDS)}")
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--server must be an http(s) URL (got '{url}'), e.g. http://host:8080/v1")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    client = httpx.Client(timeout=PROBE_TIMEOUT_S, headers=headers, transport=transport)
    kind = probe_kind(url, client) if kind == "auto" else kind
    name = _served_name(url, client)
    props = read_props(url, client) if kind == "llamacpp" else Props()
    return ServerChatModel(
        url, kind, name=name, client=client, props=props, api_key=api_key or "none",
        max_retries=0, timeout=timeout_s, stream_usage=True,
    )  # fmt: skip


def _served_name(url: str, client: httpx.Client) -> str:
    try:
        data = client.get(f"{root_of(url)}/v1/models").json().get("data", [])
    except (httpx.HTTPError, ValueError) as error:
        raise ServerError(_unreachable(url, error)) from error
    return str(data[0].get("id")) if data else "server"
