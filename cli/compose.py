"""The one place where the real engine is built: model, memory store, domain pack, prompts,
tracker, backend, responder. ``repl``, ``chat`` (the TUI), ``test`` and ``bench turn`` all call
:func:`build_engine`, so they run the same engine.

Everything heavy is imported inside the functions; importing this module costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.errors import UsageError
from cli.settings import Settings, cache_dir

if TYPE_CHECKING:
    from agent.domain import DomainPack
    from agent.engine.dialogue import DialogueEngine
    from agent.ports import ChatModel, Memory, StepProgress

# (what is happening, fraction done or None when unknown); the TUI's progress signature

RESPONDER_MODES = ("model", "template")
# tokens for the tracker prompt: the whole cambridge schema alone is ~1,500 (Qwen tokenizer); the
# static part is served from the runtime's prefix cache after the first turn
TRACKER_BUDGET = 2560
# exemplars: one fixed set covering every service, in the prefix that is cached at start-up.
# With the candidate grammar a per-turn nearest exemplar (``anchored``) no longer changed the
# scripted suite's result (48/48 on default either way) and cost ~100 uncached tokens a turn:
# state p50 2.05 s with it, 1.41 s without (docs/bench-turn.md).
TRACKER_STRATEGY = "fixed"


def open_model_for(settings: Settings, progress: StepProgress | None = None) -> ChatModel:
    """The chat model ``--model`` names, with ``--threads``, or the one at ``--server``; file
    assembly reports progress."""
    from agent.llm.model_factory import open_model

    if settings.server:
        return _open_server_model(settings.server, settings.server_kind, progress)

    def on_bytes(done: int, total: int) -> None:
        if progress is not None:
            progress(f"preparing model {settings.model}", done / total if total else None)

    if progress is not None:
        progress(f"loading model {settings.model}", None)
    return open_model(
        settings.model, cache_dir=cache_dir(), threads=settings.threads, progress=on_bytes
    )


def _open_server_model(url: str, kind: str, progress: StepProgress | None) -> ChatModel:
    """The model at ``--server`` (env ``SLOTCHAT_SERVER_URL``), key ``SLOTCHAT_API_KEY``."""
    import os

    from agent.llm.server import open_server_model

    if progress is not None:
        progress(f"connecting to the model server {url}", None)
    return open_server_model(url, kind, api_key=os.environ.get("SLOTCHAT_API_KEY") or None)


def open_memory_for(settings: Settings) -> Memory:
    """The memory store at ``--db`` (default: the SQLite file in the data directory)."""
    from storage import open_memory

    return open_memory(settings.db_url)


def load_pack_for(settings: Settings) -> DomainPack:
    from prompts.packs import load_pack

    return load_pack(settings.domain)


def build_engine(
    settings: Settings,
    *,
    model: ChatModel | None = None,
    memory: Memory | None = None,
    progress: StepProgress | None = None,
    pack: DomainPack | None = None,
    seed: int | None = None,
    responder: str = "model",
    strategy: str = TRACKER_STRATEGY,
) -> DialogueEngine:
    """A ready :class:`DialogueEngine` for ``settings``. Pass ``model``/``memory``/``pack`` to
    reuse ones already open (tests, the TUI's background loader). ``seed`` makes booking
    references reproducible; ``responder="template"`` phrases task replies by template only
    (the model still answers chit-chat). ``strategy`` picks the tracker's exemplars (see
    :mod:`prompts.selectors`)."""
    from agent.backend.records import DomainBackend
    from agent.domain import ActType, Message
    from agent.engine.dialogue import DialogueEngine
    from agent.reply.writer import Responder
    from agent.tracking.tracker import StateTracker, TrackerOptions
    from cli.tracker_options import tracker_options
    from prompts.choice import ChoicePrompt
    from prompts.manager_factory import build_tracker_prompts

    if responder not in RESPONDER_MODES:
        raise UsageError(f"unknown responder '{responder}': use one of {RESPONDER_MODES}")
    pack = pack or load_pack_for(settings)
    model = model or open_model_for(settings, progress)
    memory = memory or open_memory_for(settings)
    if progress is not None:
        progress("preparing the domain", None)
    budget = min(TRACKER_BUDGET, model.context_size // 2)
    prompts = build_tracker_prompts(
        pack.schema, pack.exemplars, model.count_tokens, budget=budget, strategy=strategy
    )
    backend = DomainBackend(pack, rng_seed=seed)
    acts = tuple(ActType) if responder == "model" else (ActType.CHAT,)
    writer = Responder(
        model,
        prompts,
        known_names=backend.entity_names(),
        services=[s.name for s in pack.schema.services],
        model_acts=acts,
        lexicon=pack.schema.lexicon,
    )
    # the shipped tracker, as every command runs it (agent.tracking.tracker.TrackerOptions), with
    # any --tracker-option research variant
    options = tracker_options(settings.tracker_options, TrackerOptions())
    tracker = StateTracker(
        model,
        prompts,
        pack.schema,
        options,
        backend.vocabulary(),
        choices=ChoicePrompt() if options.choose_values else None,
    )
    # cache the static prefixes now (llama.cpp), so that turn 1 is as fast as the others
    if progress is not None:
        progress("reading the domain into the model", None)
    probe = Message("user", "hello")
    for prefix in (prompts.warm_messages(), prompts.responder_warm_messages()):
        model.warm([*prefix, probe])
    return DialogueEngine(model, tracker, prompts, backend, memory, pack.schema, responder=writer)
