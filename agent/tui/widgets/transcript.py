"""The scrolling list of messages. New text only ever goes into the last message widget."""

from __future__ import annotations

from collections.abc import Sequence

from textual.containers import VerticalScroll

from agent.domain import Turn
from agent.tui.widgets.message import MessageView


class Transcript(VerticalScroll, can_focus=False):
    def on_mount(self) -> None:
        self.anchor()

    def add(self, role: str, text: str = "", *, turn_id: int | None = None) -> MessageView:
        view = MessageView(role, text, turn_id=turn_id)
        self.mount(view)
        self.anchor()
        return view

    async def show_branch(self, branch: Sequence[Turn]) -> None:
        """Replace the whole transcript (on resume or after a fork), in one batch."""
        await self.remove_children()
        views = [MessageView(t.role, t.text, turn_id=t.id) for t in branch if t.role != "system"]
        for view, turn in zip(views, [t for t in branch if t.role != "system"], strict=True):
            if not turn.complete:
                view.set_note("cut off")
        await self.mount_all(views)
        self.anchor()

    @property
    def messages(self) -> list[MessageView]:
        return list(self.query_children(MessageView))

    def last(self, role: str) -> MessageView | None:
        return next((m for m in reversed(self.messages) if m.role == role), None)

    def find(self, turn_id: int) -> MessageView | None:
        return next((m for m in self.messages if m.turn_id == turn_id), None)

    def jump_to(self, turn_id: int) -> bool:
        view = self.find(turn_id)
        if view is None:
            return False
        self.release_anchor()
        self.scroll_to_widget(view, top=True, animate=False)
        view.focus()
        return True
