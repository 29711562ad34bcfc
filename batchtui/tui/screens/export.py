"""Export results to a file: pick a path and a format (one dialog: the format follows the extension typed, or is
chosen beside it), then stream to disk.

`start_export` runs the whole flow in an app worker (dialogs are awaited with `push_screen_wait`, which only works
inside a worker). Rows stream from the store in chunks straight into the file, written atomically: memory stays
bounded and a canceled or failed export leaves no partial file. Ended batches whose results are not downloaded
yet are downloaded first when online. Paths and messages are shown literally (`Content`, `markup=False`).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import ProgressBar, Static
from textual.worker import Worker, get_current_worker

from batchtui.core import fmt
from batchtui.core.events import ResultsProgress
from batchtui.core.export import EXPORT_FORMATS, export_format_for
from batchtui.core.models import ResultFilter
from batchtui.core.sanitize import clean
from batchtui.service.export import Selection, count_selected, download_missing, export, missing_results
from batchtui.tui.backdrop import Dialog
from batchtui.tui.file_dialogs import SaveFile
from batchtui.tui.host import session_of
from batchtui.tui.messages import SyncEventMessage
from batchtui.tui.safe import as_content, content_assemble

if TYPE_CHECKING:
    pass

# name -> (what the format choice says, its extensions: the first is the one a file gets)
FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    name: (spec.description.split()[0], spec.extensions) for name, spec in EXPORT_FORMATS.items()
}
PROGRESS_INTERVAL = 0.1  # seconds between progress repaints
last_directory: Path | None = None  # where the previous export went, this session


def format_for(path: Path | str) -> str:
    """The format a file name asks for (JSONL when its extension says nothing)."""
    return export_format_for(path)


def default_file_name(batch_ids: list[str], marked: bool, name: str | None = None, *, merged: bool = False) -> str:
    """After `name` (a group's) when given, else the one batch's id, else how many batches; `-merged` for a retry
    chain's final results."""
    if name:
        stem = re.sub(r"[^A-Za-z0-9_-]", "_", name)
    else:
        stem = re.sub(r"[^A-Za-z0-9_-]", "_", batch_ids[0]) if len(batch_ids) == 1 else f"{len(batch_ids)}-batches"
    return f"{stem}-{'marked' if marked else 'merged' if merged else 'results'}.jsonl"


# -- dialogs -----------------------------------------------------------------------------------------------------


class ExportProgress(Dialog[None]):
    """Progress of one export; `esc` cancels it (nothing is written), `b` lets it finish in the background."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel export"),
        Binding("b", "background", "Continue in background"),
    ]

    DEFAULT_CSS = """
    ExportProgress { align: center middle; }
    ExportProgress > Vertical {
        width: 70; height: auto; padding: 1 2; border: thick $primary; background: $surface;
        & > ProgressBar { margin: 1 0; }
        & > #export-hint { color: $text-muted; }
    }
    """

    class Update(Message):
        def __init__(self, done: int, total: int | None, phase: str) -> None:
            super().__init__()
            self.done = done
            self.total = total
            self.phase = phase

    class Finished(Message):
        pass

    def __init__(self, path: Path, worker: Worker[Any], download_ids: Iterable[str] = ()) -> None:
        super().__init__()
        self.path = path
        self.worker = worker
        self.download_ids = set(download_ids)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(content_assemble(("Exporting to\n", "bold"), str(self.path)), id="export-path")
            yield ProgressBar(id="export-bar", show_eta=False)
            yield Static(id="export-status")
            yield Static("esc cancel · b continue in the background", id="export-hint")

    @on(Update)
    def _update(self, message: Update) -> None:
        self.query_one(ProgressBar).update(total=message.total, progress=message.done)
        total = f" of {fmt.count(message.total)}" if message.total is not None else ""
        self.query_one("#export-status", Static).update(as_content(f"{message.phase} {fmt.count(message.done)}{total}"))

    def on_sync_event_message(self, message: SyncEventMessage) -> None:
        event = message.event
        if isinstance(event, ResultsProgress) and event.batch_id in self.download_ids:
            self.post_message(self.Update(event.rows, event.total or None, "Downloading results…"))

    @on(Finished)
    def _finished(self) -> None:
        if self.is_current:
            self.dismiss()

    def action_cancel(self) -> None:
        self.worker.cancel()
        self.dismiss()

    def action_background(self) -> None:
        self.notify("The export continues in the background.", markup=False)
        self.dismiss()


# -- the flow ----------------------------------------------------------------------------------------------------


def start_export(
    app: App[Any],
    batch_ids: list[str],
    flt: ResultFilter,
    custom_ids: set[str] | None = None,
    *,
    name: str | None = None,
    merged: bool = False,
) -> Worker[None]:
    """Export the results of `batch_ids`: the marked `custom_ids` if any, else every result matching `flt`. `name`
    (a group's) names the default file. `merged`: each batch's final results across its retry chain."""
    selection = Selection(tuple(batch_ids), flt, frozenset(custom_ids) if custom_ids else None, merged=merged)
    return app.run_worker(
        _export_flow(app, selection, name),
        name="export",
        group="export",
        exit_on_error=False,
    )


async def _export_flow(app: App[Any], selection: Selection, name: str | None = None) -> None:
    global last_directory
    session = session_of(app)
    missing = await missing_results(session, selection)
    stored = await count_selected(session.store, selection)
    if stored == 0 and not (missing and session.online):
        reason = " (results not downloaded yet: offline)" if missing else ""
        app.notify(f"Nothing to export{reason}.", severity="warning", markup=False)
        return
    if missing and not session.online:
        app.notify(
            f"{len(missing)} {'batch has' if len(missing) == 1 else 'batches have'} no downloaded results (offline):"
            " exporting what is stored.",
            severity="warning",
            markup=False,
        )

    marked = selection.custom_ids is not None
    default = default_file_name(list(selection.batch_ids), marked, name, merged=selection.merged)
    location = last_directory if last_directory is not None and last_directory.is_dir() else Path.cwd()
    title = f"Export {fmt.count(stored)} results" if not missing else "Export results"
    dialog = SaveFile(location, title, default_file=default, formats=FORMATS, format_for=format_for)
    path = await app.push_screen_wait(dialog)
    if path is None:
        return
    fmt_name = dialog.chosen_format
    if not path.suffix:
        path = path.with_suffix("." + fmt_name)
    last_directory = path.parent

    worker = get_current_worker()
    downloads = missing if session.online else []
    progress = ExportProgress(path, worker, downloads)
    await app.push_screen(progress)
    shown = clean(str(path))
    try:
        if downloads:
            # A failed download is reported, and the export goes on with what is stored.
            for batch_id, why in (await download_missing(session, downloads)).items():
                app.notify(f"Could not download {clean(batch_id)}: {clean(why)}", severity="warning", markup=False)
            stored = await count_selected(session.store, selection)
        report = _Reporter(progress, stored)
        outcome = await export(session, selection, fmt_name, path, download=False, on_progress=report)
    except asyncio.CancelledError:
        app.notify(f"Export canceled: {shown} was not written.", severity="warning", markup=False)
        raise
    except Exception as exc:
        progress.post_message(ExportProgress.Finished())
        app.notify(f"Export failed: {clean(str(exc))}", title="Export", severity="error", markup=False, timeout=15)
        return
    progress.post_message(ExportProgress.Finished())
    app.notify(f"Exported {fmt.count(outcome.rows)} results to {shown}", title="Export", markup=False, timeout=10)


class _Reporter:
    """`on_progress` for export_results: posts at most every PROGRESS_INTERVAL to the progress dialog."""

    def __init__(self, target: ExportProgress, total: int) -> None:
        self.target = target
        self.total = total
        self._last = 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self._last >= PROGRESS_INTERVAL or done >= self.total:
            self._last = now
            self.target.post_message(ExportProgress.Update(done, self.total or None, "Exported"))
