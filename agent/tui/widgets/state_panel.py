"""What the agent understood: domain, intents, slots (with the turn that set each) and bookings.

Select a slot row and press Enter to change or clear it; ``a`` adds a slot. The panel only asks
(``EditRequested``); the screen decides and tells the engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Label, Static

from agent.domain import Act, Booking, DialogueState
from agent.tui.provenance import EDITED


class StatePanel(Vertical):
    BINDINGS = [
        Binding("enter", "edit_slot", "Edit slot", show=False),
        Binding("a", "add_slot", "Add slot"),
        Binding("delete,backspace", "clear_slot", "Clear slot"),
    ]

    class EditRequested(Message):
        """``slot`` is "" when the user wants to add one."""

        def __init__(self, slot: str, value: str, *, clear: bool = False) -> None:
            super().__init__()
            self.slot = slot
            self.value = value
            self.clear = clear

    def __init__(self, domain: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.domain = domain
        self.state = DialogueState()
        self.border_title = "What I understood"

    def compose(self) -> ComposeResult:
        yield Label(f"domain: {self.domain}", id="domain")
        yield Label("intent: –", id="intent")
        table: DataTable[str] = DataTable(id="slots", cursor_type="row", zebra_stripes=True)
        table.add_columns("slot", "value", "turn")
        yield table
        yield Label("Bookings", classes="heading")
        yield Static("none yet", id="bookings")

    def show(
        self, state: DialogueState, origins: Mapping[str, int], act: Act | None = None
    ) -> None:
        self.state = state
        intents = ", ".join(f"{s}: {i}" for s, i in state.intents.items()) or "–"
        suffix = f"  (next: {act.type.value})" if act else ""
        self.query_one("#intent", Label).update(f"intent: {intents}{suffix}")
        table = self.query_one("#slots", DataTable)
        table.clear()
        for slot, value in sorted(state.slots.items()):
            origin = origins.get(slot)
            turn = "edited" if origin == EDITED else ("" if origin is None else f"#{origin}")
            table.add_row(slot, value, turn, key=slot)

    def show_bookings(self, bookings: Sequence[Booking]) -> None:
        lines = [f"{b.service} [b]{b.reference}[/b] {b.entity}".rstrip() for b in bookings]
        self.query_one("#bookings", Static).update("\n".join(lines) or "none yet")

    def _selected(self) -> str | None:
        table = self.query_one("#slots", DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_edit_slot(self) -> None:
        slot = self._selected()
        if slot is not None:
            self.post_message(self.EditRequested(slot, self.state.slots.get(slot, "")))

    def action_add_slot(self) -> None:
        self.post_message(self.EditRequested("", ""))

    def action_clear_slot(self) -> None:
        slot = self._selected()
        if slot is not None:
            self.post_message(self.EditRequested(slot, "", clear=True))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit_slot()
