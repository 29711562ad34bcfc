"""`R`: send an ended batch's failed requests again as a new batch linked to it (its retry child).

The dialog first reads what would go (`service.retry.plan_retry`, in a worker; it downloads the results first if
they are not in the cache) and says it per type: errored and expired by default, `invalid_request_error` left out
(the same request would be refused the same way) and canceled opt-in, each with a toggle. `y` submits through the
service's crash-safe submit (another worker); the dialog dismisses with the new batch's id, announces it, and tells
every screen (the list selects it). What cannot be retried (a batch created elsewhere, one still running) is said
in the dialog, calmly; nothing is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Checkbox, Static

from batchtui.core import fmt
from batchtui.core.errors import OutcomeUnknown, describe
from batchtui.core.models import BatchRecord, ResultFilter
from batchtui.tui.backdrop import Dialog
from batchtui.tui.host import session_of
from batchtui.tui.messages import BatchCreated
from batchtui.tui.safe import content_assemble

ELSEWHERE = (
    "was not submitted through batchtui (or this cache), so its original requests are not here to send again. "
    "Submit its requests file again instead."
)


def has_failures(b: BatchRecord) -> bool:
    """Ended with something worth sending again (errored, expired or canceled requests): what `R` is offered for."""
    c = b.request_counts
    return b.processing_status == "ended" and bool(c.errored or c.expired or c.canceled)


@dataclass(frozen=True)
class Choice:
    """What goes out again: every errored (but invalid) and expired result, plus the opt-ins."""

    errored: int = 0
    expired: int = 0
    canceled: int = 0
    invalid: int = 0  # errored with invalid_request_error

    def count(self, *, canceled: bool, invalid: bool) -> int:
        return self.errored + self.expired + (self.canceled if canceled else 0) + (self.invalid if invalid else 0)


class RetryScreen(Dialog[str | None]):
    """Dismisses with the new batch's id, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "send", "Retry", id="retry.yes", tooltip="Send these requests again as a new batch"),
        Binding("n,escape", "close", "Back", id="retry.back", tooltip="Back out; nothing is sent"),
        Binding("c", "toggle('canceled')", "Canceled", id="retry.canceled", tooltip="Also send the canceled ones"),
        Binding("i", "toggle('invalid')", "Invalid", id="retry.invalid", tooltip="Also send invalid_request_error"),
    ]

    class Planned(Message):
        def __init__(self, choice: Choice | None, problem: str | None = None) -> None:
            super().__init__()
            self.choice = choice
            self.problem = problem

    class Finished(Message):
        def __init__(
            self, batch: BatchRecord | None, sent: int = 0, problem: str | None = None, final: bool = False
        ) -> None:
            super().__init__()
            self.batch = batch
            self.sent = sent
            self.problem = problem
            self.final = final  # the outcome is unknown: sending again could make a second batch

    def __init__(self, batch: BatchRecord) -> None:
        super().__init__()
        self.batch = batch
        self.choice: Choice | None = None
        self.sending = False
        self.blocked: str | None = "reading the results…"

    def compose(self) -> ComposeResult:
        b = self.batch
        with Vertical(id="retry-dialog", classes="dialog"):
            title = content_assemble(("Retry the failures of ", "bold"), (b.display_name, "bold"))
            yield Static(title, id="retry-title")
            yield Static(content_assemble((b.id, "dim")), id="retry-id")
            yield Static(Content.styled("Reading the results…", "dim"), id="retry-counts")
            yield Checkbox(Content("Also the canceled ones [c]"), id="retry-canceled")
            yield Checkbox(Content("Also those refused as invalid_request_error [i]"), id="retry-invalid")
            yield Static(id="retry-summary")
            with Horizontal(id="retry-buttons"):
                yield Button(Content("Retry [y]"), id="retry-yes", variant="primary", disabled=True)
                yield Button(Content("Back [n]"), id="retry-no")

    def on_mount(self) -> None:
        for box in self.query(Checkbox):
            box.display = False
        self.query_one("#retry-no", Button).focus()
        self.plan()

    # -- workers: I/O only, results go back as messages ------------------------------------------------------

    @work(exclusive=True, group="retry-plan", exit_on_error=False)
    async def plan(self) -> None:
        # The submit path loads when a retry is planned, not when the dashboard starts.
        from batchtui.service.retry import RETRYABLE_TYPES, plan_retry

        session = session_of(self.app)
        try:
            plan = await plan_retry(session, self.batch.id, RETRYABLE_TYPES)
            failed = ResultFilter(types=frozenset(RETRYABLE_TYPES))
            first = await session.store.page_results(self.batch.id, failed, offset=0, limit=1)
            if first and await session.store.get_request_params(self.batch.id, first[0].custom_id) is None:
                self.post_message(self.Planned(None, f"{self.batch.display_name} {ELSEWHERE}"))
                return
        except Exception as exc:  # still running, archived before download, offline: said, never raised
            self.post_message(self.Planned(None, describe(exc)))
            return
        kinds = plan.by_type
        errored, expired, canceled = (kinds.get(k, 0) for k in RETRYABLE_TYPES)
        choice = Choice(errored, expired, canceled, plan.skipped_invalid)
        self.post_message(self.Planned(choice))

    @work(exclusive=True, group="retry-send", exit_on_error=False)
    async def send(self, canceled: bool, invalid: bool) -> None:
        from batchtui.service.retry import DEFAULT_TYPES, retry

        types = (*DEFAULT_TYPES, "canceled") if canceled else DEFAULT_TYPES
        try:
            outcome = await retry(session_of(self.app), self.batch.id, types, include_invalid=invalid)
        except OutcomeUnknown as exc:
            self.post_message(self.Finished(None, problem=str(exc), final=True))
            return
        except Exception as exc:
            self.post_message(self.Finished(None, problem=describe(exc)))
            return
        submitted = outcome.submitted
        if submitted is None or submitted.batch is None:
            self.post_message(self.Finished(None, problem="Nothing was sent: no result of those types is left."))
            return
        self.post_message(self.Finished(submitted.batch, len(outcome.plan.chosen)))

    # -- handlers --------------------------------------------------------------------------------------------

    @on(Planned)
    def planned(self, message: Planned) -> None:
        choice = self.choice = message.choice
        counts = self.query_one("#retry-counts", Static)
        if choice is None:
            self.query_one("#retry-title", Static).update(
                content_assemble(("Cannot retry ", "bold"), (self.batch.display_name, "bold"))
            )
            counts.update(content_assemble((message.problem or "The results could not be read.", "$warning")))
            self._block("nothing can be sent")
            return
        self.query_one("#retry-canceled", Checkbox).display = choice.canceled > 0
        self.query_one("#retry-invalid", Checkbox).display = choice.invalid > 0
        self._update()

    @on(Checkbox.Changed)
    def _update(self) -> None:
        if self.choice is None:
            return
        canceled, invalid = self._on("canceled"), self._on("invalid")
        self.query_one("#retry-counts", Static).update(counts_content(self.choice, canceled, invalid))
        n = self.choice.count(canceled=canceled, invalid=invalid)
        summary = self.query_one("#retry-summary", Static)
        if n:
            label = f"{self.batch.display_name} (retry)"
            noun = "request goes" if n == 1 else "requests go"
            summary.update(
                content_assemble(
                    (fmt.count(n), "bold"),
                    f" {noun} out again, as first submitted, in a new batch “",
                    (label, "bold"),
                    "” linked to this one.",
                )
            )
            self._block(None)
        else:
            summary.update(Content.styled("Nothing to send with these choices.", "dim"))
            self._block("nothing to send")

    @on(Finished)
    def finished(self, message: Finished) -> None:
        self.sending = False
        batch = message.batch
        if batch is not None:
            self.notify(
                f"{batch.display_name}\n{fmt.count(message.sent)} requests sent again as {batch.id}",
                title="Retry submitted",
                markup=False,
            )
            for screen in self.app.screen_stack:
                screen.post_message(BatchCreated(batch.id))
            self.dismiss(batch.id)
            return
        problem = message.problem or "The retry was not sent."
        self.query_one("#retry-summary", Static).update(content_assemble(("Not sent: ", "bold $warning"), problem))
        self._block("the outcome is unknown; the poll loop will find the batch" if message.final else None)

    def _block(self, reason: str | None) -> None:
        self.blocked = reason
        self.query_one("#retry-yes", Button).disabled = reason is not None or self.sending
        self.refresh_bindings()

    def _on(self, which: str) -> bool:
        box = self.query_one(f"#retry-{which}", Checkbox)
        return box.display and box.value

    # -- actions ---------------------------------------------------------------------------------------------

    @on(Button.Pressed, "#retry-yes")
    def action_send(self) -> None:
        if self.blocked is not None or self.sending:
            return
        self.sending = True
        self._block(None)
        self.query_one("#retry-summary", Static).update(Content.styled("Sending…", "dim"))
        self.send(self._on("canceled"), self._on("invalid"))

    def action_toggle(self, which: str) -> None:
        box = self.query_one(f"#retry-{which}", Checkbox)
        if box.display and not self.sending:
            box.toggle()

    @on(Button.Pressed, "#retry-no")
    def action_close(self) -> None:
        if not self.sending:  # leaving mid-create would cancel it half-way: its outcome would be unknown
            self.dismiss(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send":
            return None if self.blocked or self.sending else True
        if action == "toggle":  # hidden unless there are such results to add
            boxes = self.query(f"#retry-{parameters[0]}").results(Checkbox)
            return any(box.display for box in boxes) and not self.sending
        if action == "close":
            return None if self.sending else True
        return True


def counts_content(choice: Choice, canceled: bool = False, invalid: bool = False) -> Content:
    """Per type, what goes and what is left out (and why)."""
    sent = "sent again"
    rows: list[tuple[str, int, str, str]] = [
        ("errored", choice.errored, "red", sent),
        ("expired", choice.expired, "magenta", sent),
    ]
    if choice.invalid:
        why = sent if invalid else "left out: invalid_request_error, likely refused the same way"
        rows.append(("invalid", choice.invalid, "yellow", why))
    if choice.canceled:
        rows.append(("canceled", choice.canceled, "yellow", sent if canceled else "left out: someone canceled them"))
    parts: list[str | tuple[str, str]] = []
    for i, (name, n, style, note) in enumerate(rows):
        parts += ["\n" if i else "", (f"  {name:<10}", "dim"), (f"{fmt.count(n):>8}", style if n else "dim")]
        parts.append((f"   {note}", "dim") if n else "")
    return content_assemble(*parts)
