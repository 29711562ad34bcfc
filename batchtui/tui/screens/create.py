"""`n`: pick a requests file, see what it holds (count, size, models, problems by line, estimated cost), name it,
and submit it with progress. Validation and submission run in workers; handlers alone touch the widgets.

The preview is the service's `prepare_parts`: the file is validated and its create body spooled in that one pass,
and Submit sends that very spool (the file is not read twice). Backing out discards it. The defaults (model, max
tokens, temperature, system: what CSV rows, plain-text lines and simple JSON items leave out) are the CLI's flags;
changing one checks the file again.

A file over one batch's limits is not refused: the preview shows the parts it goes as (a group of batches, in file
order), and Submit hands it to an app worker (tui/group_send.py) that sends part after part, waiting for a full
processing queue if need be. The dialog follows it and may be closed meanwhile: the sending goes on, and the
group's row is in the list from its first part.

Auto-cache (service/auto_cache.py): a checkbox, shown when requests share a prefix long enough to cache, on by
default when the estimated saving is large; toggling it checks the file again, marked or as it is.

Reuse (service/reuse.py): "Reuse earlier answers (N of M)", shown when earlier batches answered some requests, off
until ticked (the preview only counts them); ticked, the file is checked again with those left out, and a file
answered in full is stored as a local batch without sending anything."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Checkbox, Input, Label, ProgressBar, Static

from batchtui.core import fmt
from batchtui.core.cache_estimate import AutoCacheSummary
from batchtui.core.errors import BatchtuiError, OutcomeUnknown, describe
from batchtui.core.inputs import READERS, InputError, RequestDefaults, ValidationReport
from batchtui.core.inputs.split import SplitLimits
from batchtui.core.reuse import ReuseSummary
from batchtui.core.sanitize import clean
from batchtui.service.auto_cache import AutoCache, prepare_cached
from batchtui.service.queue import QueuePolicy
from batchtui.service.reuse import (
    FOLLOWING_NOTE,
    Reuse,
    ReuseSetup,
    setup_for,
    submit_unsplit,
    summarise,
    unfinished_plan,
)
from batchtui.service.split import PreparedParts
from batchtui.service.submit import SubmitOutcome, ValidationFailed
from batchtui.tui.backdrop import Dialog
from batchtui.tui.file_dialogs import FileOpen, Filters
from batchtui.tui.group_send import GroupSendDone, GroupSendNote, GroupSendProgress, start_group_send
from batchtui.tui.host import session_of
from batchtui.tui.safe import as_content, content_assemble
from batchtui.tui.screens.create_cache import cache_content
from batchtui.tui.screens.create_parts import parts_content
from batchtui.tui.screens.create_reuse import reuse_content, reuse_label


def request_extensions() -> tuple[str, ...]:
    """Every extension an input reader claims (the registry is the one list of formats)."""
    return tuple(sorted({ext for spec in READERS.values() for ext in spec.extensions}))


def pick_requests_file(location: Path | None = None) -> FileOpen:
    """The file dialog, showing request files first (a filter away from everything else)."""
    extensions = request_extensions()
    return FileOpen(
        location or Path.cwd(),
        "New batch: choose a requests file",
        filters=Filters(
            (f"Requests ({' '.join(extensions)})", lambda p: p.name.lower().endswith(extensions)),
            ("All files", lambda _p: True),
        ),
    )


def display_path(path: Path) -> str:
    """Relative to the working directory when inside it (shorter, and stable across machines)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def problem_line(e: InputError) -> tuple[str, str]:
    where = f"line {e.line}" if e.line is not None else "file"
    what = f"{e.field}: {e.message}" if e.field else e.message
    if e.item is not None:  # a minified JSON array has every item on one line
        what = f"item {e.item}: {what}"
    return where, what + (f" — {e.hint}" if e.hint else "")


DEFAULT_INPUTS = ("create-model", "create-max-tokens", "create-temperature", "create-system")
REVALIDATE_DELAY = 0.4  # seconds of quiet typing before the file is checked again with new defaults


def defaults_from_fields(model: str, max_tokens: str, temperature: str, system: str) -> RequestDefaults | str:
    """The defaults the fields give, or what is wrong with them."""
    tokens: int | None = None
    if max_tokens.strip():
        if not max_tokens.strip().isdigit():
            return "max tokens must be a whole number, e.g. 1024"
        tokens = int(max_tokens)
    temp: float | None = None
    if temperature.strip():
        try:
            temp = float(temperature)
        except ValueError:
            temp = -1.0
        if not 0.0 <= temp <= 1.0:
            return "temperature must be a number from 0 to 1"
    return RequestDefaults(model.strip() or None, tokens, system.strip() or None, temp)


def _sendable(prepared: PreparedParts | None) -> bool:
    """Spooled, or (every request answered from the cache) with the answers written down."""
    if prepared is None or any(p.spool is None for p in prepared.parts):
        return False
    return bool(prepared.parts) or (prepared.reuse is not None and prepared.reuse.sidecar is not None)


def _discard_result(done: asyncio.Future[Any]) -> None:
    """A validation overtaken by a newer one still finishes on its thread: drop what it spooled."""
    if not done.cancelled() and done.exception() is None:
        done.result()[0].discard()


class CreateScreen(Dialog[str | None]):
    """Dismisses with the new batch's id (a group's id when the file went as a group), or None when the user backs
    out (or closes the dialog while a group is still being sent: it goes on)."""

    DEFAULT_CSS = """
    #create-defaults-row, #create-system-row { height: auto; }
    #create-defaults-row Label, #create-system-row Label { padding: 1 1 0 0; }
    #create-model { width: 1fr; }
    #create-max-tokens, #create-temperature { width: 16; }
    #create-system { width: 1fr; }
    #create-cache-row, #create-reuse-row { height: auto; display: none; }
    #create-cache, #create-reuse-text { width: 1fr; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="create.back", tooltip="Back to the list; nothing is sent"),
        Binding("ctrl+s", "submit", "Submit", id="create.submit", tooltip="Create the batch from this file"),
    ]

    class Validated(Message):
        def __init__(
            self,
            report: ValidationReport | None,
            problem: str | None = None,
            cache: AutoCacheSummary | None = None,
            reuse: ReuseSummary | None = None,
        ) -> None:
            super().__init__()
            self.report = report
            self.problem = problem
            self.cache = cache
            self.reuse = reuse

    class Progress(Message):
        def __init__(self, phase: str, done: int, total: int) -> None:
            super().__init__()
            self.phase, self.done, self.total = phase, done, total

    class GroupHandedOver(Message):
        def __init__(self, digest: str) -> None:
            super().__init__()
            self.digest = digest

    class Finished(Message):
        def __init__(self, outcome: SubmitOutcome | None, problem: str | None = None, retry: bool = True) -> None:
            super().__init__()
            self.outcome = outcome
            self.problem = problem
            self.retry = retry

    def __init__(self, path: Path, *, limits: SplitLimits | None = None, policy: QueuePolicy | None = None) -> None:
        """`limits`: one batch's (tests inject small ones); `policy`: how a part waits for a full queue."""
        super().__init__()
        self.path = path
        self.limits = limits or SplitLimits()
        self.policy = policy
        self.report: ValidationReport | None = None
        self.prepared: PreparedParts | None = None  # the validated file's spooled parts, until sent or discarded
        self.sending_group: str | None = None  # the plan digest of the group this dialog handed over for sending
        self._part = ""  # which part the group submit is on ("part 3 of 5"), for the upload progress
        self.submitting = False
        self.blocked: str | None = "checking the file…"  # why Submit is disabled, if it is
        self.defaults: RequestDefaults | str = RequestDefaults()  # or why the fields do not make defaults
        self._revalidate: Timer | None = None
        self.auto_cache: bool | None = None  # None: on when the saving is large, until the checkbox is toggled
        self.reuse = False  # leave out requests earlier batches answered (off: only counted, for the checkbox)

    def compose(self) -> ComposeResult:
        with Vertical(id="create-dialog", classes="dialog"):
            yield Static(
                content_assemble(("New batch from ", "bold"), (display_path(self.path), "bold underline")),
                id="create-title",
            )
            yield Static(Content.styled("Checking the file…", "dim"), id="create-summary")
            with Horizontal(id="create-cache-row"):
                yield Checkbox("Auto-cache", id="create-auto-cache", compact=True)
                yield Static(id="create-cache")
            with Horizontal(id="create-reuse-row"):
                yield Checkbox("Reuse earlier answers", id="create-reuse", compact=True)
                yield Static(id="create-reuse-text")
            with VerticalScroll(id="create-parts"):
                yield Static(id="create-part-list")
            with VerticalScroll(id="create-problems"):
                yield Static(id="create-problem-list")
            with Horizontal(id="create-defaults-row"):
                yield Label("Model ")
                model_hint = "for requests without one, e.g. claude-sonnet-4-5"
                yield Input(placeholder=model_hint, id="create-model", max_length=128)
                yield Label("Max tokens ")
                yield Input(placeholder="e.g. 1024", type="integer", id="create-max-tokens", max_length=7)
                yield Label("Temperature ")
                yield Input(placeholder="0 – 1", type="number", id="create-temperature", max_length=8)
            with Horizontal(id="create-system-row"):
                yield Label("System ")
                yield Input(placeholder="a system prompt for requests without one", id="create-system")
            with Horizontal(id="create-label-row"):
                yield Label("Label ")
                yield Input(
                    value=clean(self.path.stem),
                    placeholder="a name for the batch (kept locally)",
                    id="create-label",
                    max_length=200,
                )
            yield Static(id="create-progress-text")
            yield ProgressBar(id="create-progress", show_eta=False)
            with Horizontal(id="create-buttons"):
                yield Button(Content("Submit [^s]"), id="create-submit", variant="primary", disabled=True)
                yield Button(Content("Back [esc]"), id="create-back")
                yield Static(id="create-blocked")

    def on_mount(self) -> None:
        self.validate()

    def on_unmount(self) -> None:
        self._discard()

    def _discard(self) -> None:
        if self.prepared is not None:
            self.prepared.discard()
            self.prepared = None

    # -- workers: I/O only, results go back as messages ------------------------------------------------------

    def _setup(self, owner: str | None = None) -> ReuseSetup:
        """Made on the app's loop: the pass on its thread looks answers up through it."""
        session = session_of(self.app)
        return setup_for(session, Reuse(self.reuse), dry_run=not session.online, owner=owner)

    def _prepare(self, defaults: RequestDefaults, reuse: ReuseSetup) -> tuple[PreparedParts, AutoCacheSummary | None]:
        """Validate the file and, when there is an API to send to, spool its body (one spool per part, when it is
        over one batch's limits) in the same pass, auto-cached and reused as the checkboxes say (blocking)."""
        session = session_of(self.app)
        spool_dir = session.spool_dir if session.online else None

        def progress(phase: str, done: int, total: int) -> None:
            self.post_message(self.Progress(phase, done, total))  # thread-safe: this runs on a thread

        return prepare_cached(
            self.path, spool_dir, self.limits, AutoCache(self.auto_cache), defaults=defaults, on_progress=progress,
            keep_metadata=True, reuse=reuse,
        )  # fmt: skip

    @work(exclusive=True, group="validate", exit_on_error=False)
    async def validate(self) -> None:
        defaults = self.defaults
        if isinstance(defaults, str):
            self.post_message(self.Validated(None, f"Defaults: {defaults}."))
            return
        job = asyncio.ensure_future(asyncio.to_thread(self._prepare, defaults, self._setup()))
        try:
            prepared, cache = await asyncio.shield(job)
        except asyncio.CancelledError:  # newer defaults: this result is stale
            job.add_done_callback(_discard_result)
            raise
        except ValidationFailed as exc:
            self.post_message(self.Validated(exc.report))
        except Exception as exc:  # a bad file must never take the app down
            self.post_message(self.Validated(None, f"Could not read the file: {describe(exc)}"))
        else:
            if not self.is_attached:  # closed while it ran
                prepared.discard()
                return
            self._discard()
            self.prepared = prepared
            reuse = summarise(prepared.report, prepared.reuse, Reuse(self.reuse))
            self.post_message(self.Validated(prepared.report, cache=cache, reuse=reuse))

    @work(exclusive=True, group="submit", exit_on_error=False)
    async def send(self, label: str | None) -> None:
        app = self.app

        def progress(phase: str, done: int, total: int) -> None:
            self.post_message(self.Progress(phase, done, total))  # thread-safe: the spooling runs on a thread

        try:
            session = session_of(app)
            prepared = self.prepared
            assert isinstance(self.defaults, RequestDefaults)
            if not _sendable(prepared):  # sent before (and refused), or checked offline: read the file again
                prepared, _ = await asyncio.to_thread(self._prepare, self.defaults, self._setup())
            notes: list[str] = []
            if (unfinished := await unfinished_plan(session, prepared)) is not None:
                prepared.discard()  # the cache answers more (or less) than when its group was planned: follow it
                prepared, _ = await asyncio.to_thread(self._prepare, self.defaults, self._setup(unfinished.group.id))
                notes.append(FOLLOWING_NOTE.format(unfinished.group.id))
            self.prepared = None  # the submission owns the spools from here on
            if prepared.split:  # an app worker sends it: it may wait for the queue long after this dialog closes
                self.post_message(self.GroupHandedOver(prepared.digest))
                start_group_send(app, prepared, label=label, policy=self.policy)
                return
            outcome = await submit_unsplit(session, prepared, label=label, on_progress=progress)
            outcome.notes[:0] = notes
            if outcome.batch is not None and outcome.batch.local:
                outcome.notes.append(f"Every request was answered before: nothing was sent ({outcome.batch.id})")
        except ValidationFailed as exc:  # the file changed since the preview
            self.post_message(self.Validated(exc.report))
            self.post_message(self.Finished(None, "The file changed since it was checked; see the problems above."))
        except OutcomeUnknown as exc:
            self.post_message(self.Finished(None, str(exc), retry=False))
        except BatchtuiError as exc:
            self.post_message(self.Finished(None, str(exc)))
        except Exception as exc:
            self.post_message(self.Finished(None, describe(exc)))
        else:
            self.post_message(self.Finished(outcome))

    # -- handlers --------------------------------------------------------------------------------------------

    @on(Validated)
    def show_report(self, message: Validated) -> None:
        self.report = message.report
        summary = self.query_one("#create-summary", Static)
        report = message.report
        if report is None:
            summary.update(as_content(message.problem or "Could not read the file."))
            self._block(message.problem or "the file could not be read")
            return
        summary.update(summary_content(report))
        self._show_cache(message.cache)
        self._show_reuse(message.reuse)
        parts = self.query_one("#create-parts", VerticalScroll)
        parts.display = len(report.parts) > 1
        if parts.display:
            parts.border_title = f"A group of {len(report.parts)} batches"
            self.query_one("#create-part-list", Static).update(parts_content(report.parts, self.limits))
        submit_label = f"Submit as {len(report.parts)} batches [^s]" if len(report.parts) > 1 else "Submit [^s]"
        self.query_one("#create-submit", Button).label = Content(submit_label)
        problems = self.query_one("#create-problems", VerticalScroll)
        problems.display = bool(report.error_count or report.warnings)
        problems.border_title = problems_title(report)
        self.query_one("#create-problem-list", Static).update(problems_content(report))
        if not report.ok:
            noun = "problem" if report.error_count == 1 else "problems"
            self._block(f"fix the {fmt.count(report.error_count)} {noun} first")
        elif self.app.api is None:  # type: ignore[attr-defined]
            self._block("offline: no API to submit to")
        elif report.request_count == 0:
            self._block("the file holds no requests")
        else:
            self._block(None)

    def _show_cache(self, cache: AutoCacheSummary | None) -> None:
        row = self.query_one("#create-cache-row")
        row.display = cache is not None and cache.estimate.requests_marked > 0  # only when something is shared
        self.query_one("#create-cache", Static).update(cache_content(cache))
        box = self.query_one("#create-auto-cache", Checkbox)
        with box.prevent(Checkbox.Changed):  # what was prepared, not a toggle: no new check
            box.value = cache is not None and cache.applied

    def _show_reuse(self, reuse: ReuseSummary | None) -> None:
        row = self.query_one("#create-reuse-row")
        row.display = reuse is not None and reuse.reused > 0  # only when earlier batches answered some
        self.query_one("#create-reuse-text", Static).update(reuse_content(reuse))
        box = self.query_one("#create-reuse", Checkbox)
        if reuse is not None:
            box.label = reuse_label(reuse)
        with box.prevent(Checkbox.Changed):  # what was prepared, not a toggle: no new check
            box.value = reuse is not None and reuse.applied

    @on(Checkbox.Changed, "#create-reuse")
    def reuse_changed(self, message: Checkbox.Changed) -> None:
        """Check the file again, leaving the answered requests out or sending them too; nothing is sent meanwhile."""
        self.reuse = message.value
        self._discard()
        self._block("checking the file…")
        self.validate()

    @on(Checkbox.Changed, "#create-auto-cache")
    def auto_cache_changed(self, message: Checkbox.Changed) -> None:
        """Check the file again, marked or as it is; nothing is sent meanwhile."""
        self.auto_cache = message.value
        self._discard()
        self._block("checking the file…")
        self.validate()

    def _block(self, reason: str | None) -> None:
        self.blocked = reason
        self.query_one("#create-submit", Button).disabled = reason is not None or self.submitting
        blocked = self.query_one("#create-blocked", Static)
        blocked.update(Content.styled(f"Submit is disabled: {reason}", "yellow") if reason else Content(""))
        self.refresh_bindings()

    @on(Input.Changed, "#create-model, #create-max-tokens, #create-temperature, #create-system")
    def defaults_changed(self) -> None:
        """Check the file again with the new defaults once typing pauses; nothing is sent meanwhile."""
        model, max_tokens, temperature, system = (self.query_one(f"#{name}", Input).value for name in DEFAULT_INPUTS)
        self.defaults = defaults_from_fields(model, max_tokens, temperature, system)
        self._discard()
        self._block("checking the file…")
        if self._revalidate is not None:
            self._revalidate.stop()
        self._revalidate = self.set_timer(REVALIDATE_DELAY, self.validate)

    @on(Progress)
    def show_progress(self, message: Progress) -> None:
        bar = self.query_one("#create-progress", ProgressBar)
        bar.update(total=max(message.total, 1), progress=message.done)
        if message.phase == "upload":
            text = f"Uploading {fmt.naturalsize(message.done)} of {fmt.naturalsize(message.total)}"
        elif message.phase == "retry":  # a 429/529: nothing was created, the same body goes again
            text = f"The API is busy; nothing was created. Trying again (attempt {message.done + 1} of {message.total})"
        elif message.total:
            text = f"Preparing {fmt.count(message.done)} of {fmt.count(message.total)} requests"
        else:
            text = f"Checking the file: {fmt.count(message.done)} requests so far"
        self.query_one("#create-progress-text", Static).update(Content(text))

    # -- a group being sent (by the app's worker; these come to every screen) ---------------------------------------

    @on(GroupHandedOver)
    def group_handed_over(self, message: GroupHandedOver) -> None:
        self.sending_group = message.digest
        self.query_one("#create-progress-text", Static).update(Content("Sending the first part…"))
        self.refresh_bindings()  # escape now closes the dialog: the sending goes on without it

    @on(GroupSendNote)
    def group_note(self, message: GroupSendNote) -> None:
        if message.digest != self.sending_group:
            return
        text = message.text
        if text.startswith("part "):
            self._part = text.split(":")[0].split(" waits")[0]
        line = as_content(text[:1].upper() + text[1:])
        if "waits for the queue" in text:  # calm: nothing is wrong, and nothing needs doing
            line += Content.styled(
                "\nThe workspace's processing queue is full. This part goes as soon as running batches end "
                "(nothing is created meanwhile). Escape closes this dialog; the group goes on being sent.",
                "dim",
            )
        self.query_one("#create-progress-text", Static).update(line)

    @on(GroupSendProgress)
    def group_progress(self, message: GroupSendProgress) -> None:
        if message.digest != self.sending_group:
            return
        self.query_one("#create-progress", ProgressBar).update(total=max(message.total, 1), progress=message.done)
        if message.phase == "upload":
            what = f"uploading {fmt.naturalsize(message.done)} of {fmt.naturalsize(message.total)}"
            self.query_one("#create-progress-text", Static).update(Content(f"{self._part or 'Part'}: {what}"))

    @on(GroupSendDone)
    def group_done(self, message: GroupSendDone) -> None:
        """The main screen says how it went (a toast); here the dialog closes on the group, or says why nothing
        was sent."""
        if message.digest != self.sending_group:
            return
        self.sending_group = None
        self.submitting = False
        outcome = message.outcome
        if outcome is not None and outcome.group is not None:
            self.dismiss(outcome.group.id)
            return
        self._show_progress(False)
        self.query_one("#create-progress-text", Static).update(Content(""))
        problem = message.problem or "The group was not sent."
        self._block(None)
        said = content_assemble(("Not submitted: ", "bold $warning"), problem)
        self.query_one("#create-blocked", Static).update(said)

    @on(Finished)
    def finished(self, message: Finished) -> None:
        self.submitting = False
        if message.outcome is not None and message.outcome.batch is not None:
            for note in message.outcome.notes:
                self.notify(note, markup=False, timeout=10)
            self.dismiss(message.outcome.batch.id)
            return
        self._show_progress(False)
        problem = message.problem or "The batch was not created."
        self.notify(problem, title="Not submitted", severity="error", markup=False, timeout=15)
        self._block(self.blocked if message.retry else "the outcome is unknown; do not resubmit yet")

    @on(Button.Pressed, "#create-submit")
    @on(Input.Submitted, "#create-label")
    def action_submit(self) -> None:
        if self.blocked is not None or self.submitting:
            return
        self.submitting = True
        self._block(None)
        label = self.query_one("#create-label", Input).value.strip() or None
        self.query_one("#create-progress-text", Static).update(Content("Submitting…"))
        self._show_progress(True)
        self.send(label)

    def _show_progress(self, shown: bool) -> None:
        self.query_one("#create-progress-text").display = shown
        self.query_one("#create-progress").display = shown

    @on(Button.Pressed, "#create-back")
    def action_close(self) -> None:
        # While a create is in flight, leaving would cancel it half-way: its outcome would be unknown. A group is
        # sent by the app, not this dialog: leaving changes nothing for it.
        if not self.submitting or self.sending_group is not None:
            self.dismiss(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "submit":
            return None if self.blocked or self.submitting else True
        if action == "close":
            return None if self.submitting and self.sending_group is None else True
        return True


def summary_content(report: ValidationReport) -> Content:
    low, high = report.estimated_cost_usd
    models = " · ".join(f"{m} ×{fmt.count(n)}" for m, n in report.models.most_common()) or fmt.MISSING
    cost = f"{fmt.money(low)} – {fmt.money(high)}" if high else fmt.MISSING
    parts: list[str | tuple[str, str]] = [
        (fmt.count(report.request_count), "bold"),
        " requests · ",
        (fmt.naturalsize(report.total_bytes), "bold"),
        " file · ",
        (fmt.naturalsize(report.body_bytes), "bold"),
        f" to send · format {report.format}",
        f" · {fmt.count(report.generated_ids)} custom_ids generated\n" if report.generated_ids else "\n",
        ("Models    ", "dim"),
        models,
        "\n",
        ("Estimated ", "dim"),
        (cost, "bold"),
        " at batch rates (50% of standard)",
    ]
    if report.unpriced_requests:
        n = report.unpriced_requests
        parts.append((f"; {fmt.count(n)} request{' has' if n == 1 else 's have'} no known price", "yellow"))
    return content_assemble(*parts)


def problems_content(report: ValidationReport) -> Content:
    """Errors then warnings, one per line, with their line numbers. Messages quote the file's own text: sanitized
    and never parsed as markup."""
    lines: list[Content] = []
    for mark, style, problems, omitted, noun in (
        ("✗", "bold red", report.errors, report.errors_omitted, "errors"),
        ("!", "bold yellow", report.warnings, report.warnings_omitted, "warnings"),
    ):
        for e in problems:
            where, what = problem_line(e)
            lines.append(content_assemble((f"{mark} {where:<9} ", style), what))
        if omitted:
            lines.append(Content.styled(f"  … and {fmt.count(omitted)} more {noun}", style))
    return Content("\n").join(lines)


def problems_title(report: ValidationReport) -> str:
    parts = []
    if report.error_count:
        parts.append(f"{fmt.count(report.error_count)} error{'s' if report.error_count != 1 else ''}")
    warnings = len(report.warnings) + report.warnings_omitted
    if warnings:
        parts.append(f"{fmt.count(warnings)} warning{'s' if warnings != 1 else ''}")
    return " · ".join(parts)
