"""The real engine (``agent.engine.dialogue.DialogueEngine``) over the toolkit's parts: the mini
pack and its backend, echo prompts, the scripted fake model, a tracker the caller gives (scripted
deltas or keywords) and the store the caller gives (the real one)."""

from __future__ import annotations

from collections.abc import Sequence

from agent.backend.records import DomainBackend
from agent.domain import Constraint, Message
from agent.engine.dialogue import DialogueEngine
from agent.llm.fake import ScriptedChatModel
from agent.ports import Memory, Tracker
from tests.fakes.mini import mini_pack
from tests.fakes.turns import EchoPrompts


def happy(messages: Sequence[Message], constraint: Constraint | None) -> str:
    """A model that answers every prompt with a pleasantry."""
    return "Happy to help!"


def mini_engine(
    memory: Memory,
    tracker: Tracker,
    *,
    model: ScriptedChatModel | None = None,
    backend: DomainBackend | None = None,
) -> DialogueEngine:
    """The real engine on the mini domain; ``backend`` defaults to the pack's, seeded."""
    pack = mini_pack()
    backend = backend or DomainBackend(pack, rng_seed=5)
    return DialogueEngine(
        model or ScriptedChatModel(happy),
        tracker,
        EchoPrompts(),
        backend,
        memory,
        pack.schema,
        known_names=backend.entity_names(),
    )
