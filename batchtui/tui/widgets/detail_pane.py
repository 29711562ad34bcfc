"""Everything known about the selected batch: the API's fields, humanized times, the local results download,
where the batch came from (its file, submission and the batch it retried), the batches retried from it, and the
Temporal workflow carrying it (if one does)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.style import Style
from textual.widgets import Static

from batchtui.core import fmt
from batchtui.core.cost import saved_usd
from batchtui.core.models import COUNT_KEYS, BatchRecord, WorkflowLink
from batchtui.core.spend import UNKNOWN, batch_cost_status, money
from batchtui.tui.safe import content_assemble
from batchtui.tui.widgets.batch_table import PHASE_STYLE, STATUS_STYLE, elapsed_of, phase_word
from batchtui.tui.workflows import linkable

MAX_RETRIES_SHOWN = 2  # the pane is at most 14 lines high

Field = tuple[str, str, str]  # (name, value, style); the value may be untrusted: it is sanitized when assembled


@dataclass(frozen=True)
class Breakdown:
    """Stored results of a batch by type, and its errors by inner error type (from the store)."""

    result_types: dict[str, int] = field(default_factory=dict)
    error_types: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Lineage:
    """Where a batch sits in a retry chain: the batch it retried (if cached) and the batches retried from it."""

    parent: BatchRecord | None = None
    retries: list[BatchRecord] = field(default_factory=list)  # oldest first
    group: str | None = None  # "NAME · part k of N" when the batch is a part of a group


def lineage_fields(b: BatchRecord, lineage: Lineage) -> list[Field]:
    group: list[Field] = [("group", lineage.group, "")] if lineage.group else []
    return group + retry_fields(b, lineage)


def retry_fields(b: BatchRecord, lineage: Lineage) -> list[Field]:
    parent = lineage.parent
    if parent is not None:
        fields: list[Field] = [("parent batch", f"{parent.display_name} · {parent.status_label}", "")]
    else:
        fields = [("parent batch", b.parent_batch_id or fmt.MISSING, "")]
    shown = lineage.retries[-MAX_RETRIES_SHOWN:]  # the latest ones: where the chain stands now
    for i, child in enumerate(shown):
        name = "retries" if i == 0 else ""
        status = child.status_label.replace("_", " ")
        fields.append((name, f"{child.display_name} · {status} · {fmt.count(child.request_counts.total)} req.", ""))
    if hidden := len(lineage.retries) - len(shown):
        fields.append(("", f"and {hidden} earlier", "dim"))
    return fields


def fields_content(fields: list[Field], width: int) -> Content:
    parts: list[str | tuple[str, str]] = []
    for i, (name, value, style) in enumerate(fields):
        if i:
            parts.append("\n")
        if name:  # a nameless field is a note spanning the line
            parts.append((name.ljust(width), "dim"))
        parts.append((value, style) if style else value)
    return content_assemble(*parts)


def _stamp(dt: datetime | None, now: datetime) -> str:
    if dt is None:
        return fmt.MISSING
    return f"{fmt.ago(dt, now)} ({dt:%Y-%m-%d %H:%M} UTC)"


def batch_fields(b: BatchRecord, now: datetime) -> list[Field]:
    status = b.status_label
    ran = "ran" if b.ended_at else "running"
    fields: list[Field] = [
        ("label", b.label or fmt.MISSING, "bold"),
        ("id", b.id, ""),
        ("status", status.replace("_", " "), STATUS_STYLE.get(status, "")),
        ("created", _stamp(b.created_at, now), ""),
    ]
    if b.ended_at:
        fields.append(("ended", _stamp(b.ended_at, now), ""))
    else:
        fields.append(("expires", f"{fmt.until(b.expires_at, now)}", "yellow"))
    fields.append((ran, fmt.duration(elapsed_of(b, now)), ""))
    if b.cancel_initiated_at:
        fields.append(("cancel asked", _stamp(b.cancel_initiated_at, now), ""))
    if b.archived_at:
        fields.append(("archived", _stamp(b.archived_at, now), "dim"))
    return fields


def count_fields(b: BatchRecord) -> list[Field]:
    c = b.request_counts
    total = c.total
    styles = {"processing": "dodger_blue1", "succeeded": "green", "errored": "red", "canceled": "yellow"}
    fields: list[Field] = [("total", fmt.count(total), "bold")]
    for key in COUNT_KEYS:
        n = getattr(c, key)
        share = f"  {n / total:.1%}" if total and n else ""
        fields.append((key, fmt.count(n) + share, styles.get(key, "magenta") if n else "dim"))
    cost = batch_cost_status(b)
    fields.append(("cost", money(b.cost_usd, cost), "yellow" if cost == UNKNOWN else ""))
    if cost == "known":
        fields.append(("saved", fmt.money(saved_usd(b.cost_usd)), "green"))  # against the standard API
    if b.cache_saved_usd:  # what prompt caching saved (only where it was used): from the usage, may be negative
        saved = b.cache_saved_usd
        text = f"saved {fmt.money(saved)}" if saved > 0 else f"cost {fmt.money(-saved)} more"
        fields.append(("caching", text, "green" if saved > 0 else "yellow"))
    if b.reused_rows:  # answers taken from earlier batches (`submit --reuse`): among its results, not paid again
        unknown = f" + unknown for {fmt.count(b.reuse_unpriced)}" if b.reuse_unpriced else ""
        text = f"{fmt.count(b.reused_rows)} answers, saved {fmt.money(b.reuse_saved_usd)}{unknown}"
        fields.append(("reused", text + (" · nothing was sent" if b.local else ""), "green"))
    if b.processing_status != "ended":
        # Honest about what the API gives: no per-request progress until the whole batch ends.
        fields.append(("", "counts move only when the batch ends", "dim italic"))
    return fields


def results_state_text(b: BatchRecord, progress: tuple[int, int] | None) -> tuple[str, str]:
    state = b.results_state
    if progress is not None and state != "complete":  # live, from the sync engine, ahead of the stored state
        done, total = progress
        share = f" ({done / total:.0%})" if total else ""
        return f"downloading {fmt.count(done)} / {fmt.count(total)}{share}", "dodger_blue1"
    if state == "complete":
        return f"complete · {fmt.count(b.results_rows)} rows stored", "green"
    if state == "failed":
        return f"failed: {b.results_error or 'unknown error'}", "red"
    if state == "unavailable":
        return f"no longer available from the API · {fmt.count(b.results_rows)} rows stored", "yellow"
    if state == "pending":
        return "waiting to download", ""
    if state == "downloading":
        return f"downloading · {fmt.count(b.results_rows)} rows stored", "dodger_blue1"
    return "not yet (the batch has not ended)", "dim"


def _breakdown(counts: dict[str, int]) -> str:
    shown = [f"{fmt.count(n)} {name}" for name, n in counts.items() if n]
    return " · ".join(shown) if shown else fmt.MISSING


def local_fields(
    b: BatchRecord,
    breakdown: Breakdown | None,
    progress: tuple[int, int] | None,
    now: datetime,
    lineage: Lineage | None = None,
) -> list[Field]:
    value, style = results_state_text(b, progress)
    fields: list[Field] = [("results", value, style)]
    if breakdown is not None and any(breakdown.result_types.values()):
        fields.append(("result types", _breakdown(breakdown.result_types), ""))
    if breakdown is not None and breakdown.error_types:
        fields.append(("error types", _breakdown(breakdown.error_types), "red"))
    fields += [
        ("source file", b.source_file or fmt.MISSING, ""),
        ("submission", b.submission_id or fmt.MISSING, ""),
        *lineage_fields(b, lineage or Lineage()),
        ("last synced", fmt.ago(b.last_synced_at, now), ""),
        ("request-id", b.last_request_id or fmt.MISSING, ""),
    ]
    return fields


def workflow_content(link: WorkflowLink, url: str) -> Content:
    """Two lines under the columns, full width so the web UI address fits on one line (cut with an ellipsis in a
    narrow terminal). The address is a terminal hyperlink only when it is plain URL text (see
    tui/workflows.linkable); it is shown literally either way."""
    phase = phase_word(link)
    source = "from Temporal" if link.source == "temporal" else "from this machine's cache"
    url_style: Style | str = Style(underline=True, link=url) if linkable(url) else ""
    return content_assemble(
        ("workflow".ljust(13), "dim"),
        link.workflow_id,
        ("  ·  ", "dim"),
        (phase, PHASE_STYLE.get(phase, "bold")),
        (f"  ({source})", "dim"),
        "\n",
        ("Temporal UI".ljust(13), "dim"),
        (url, url_style),
    )


class DetailPane(Vertical):
    """Three columns (the batch, its request counts, the local copy: results, lineage, sync), and under them the
    workflow that carries the batch, if one does."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="detail-columns"):
            yield Static(id="detail-batch", classes="detail-column")
            yield Static(id="detail-counts", classes="detail-column")
            yield Static(id="detail-local", classes="detail-column")
        yield Static(id="detail-workflow")

    def on_mount(self) -> None:
        self.border_title = "Batch"
        self.clear()

    def clear(self) -> None:
        self.border_title = "Batch"
        first, counts, local = self.query(".detail-column").results(Static)
        first.update(Content.styled("No batch selected.", "dim"))
        counts.update(Content(""))
        local.update(Content(""))
        self.query_one("#detail-workflow", Static).display = False

    def show(
        self,
        batch: BatchRecord,
        breakdown: Breakdown | None,
        progress: tuple[int, int] | None,
        now: datetime,
        workflow: tuple[WorkflowLink, str] | None = None,
        lineage: Lineage | None = None,
    ) -> None:
        """`workflow`: the workflow carrying the batch and its web UI address; `lineage`: its retry chain."""
        self.border_title = "Batch"
        first, counts, local = self.query(".detail-column").results(Static)
        first.update(fields_content(batch_fields(batch, now), 13))
        counts.update(fields_content(count_fields(batch), 11))
        local.update(fields_content(local_fields(batch, breakdown, progress, now, lineage), 13))
        line = self.query_one("#detail-workflow", Static)
        line.display = workflow is not None
        if workflow is not None:
            line.update(workflow_content(*workflow))

    def show_columns(self, title: str, columns: tuple[Content, Content, Content]) -> None:
        """Three columns made elsewhere (a group's: widgets/group_detail.py), under `title`."""
        self.border_title = title
        for column, content in zip(self.query(".detail-column").results(Static), columns, strict=True):
            column.update(content)
        self.query_one("#detail-workflow", Static).display = False
