"""One clip of the user's text, in the engine: a 20,000-character paste is stored whole, and
every prompt the model sees (the tracker's and the responder's, built by the real prompt
manager over the cambridge pack) holds the engine's clip of it, used as given."""

from __future__ import annotations

from collections.abc import Sequence

from agent.domain import Constraint, Message
from agent.engine.turn_context import MODEL_TEXT_CHARS, clip
from agent.llm.fake import ScriptedChatModel, echo_reply
from cli.compose import build_engine
from cli.settings import Settings
from storage import open_memory

PASTE = "I want italian food. " + "blah " * 4000 + "in the centre please"


def test_a_huge_paste_reaches_every_prompt_clipped_once() -> None:
    prompts: list[list[Message]] = []

    def reply(messages: Sequence[Message], constraint: Constraint | None) -> str:
        prompts.append(list(messages))
        return echo_reply(messages, constraint)

    model = ScriptedChatModel(reply, name="fake")
    settings = Settings(model="fake", domain="cambridge", db_url="sqlite://", threads=1)
    with open_memory("sqlite://") as memory:
        engine = build_engine(settings, model=model, memory=memory, responder="model")
        conversation = engine.start_conversation("paste").id
        result = engine.turn(conversation, PASTE)
        assert memory.get_turn(result.user_turn_id).text == PASTE
    clipped = clip(PASTE)
    assert len(clipped) <= MODEL_TEXT_CHARS + 3 and clipped.endswith("in the centre please")
    asked = [p for p in prompts if p and p[-1].role == "user" and "blah" in p[-1].content]
    assert len(asked) >= 2  # the tracker and the responder
    for prompt in asked:
        assert clipped in prompt[-1].content  # used whole: no second clip
        assert len(prompt[-1].content) < len(clipped) + 3000
