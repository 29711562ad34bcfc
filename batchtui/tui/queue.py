"""The request queue in the dashboard: its `[queue]` config read so that a mistake never stops the dashboard, the
status bar's few words about it, and the toast when it flushes."""

from __future__ import annotations

from datetime import datetime

from batchtui.core import fmt
from batchtui.core.errors import UsageError
from batchtui.core.events import QueueFlushed
from batchtui.core.queue import QueueSettings, QueueStatus, config_settings


def load_queue_config() -> tuple[QueueSettings | None, list[str]]:
    """(the config's triggers, or None for the defaults; problems to tell the user). Never raises."""
    try:
        return config_settings(), []
    except UsageError as exc:
        return None, [f"{exc}; the request queue uses its default triggers until it is fixed"]


def status_words(status: QueueStatus | None, now: datetime) -> str | None:
    """`queue 1,234 · oldest 3m 05s · flush in 11m 55s`; None when nothing is queued or on its way."""
    if status is None or not (status.queued or status.taken):
        return None
    if not status.queued:
        return f"queue: {fmt.count(status.taken)} being sent"
    parts = [f"queue {fmt.count(status.queued)}"]
    if status.oldest_added_at is not None:
        parts.append(f"oldest {fmt.duration((now - status.oldest_added_at).total_seconds())}")
    upcoming = status.next_flush(now)
    if upcoming is not None:
        seconds = (upcoming[0] - now).total_seconds()
        parts.append("flush now" if seconds < 1 else f"flush in {fmt.duration(seconds)}")
    return " · ".join(parts)


def flushed_toast(event: QueueFlushed) -> tuple[str, str, str]:
    """(title, text, severity) of the toast for a flush."""
    what = f"flush #{event.flush_id} ({event.reason}): {fmt.plural(event.request_count, 'request')}"
    if event.batch_id:
        return "Queue flushed", f"{what} sent as {event.batch_id}", "information"
    return "Queue flush not sent", f"{what}: {event.error or 'not sent'}", "warning"
