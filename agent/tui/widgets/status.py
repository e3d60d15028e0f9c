"""The line above the key footer: model, speed of the last reply, context used, loading."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar


class StatusBar(Horizontal):
    def __init__(self, model: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.model = model
        self.speed = "– tok/s"
        self.context = "ctx –"

    def compose(self) -> ComposeResult:
        yield Label(self._line(), id="status-line")
        yield Label(f"loading model {self.model}…", id="load-label")
        yield ProgressBar(total=None, show_eta=False, id="load-bar")

    def show_loading(self, what: str, fraction: float | None) -> None:
        self.query_one("#load-label", Label).update(what)
        bar = self.query_one("#load-bar", ProgressBar)
        if fraction is None:
            bar.update(total=None)
        else:
            bar.update(total=100, progress=round(fraction * 100))

    def loaded(self, model: str) -> None:
        self.model = model
        self.query_one("#load-label", Label).display = False
        self.query_one("#load-bar", ProgressBar).display = False
        self._refresh()

    def reply_stats(self, tokens: int, seconds: float, used: int, size: int) -> None:
        self.speed = f"{tokens / seconds:.1f} tok/s" if seconds > 0 and tokens else "– tok/s"
        self.context = f"ctx {used}/{size}" if size else f"ctx {used}"
        self._refresh()

    def _refresh(self) -> None:
        self.query_one("#status-line", Label).update(self._line())

    def _line(self) -> str:
        return f"model {self.model} · {self.speed} · {self.context}"
