"""All conversations: open, new, rename, archive, delete (with undo), search, export.

Calls to the sessions service (:class:`agent.engine.session_service.Sessions`, never the
store) run in thread workers; the list is rebuilt from their results. The screen dismisses with
an :class:`Opened` telling the chat screen what to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from agent.domain import Conversation, SearchHit
from agent.tui.contracts import SessionService
from agent.tui.export import to_json, to_markdown
from agent.tui.screens.dialogs import AskText
from agent.tui.workers import report_errors


@dataclass(frozen=True)
class Opened:
    """``conversation_id`` None means: start a new conversation."""

    conversation_id: int | None
    turn_id: int | None = None


class SessionsScreen(Screen[Opened | None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("slash", "focus_search", "Search"),
        Binding("n", "new", "New"),
        Binding("r", "rename", "Rename"),
        Binding("a", "archive", "Archive"),
        Binding("d", "delete", "Delete"),
        Binding("u", "undo", "Undo delete"),
        Binding("m", "export('md')", "Export .md"),
        Binding("j", "export('json')", "Export .json"),
        Binding("h", "toggle_archived", "Show archived"),
    ]

    def __init__(self, sessions: SessionService, export_dir: Path) -> None:
        super().__init__()
        self.sessions = sessions
        self.export_dir = export_dir
        self.conversations: list[Conversation] = []
        self.hits: list[SearchHit] = []
        self.show_archived = False
        self.deleted: list[Conversation] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="sessions"):
            yield Label("Conversations", id="sessions-title")
            yield Input(placeholder="/ search every conversation, Enter to search", id="search")
            yield OptionList(id="session-list")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(OptionList).focus()

    @work(thread=True, exclusive=True, group="sessions")
    @report_errors
    def reload(self) -> None:
        found = self.sessions.conversations(include_archived=self.show_archived)
        self.app.call_from_thread(self._show_conversations, found)

    def _show_conversations(self, conversations: list[Conversation]) -> None:
        self.conversations, self.hits = conversations, []
        options = [Option(_describe(c), id=f"c{c.id}") for c in conversations]
        self._fill(options, "No conversations yet: press n to start one")

    def _show_hits(self, hits: list[SearchHit]) -> None:
        self.hits = hits
        options = [Option(_describe_hit(h), id=f"h{i}") for i, h in enumerate(hits)]
        self._fill(options, "Nothing found")

    def _fill(self, options: list[Option], empty: str) -> None:
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options(options or [Option(empty, disabled=True)])
        listing.highlighted = 0 if options else None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self._search(event.value.strip())
        else:
            self.reload()
        self.query_one(OptionList).focus()

    @work(thread=True, exclusive=True, group="sessions")
    @report_errors
    def _search(self, query: str) -> None:
        hits = self.sessions.search(query, limit=50)
        self.app.call_from_thread(self._show_hits, hits)

    def _current(self) -> Conversation | None:
        index = self.query_one(OptionList).highlighted
        if index is None or self.hits or index >= len(self.conversations):
            return None
        return self.conversations[index]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id or ""
        if option_id.startswith("h"):
            hit = self.hits[int(option_id[1:])]
            self.dismiss(Opened(hit.conversation_id, hit.turn_id))
        elif option_id.startswith("c"):
            self.dismiss(Opened(int(option_id[1:])))

    def action_back(self) -> None:
        if self.hits:
            self.query_one("#search", Input).value = ""
            self.reload()
        else:
            self.dismiss(None)

    def action_focus_search(self) -> None:
        self.set_focus(self.query_one("#search", Input), scroll_visible=False)

    def action_new(self) -> None:
        self.dismiss(Opened(None))

    def action_toggle_archived(self) -> None:
        self.show_archived = not self.show_archived
        self.reload()

    def action_rename(self) -> None:
        conversation = self._current()
        if conversation is None:
            return

        def renamed(title: str | None) -> None:
            if title and title.strip():
                self._session_call("rename", conversation.id, title.strip())

        self.app.push_screen(AskText("New title", conversation.title), renamed)

    def action_archive(self) -> None:
        conversation = self._current()
        if conversation is not None:
            self._session_call("archive", conversation.id, not conversation.archived)
            verb = "Unarchived" if conversation.archived else "Archived (h shows archived)"
            self.notify(f"{verb}: {conversation.title}")

    def action_delete(self) -> None:
        conversation = self._current()
        if conversation is not None:
            self.deleted.append(conversation)
            self._session_call("delete", conversation.id)
            self.notify(f"Deleted “{conversation.title}”. Press u to undo.")

    def action_undo(self) -> None:
        if not self.deleted:
            self.notify("Nothing to undo")
            return
        conversation = self.deleted.pop()
        self._session_call("restore", conversation.id)
        self.notify(f"Restored “{conversation.title}”")

    @work(thread=True, group="sessions-write")
    @report_errors
    def _session_call(self, method: str, *args: object) -> None:
        getattr(self.sessions, method)(*args)
        found = self.sessions.conversations(include_archived=self.show_archived)
        self.app.call_from_thread(self._show_conversations, found)

    def action_export(self, kind: str) -> None:
        conversation = self._current()
        if conversation is not None:
            self._export(conversation, kind)

    @work(thread=True, group="sessions-write")
    @report_errors
    def _export(self, conversation: Conversation, kind: str) -> None:
        session = self.sessions.open(conversation.id)
        render = to_markdown if kind == "md" else to_json
        path = self.export_dir / f"slotchat-{conversation.id}.{kind}"
        text = render(conversation, session.branch, session.state, session.bookings)
        path.write_text(text, encoding="utf-8")
        self.app.call_from_thread(self.notify, f"Exported to {path}")


def _describe(conversation: Conversation) -> str:
    flag = " [archived]" if conversation.archived else ""
    when = f"{conversation.updated_at:%Y-%m-%d %H:%M}"
    return f"{conversation.title}{flag}  ·  {conversation.domain}  ·  {when}"


def _describe_hit(hit: SearchHit) -> str:
    snippet = " ".join(hit.snippet.split())
    return f"{hit.conversation_title}  ·  {hit.role}: {snippet}"
