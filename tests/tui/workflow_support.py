"""Helpers for the dashboard's Temporal tests: a batch carried by a workflow, as a worker on this machine leaves it
in the cache (the submission row with its workflow id and phase), and the detail pane's workflow lines."""

from __future__ import annotations

from textual.widgets import Static

from batchtui.core.store import Store
from batchtui.tui.app import BatchTuiApp

SUBMISSION = "7f3a9c2d4e61b8a7f0c3d2e1a9460b5e"


async def carry(store: Store, batch_id: str, phase: str, submission_id: str = SUBMISSION, **kw) -> str:
    """Record `batch_id` as created by a workflow's submission (before or after the batch reaches the cache)."""
    workflow_id = kw.pop("workflow_id", f"batchtui-sub-{submission_id}")
    await store.record_submission(source_file=None, label=None, request_count=3, body_bytes=100,
                                  params_digest=submission_id, submission_id=submission_id,
                                  workflow_id=workflow_id)  # fmt: skip
    await store.mark_submission_sending(submission_id)
    await store.mark_submission_created(submission_id, batch_id)
    await store.set_workflow_phase(submission_id, phase)
    return workflow_id


def workflow_lines(app: BatchTuiApp) -> Static:
    return app.main_screen.query_one("#detail-workflow", Static)


def links_in(widget: Static) -> set[str]:
    """The terminal hyperlinks a widget paints (OSC 8 targets)."""
    lines = widget.render_lines(widget.region.reset_offset)
    return {seg.style.link for line in lines for seg in line if seg.style is not None and seg.style.link}
