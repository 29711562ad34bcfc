"""What crosses the queue workflow's history: chunk paths, counts, times and workflow ids, never a request. One
dataclass per signal, activity and state, so fields with defaults can be added later."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

RECENT_FLUSHES = 10
REMEMBERED_ADDS = 200  # add ids kept to drop a repeated signal (one add, sent twice)


@dataclass
class ChunkRef:
    """One file of a `queue add`: its validated requests spooled on shared storage."""

    path: str
    request_count: int
    body_bytes: int


@dataclass
class QueueAdd:
    """The `add` signal: every file of one `queue add` at once (all of them queued, or none)."""

    add_id: str
    chunks: list[ChunkRef]
    flush_size: int | None = None  # the triggers, when `queue add` was given them
    flush_age_seconds: float | None = None


@dataclass
class PendingChunk:
    chunk: ChunkRef
    add_id: str
    added_at: datetime


@dataclass
class FlushRef:
    """One flush: the submission workflows it started (one per batch)."""

    number: int
    reason: str  # size | age | manual
    request_count: int
    workflow_ids: list[str] = field(default_factory=list)
    at: datetime | None = None
    error: str | None = None  # the chunks could not be cut into batches: they wait queued


@dataclass
class QueueInput:
    """The workflow's whole state: what it starts with, and what it carries through continue-as-new."""

    task_queue: str
    flush_size: int = 10_000
    flush_age_seconds: float = 900.0
    epoch: str = ""  # random per workflow chain: submission ids (and so batches) of two chains never meet
    flushes: int = 0  # numbers the flushes across continue-as-new
    pending: list[PendingChunk] = field(default_factory=list)
    recent: list[FlushRef] = field(default_factory=list)  # newest first
    seen_adds: list[str] = field(default_factory=list)
    max_history: int = 2_000  # continue as new past this many events (or when the server suggests it)
    # Passed to each submission workflow it starts:
    output_dir: str | None = None
    webhook: str | None = None
    retries: int = 0
    heartbeat_seconds: float = 60.0
    safety_check_seconds: float = 6 * 3600.0
    max_requests: int = 100_000  # one batch's limits (tests make them small)
    max_body_bytes: int = 250_000_000


@dataclass
class BuildFlush:
    epoch: str
    number: int
    chunks: list[str]
    max_requests: int
    max_body_bytes: int


@dataclass
class FlushPart:
    submission_id: str
    spool: str
    request_count: int
    body_bytes: int
    digest: str


@dataclass
class BuiltFlush:
    parts: list[FlushPart] = field(default_factory=list)


@dataclass
class DropChunks:
    paths: list[str]


@dataclass
class QueueState:
    """What the `status` query answers."""

    workflow_id: str
    queued: int
    queued_bytes: int
    oldest_added_at: datetime | None
    flush_size: int
    flush_age_seconds: float
    next_flush_at: datetime | None
    next_flush_reason: str | None
    flushing: bool
    flushes: list[FlushRef] = field(default_factory=list)
