"""What the sync engine reports. Plain data with no SDK import, so the dashboard can paint before the SDK loads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class BatchesUpdated:
    changed_ids: tuple[str, ...]
    full: bool


@dataclass(frozen=True)
class BatchEnded:
    batch_id: str


@dataclass(frozen=True)
class ResultsProgress:
    batch_id: str
    rows: int
    total: int


@dataclass(frozen=True)
class ResultsComplete:
    batch_id: str
    rows: int


@dataclass(frozen=True)
class ResultsFailed:
    batch_id: str
    message: str


@dataclass(frozen=True)
class SyncFailed:
    message: str
    transient: bool
    retry_in: float | None


@dataclass(frozen=True)
class SyncOk:
    at: datetime


@dataclass(frozen=True)
class SubmissionResolved:
    """Reconciliation moved a submission whose create outcome was unknown: created, probable or failed."""

    submission_id: str
    state: str
    batch_id: str | None
    message: str


@dataclass(frozen=True)
class HookDelivered:
    """A completion hook (webhook or command) ran for an ended batch."""

    batch_id: str
    target: str  # 'webhook <url>' or 'command <cmd>'


@dataclass(frozen=True)
class HookFailed:
    """A completion hook failed; `retry_in` None: it gave up after its last attempt."""

    batch_id: str
    target: str
    message: str
    retry_in: float | None


@dataclass(frozen=True)
class QueueFlushed:
    """The request queue sent a batch (`batch_id`), or tried and could not (`error`: its requests wait queued, or
    taken until reconcile decides)."""

    flush_id: int
    reason: str  # size | age | manual
    request_count: int
    batch_id: str | None
    error: str | None = None


SyncEvent = (
    BatchesUpdated
    | BatchEnded
    | ResultsProgress
    | ResultsComplete
    | ResultsFailed
    | SyncFailed
    | SyncOk
    | SubmissionResolved
    | HookDelivered
    | HookFailed
    | QueueFlushed
)
EventSink = Callable[[SyncEvent], None]
