"""The slotchat terminal app: paints at once, then opens the store and loads the model in
thread workers, reporting progress on the status line. A step that fails is logged with its
traceback and shown as a one-line notification; the app stays up."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from agent.tui.config import UiConfig, load_config, save_config
from agent.tui.contracts import Launch, LoadedEngine, SessionService
from agent.tui.screens.chat_screen import ChatScreen
from agent.tui.widgets.status import StatusBar
from agent.tui.workers import user_message

log = logging.getLogger(__name__)

_PALETTE = (
    ("New conversation", "Start a fresh conversation", "new_chat"),
    ("Sessions", "Open, rename, archive, delete, search and export conversations", "sessions"),
    (
        "Regenerate",
        "Ask again from the last message (keeps the old reply on a branch)",
        "regenerate",
    ),
    ("Edit last message", "Edit and resend the last message as a new branch", "edit_last"),
    ("Stop", "Stop the reply being written, keeping what was streamed", "cancel"),
    ("Copy last reply", "Copy the last reply to the clipboard (OSC 52)", "copy_last"),
    ("Toggle state panel", "Show or hide what the agent understood", "toggle_state"),
)


class SlotchatApp(App[None]):
    CSS_PATH = "slotchat.tcss"
    TITLE = "slotchat"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+c", "interrupt", "Stop / quit", show=False, priority=True),
    ]
    INTERRUPTED = 130  # the exit code after Ctrl-C, as a shell expects

    def action_interrupt(self) -> None:
        """Ctrl-C stops the reply being written (what was streamed is kept, marked cut off);
        pressed again, or when nothing is being written, it quits with exit code 130."""
        if not self.chat.stop_reply():
            self.exit(return_code=self.INTERRUPTED)

    def __init__(self, launch: Launch) -> None:
        super().__init__()
        self.launch = launch
        self.config: UiConfig = load_config(launch.config_path)
        self.chat = ChatScreen(launch)
        theme = launch.theme or self.config.theme
        if theme and theme in self.available_themes:
            self.theme = theme

    def get_default_screen(self) -> Screen[Any]:
        return self.chat

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, lambda theme: self.remember(theme=theme.name))
        # after the first frame: these threads hold the GIL for a while (migrations, imports)
        self.call_after_refresh(self._start_background)

    def _start_background(self) -> None:
        self._open_sessions()
        self._warm_up()

    @work(thread=True, group="warm-up")
    def _warm_up(self) -> None:
        """Import what the first paint did not need (Markdown, sessions) before it is used."""
        import textual.widgets._markdown  # noqa: F401

        import agent.tui.screens.sessions_screen  # noqa: F401

    def remember(self, **changes: Any) -> None:
        """Persist a preference (theme, last conversation) in the config file."""
        self.config = self.config.updated(**changes)
        save_config(self.launch.config_path, self.config)

    @work(thread=True, group="startup")
    def _open_sessions(self) -> None:
        try:
            sessions = self.launch.open_sessions()
        except Exception as error:  # any failure: the app stays up and says what happened
            self._start_failed("opening the conversation store", error)
            self.call_from_thread(self.chat.engine_failed, "no store")
            return
        self.call_from_thread(self._sessions_opened, sessions)
        self._load_engine(sessions)

    def _sessions_opened(self, sessions: SessionService) -> None:
        self.chat.sessions_ready(sessions)
        if self.launch.resume is not None:
            self.chat.open_conversation(self.launch.resume)

    def _load_engine(self, sessions: SessionService) -> None:
        status = self.chat.query_one(StatusBar)

        def progress(what: str, fraction: float | None) -> None:
            self.call_from_thread(status.show_loading, what, fraction)

        try:
            engine = self.launch.load_engine(sessions, progress)
        except Exception as error:  # any failure: the app stays up and says what happened
            self._start_failed("loading the model", error)
            self.call_from_thread(self.chat.engine_failed, str(error))
            return
        self.call_from_thread(self._engine_loaded, engine)

    def _start_failed(self, step: str, error: Exception) -> None:
        """A start-up step failed (from its worker thread): logged with the traceback, shown
        as a one-line notification."""
        log.error("TUI start-up: %s failed", step, exc_info=error)
        line = " ".join(user_message(error).split())
        self.call_from_thread(self.notify, line, severity="error", timeout=12, markup=False)

    def _engine_loaded(self, engine: LoadedEngine) -> None:
        self.chat.engine_ready(engine)
        name, server = engine.model_name, self.launch.server
        note = f"Model {name} ready (server {server})" if server else f"Model {name} ready"
        self.notify(note, timeout=3, markup=False)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if screen is self.chat:
            for title, help_text, action in _PALETTE:
                yield SystemCommand(title, help_text, getattr(self.chat, f"action_{action}"))
            yield SystemCommand(
                "Model server",
                "See or set the OpenAI-compatible model server (applies on the next start)",
                self.action_model_server,
            )

    def action_model_server(self) -> None:
        """Ask for the model server the next start uses; empty means the local model."""
        from agent.tui.screens.dialogs import AskText

        now = self.launch.server or "none, the local model"
        hint = f"Now: {now}. Applies on the next start · Enter to save · Esc to cancel"
        question = "Model server URL, e.g. http://host:8080/v1 (empty: the local model)"
        self.push_screen(AskText(question, self.config.server or "", hint=hint), self.set_server)

    def set_server(self, answer: str | None) -> None:
        """Remember ``answer`` as the model server (blank clears it) and say when it applies."""
        if answer is None:
            return
        server = answer.strip() or None
        if server is not None and not server.startswith(("http://", "https://")):
            note = f"Not saved: {server!r} is not an http:// or https:// URL"
            self.notify(note, severity="warning", markup=False)
            return
        self.remember(server=server)
        where = f"the model server {server}" if server else "the local model"
        note = f"Saved: {where} from the next start (--server, --model, SLOTCHAT_SERVER_URL win)"
        self.notify(note, timeout=8, markup=False)
