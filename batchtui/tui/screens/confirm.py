"""A yes/no question before anything destructive: `y` confirms, `n` or `escape` backs out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from batchtui.tui.backdrop import Dialog
from batchtui.tui.safe import as_content

MAX_LISTED = 12


class ConfirmScreen(Dialog[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Go ahead"),
        Binding("n", "answer(False)", "No", id="confirm.no", tooltip="Back out, change nothing"),
        Binding("escape", "answer(False)", "Back", id="confirm.back", tooltip="Back out, change nothing"),
        Binding("left,h", "app.focus_previous", show=False, id="confirm.previous", tooltip="Focus the other button"),
        Binding("right,l", "app.focus_next", show=False, id="confirm.next", tooltip="Focus the other button"),
    ]

    def __init__(self, title: str, items: Sequence[str], question: str, *, yes: str = "Yes", danger: bool = True):
        """`title` and `question` are ours; `items` (batch labels) may be anything and are shown literally."""
        super().__init__()
        self.title_text = title
        self.items = list(items)
        self.question = question
        self.yes = yes
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(Content.styled(self.title_text, "bold"), id="confirm-title")
            with VerticalScroll(id="confirm-items"):
                for item in self.items[:MAX_LISTED]:
                    yield Static(Content("• ") + as_content(item), classes="confirm-item")
                if len(self.items) > MAX_LISTED:
                    yield Static(Content.styled(f"… and {len(self.items) - MAX_LISTED} more", "dim"))
            yield Static(Content(self.question), id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(
                    Content(f"{self.yes} [y]"), id="confirm-yes", variant="error" if self.danger else "primary"
                )
                yield Button(Content("No [n]"), id="confirm-no")

    def on_mount(self) -> None:
        # Destructive: the safe answer has the focus, so a stray `enter` backs out.
        self.query_one("#confirm-no", Button).focus()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")
