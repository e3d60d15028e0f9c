"""One message of the transcript: a speaker line and a Markdown body that streams in place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label

if TYPE_CHECKING:
    from textual.widgets import Markdown

_SPEAKER = {"user": "You", "assistant": "slotchat", "system": "System"}


class MessageView(Vertical, can_focus=True):
    """Focus a message (Tab or click) to copy it or save it to a file."""

    BINDINGS = [
        Binding("c", "copy", "Copy"),
        Binding("s", "save", "Save to file"),
    ]

    class CopyRequested(Message):
        def __init__(self, view: MessageView) -> None:
            super().__init__()
            self.view = view

    class SaveRequested(Message):
        def __init__(self, view: MessageView) -> None:
            super().__init__()
            self.view = view

    def __init__(self, role: str, text: str = "", *, turn_id: int | None = None) -> None:
        super().__init__(classes=f"message -{role}")
        self.role = role
        self.turn_id = turn_id
        self._text = text
        self._note = ""

    @property
    def text(self) -> str:
        return self._text

    def compose(self) -> ComposeResult:
        yield Label(self._header(), classes="speaker")
        from textual.widgets import Markdown  # imported on first use: keeps the first paint fast

        yield Markdown(self._text, classes="body")

    def append(self, fragment: str) -> AwaitComplete:
        """Add streamed text; only this message's last Markdown block is re-parsed."""
        self._text += fragment
        body = self._body()
        return body.append(fragment) if body else AwaitComplete(_nothing())

    def set_text(self, text: str) -> AwaitComplete:
        self._text = text
        body = self._body()
        return body.update(text) if body else AwaitComplete(_nothing())

    def _body(self) -> Markdown | None:
        """None until composed; compose then renders all the text received so far."""
        from textual.widgets import Markdown

        return next(iter(self.query(Markdown).results(Markdown)), None)

    def set_note(self, note: str) -> None:
        """A status after the speaker's name: ``queued``, ``thinking…``, ``cut off``."""
        self._note = note
        self.set_class(note == "cut off", "-cut-off")
        for label in self.query(".speaker").results(Label):  # none yet if not composed
            label.update(self._header())

    def _header(self) -> str:
        speaker = _SPEAKER.get(self.role, self.role)
        return f"{speaker} · {self._note}" if self._note else speaker

    def action_copy(self) -> None:
        self.post_message(self.CopyRequested(self))

    def action_save(self) -> None:
        self.post_message(self.SaveRequested(self))


async def _nothing() -> None:
    return None
