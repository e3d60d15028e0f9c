"""What another window added to the conversation since this repl last showed it.

Two repl (or TUI) windows on one conversation take turns: a message sent while the other
window's turn is being answered waits for it (the turn lock), then goes below its reply. Before
answering, the repl shows the turns that arrived from the other window, so the reply reads in
the order the conversation now has. Written to stderr: in a pipe, stdout stays one reply per
line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cli.terminal_text import printable

if TYPE_CHECKING:
    from agent.domain import Turn
    from agent.ports import Memory


class SeenHead:
    """The last turn of the conversation this window has shown (``None``: nothing yet)."""

    def __init__(self, memory: Memory, conversation_id: int) -> None:
        self._memory = memory
        self.conversation_id = conversation_id
        branch = memory.active_branch(conversation_id)
        self.turn_id: int | None = branch[-1].id if branch else None

    def arrived(self) -> tuple[list[Turn], bool]:
        """Called once this window's user turn is the head (its state is known, its reply not
        begun): the turns before it this window has not shown, and whether the branch still
        goes through what it had shown (False: another window edited or switched branches)."""
        branch = self._memory.active_branch(self.conversation_id)
        ids = [turn.id for turn in branch]
        end = len(ids) - 1
        if self.turn_id is None:
            return branch[:end], True
        if self.turn_id not in ids[:end]:
            return branch[max(0, end - 2) : end], False
        return branch[ids.index(self.turn_id) + 1 : end], True


def describe(conversation_id: int, turns: list[Turn], same_branch: bool) -> str:
    """The lines the repl writes before its reply ("" when nothing arrived)."""
    if not turns:
        return ""
    plural = "s" if len(turns) != 1 else ""
    head = f"conversation {conversation_id}: {len(turns)} new turn{plural} from another window"
    if not same_branch:
        head = f"conversation {conversation_id} was changed in another window; it now reads"
    lines = [f"  > {t.text}" if t.role == "user" else f"  {t.text}" for t in turns]
    return printable("\n".join([head + ":", *lines])) + "\n"
