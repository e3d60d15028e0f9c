"""A LangChain ``BaseChatMessageHistory`` over the same tables: the active branch of one
conversation as messages. Adding messages appends turns; ``clear`` starts a new branch from the
root, so nothing stored is ever lost (the old branch stays reachable in the tree)."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.chat_history import BaseChatMessageHistory
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from sqlalchemy import update

from agent.domain import Role, Turn
from storage.store import SqlMemory
from storage.tables import ConversationRow

_ROLES: dict[str, Role] = {"human": "user", "ai": "assistant", "system": "system"}


class SqlChatMessageHistory(BaseChatMessageHistory):
    def __init__(self, memory: SqlMemory, conversation_id: int) -> None:
        memory.get_conversation(conversation_id)  # NotFound early, not on first use
        self.memory = memory
        self.conversation_id = conversation_id

    @property
    def messages(self) -> list[BaseMessage]:  # type: ignore[override]
        return [to_message(turn) for turn in self.memory.active_branch(self.conversation_id)]

    def add_messages(self, messages: Sequence[BaseMessage]) -> None:
        for message in messages:
            role = _ROLES.get(message.type)
            if role is None:
                raise ValueError(f"cannot store a {message.type!r} message as a turn")
            self.memory.append_turn(self.conversation_id, role, message.text)

    def clear(self) -> None:
        """Detach the head: the next message starts a new root branch."""
        with self.memory.write() as connection:
            where = ConversationRow.id == self.conversation_id
            connection.execute(update(ConversationRow).where(where).values(head_turn_id=None))


def to_message(turn: Turn) -> BaseMessage:
    kwargs = {"id": str(turn.id)}
    if turn.role == "user":
        return HumanMessage(content=turn.text, **kwargs)
    if turn.role == "assistant":
        return AIMessage(content=turn.text, **kwargs)
    return SystemMessage(content=turn.text, **kwargs)
