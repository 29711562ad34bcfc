"""`l`: name a batch. A small dialog with the current label; Enter saves it (a worker, through the service, so any
batch of the workspace can be named, including ones created elsewhere), Escape backs out, an empty label removes it.
It dismisses with the updated batch, so the list and the detail pane show the new name at once."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Input, Static

from batchtui.core.errors import describe
from batchtui.core.models import BatchRecord
from batchtui.service.labels import MAX_LABEL, set_label
from batchtui.tui.backdrop import Dialog
from batchtui.tui.host import session_of
from batchtui.tui.safe import content_assemble


class LabelScreen(Dialog[BatchRecord | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="label.back", tooltip="Keep the label as it was"),
    ]

    class Saved(Message):
        def __init__(self, batch: BatchRecord | None, problem: str | None = None) -> None:
            super().__init__()
            self.batch = batch
            self.problem = problem

    def __init__(self, batch: BatchRecord) -> None:
        super().__init__()
        self.batch = batch
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical(id="label-dialog", classes="dialog"):
            yield Static(content_assemble(("Label ", "bold"), (self.batch.id, "dim")), id="label-title")
            yield Input(
                value=self.batch.label or "",
                placeholder="a name for this batch, shown instead of its id",
                max_length=MAX_LABEL,
                id="label-input",
            )
            yield Static(
                Content.styled("Kept in this cache only (the API has no batch names). Empty removes it.", "dim"),
                id="label-hint",
            )
            with Horizontal(id="label-buttons"):
                yield Button(Content("Save [enter]"), id="label-save", variant="primary")
                yield Button(Content("Back [esc]"), id="label-back")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @work(exclusive=True, group="label", exit_on_error=False)
    async def save(self, text: str) -> None:
        try:
            batch = await set_label(session_of(self.app), self.batch.id, text)
        except Exception as exc:  # too long, the batch gone, the store busy: said in the dialog
            self.post_message(self.Saved(None, describe(exc)))
        else:
            self.post_message(self.Saved(batch))

    @on(Saved)
    def saved(self, message: Saved) -> None:
        self.saving = False
        if message.batch is not None:
            self.dismiss(message.batch)
            return
        hint = self.query_one("#label-hint", Static)
        hint.update(content_assemble(("Not saved: ", "bold $error"), message.problem or "unknown error"))

    @on(Input.Submitted, "#label-input")
    @on(Button.Pressed, "#label-save")
    def submit(self) -> None:
        if not self.saving:
            self.saving = True
            self.save(self.query_one(Input).value)

    @on(Button.Pressed, "#label-back")
    def action_close(self) -> None:
        self.dismiss(None)
