"""The LangChain chat history reads and writes the same turns."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from agent.errors import NotFound
from storage.chat_history import SqlChatMessageHistory
from storage.store import SqlMemory


def test_messages_are_turns_of_the_active_branch(memory: SqlMemory) -> None:
    cid = memory.create_conversation(title="lc", domain="d", model="m").id
    history = SqlChatMessageHistory(memory, cid)
    history.add_messages([SystemMessage("be brief"), HumanMessage("hi 👋"), AIMessage("hello")])
    history.add_user_message("a table for two")
    assert [type(m).__name__ for m in history.messages] == [
        "SystemMessage",
        "HumanMessage",
        "AIMessage",
        "HumanMessage",
    ]
    assert [t.role for t in memory.active_branch(cid)] == ["system", "user", "assistant", "user"]
    assert history.messages[1].content == "hi 👋"
    history.clear()
    assert history.messages == []
    history.add_user_message("fresh start")
    assert [m.content for m in history.messages] == ["fresh start"]
    assert memory.turn_counts() == {cid: 5}  # clearing kept the old branch


def test_unknown_conversation(memory: SqlMemory) -> None:
    with pytest.raises(NotFound):
        SqlChatMessageHistory(memory, 404)
