"""Domain records shared by the store, sync engine, CLI, TUI and Temporal engine. No I/O here."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from batchtui.core.cost import saved_usd, standard_cost_usd
from batchtui.core.sanitize import clean

ProcessingStatus = Literal["in_progress", "canceling", "ended"]
ResultType = Literal["succeeded", "errored", "canceled", "expired"]
RESULT_TYPES: tuple[str, ...] = ("succeeded", "errored", "canceled", "expired")
COUNT_KEYS: tuple[str, ...] = ("processing", "succeeded", "errored", "canceled", "expired")

# Local download state of a batch's results (independent of the remote processing_status).
ResultsState = Literal["none", "pending", "downloading", "complete", "unavailable", "failed"]

# Submission log states: recorded before sending; `unknown` means a create was sent but its outcome was never
# heard (crash or lost response) and must be reconciled before anything is retried.
SubmissionState = Literal["recorded", "sending", "created", "failed", "unknown"]


def parse_time(value: str | datetime | None) -> datetime | None:
    """RFC 3339 text (as on the wire and in the store) to an aware UTC datetime."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(value)  # reads a trailing Z as UTC (Python 3.11+)
    return parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)


def format_time(value: datetime | None) -> str | None:
    """Aware datetime to the API's RFC 3339 form with microseconds and `Z`."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class RequestCounts:
    processing: int = 0
    succeeded: int = 0
    errored: int = 0
    canceled: int = 0
    expired: int = 0

    @property
    def total(self) -> int:
        # All five buckets: instructor#2529 summed three and undercounted.
        return self.processing + self.succeeded + self.errored + self.canceled + self.expired

    @classmethod
    def from_api(cls, data: dict[str, int] | Any) -> RequestCounts:
        if not isinstance(data, dict):
            data = data.model_dump() if hasattr(data, "model_dump") else dict(data)
        return cls(**{k: int(data.get(k) or 0) for k in COUNT_KEYS})

    def to_json(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class BatchRecord:
    """A batch as the store knows it: the API's fields plus local ones."""

    id: str
    processing_status: str
    request_counts: RequestCounts
    created_at: datetime
    expires_at: datetime | None = None
    ended_at: datetime | None = None
    cancel_initiated_at: datetime | None = None
    archived_at: datetime | None = None
    results_url: str | None = None
    # local fields
    label: str | None = None
    source_file: str | None = None
    submission_id: str | None = None
    parent_batch_id: str | None = None
    results_state: str = "none"
    results_rows: int = 0
    cost_usd: float | None = None
    last_synced_at: datetime | None = None
    last_request_id: str | None = None
    deleted_remotely: bool = False
    results_error: str | None = None  # why the last results download failed (results_state `failed`)
    group_id: str | None = None  # a part of this group (a file sent as several batches: core/groups.py)
    group_part: int | None = None  # its 1-based part number
    cache_saved_usd: float | None = None  # what prompt caching saved over its results (None: unknown or pending)
    local: bool = False  # made here, never on the API: every answer of its submission was reused (core/reuse.py)
    reused_rows: int = 0  # answers reused from earlier batches, shown among its results
    reuse_saved_usd: float = 0.0  # what those answers cost when they were made (the known part)
    reuse_unpriced: int = 0  # reused answers whose cost is not known

    @property
    def can_cancel(self) -> bool:
        return self.processing_status == "in_progress" and not self.deleted_remotely and not self.local

    @property
    def can_delete(self) -> bool:
        return self.processing_status == "ended" and not self.deleted_remotely and not self.local

    @property
    def display_name(self) -> str:
        return self.label or self.id

    @property
    def status_label(self) -> str:
        """The status a person reads: deleted and archived say more than `ended`."""
        if self.deleted_remotely:
            return "deleted"
        if self.archived_at is not None:
            return "archived"
        return self.processing_status

    @property
    def results_downloadable(self) -> bool:
        """Ended, still served by the API, and not fully in the cache yet."""
        return (
            self.processing_status == "ended"
            and self.results_state != "complete"
            and self.archived_at is None
            and not self.deleted_remotely
        )

    def to_json(self) -> dict[str, Any]:
        """The object printed by `--json`: the API's fields first, then the local ones."""
        return {
            "id": self.id,
            "type": "message_batch",
            "processing_status": self.processing_status,
            "request_counts": self.request_counts.to_json(),
            "created_at": format_time(self.created_at),
            "ended_at": format_time(self.ended_at),
            "expires_at": format_time(self.expires_at),
            "cancel_initiated_at": format_time(self.cancel_initiated_at),
            "archived_at": format_time(self.archived_at),
            "results_url": self.results_url,
            "label": self.label,
            "source_file": self.source_file,
            "submission_id": self.submission_id,
            "parent_batch_id": self.parent_batch_id,
            "results_state": self.results_state,
            "results_rows": self.results_rows,
            "total_requests": self.request_counts.total,
            "cost_usd": self.cost_usd,  # null: not known yet, or unknown (a billed result has no known price)
            "standard_cost_usd": standard_cost_usd(self.cost_usd),  # the same usage on the standard API
            "saved_usd": saved_usd(self.cost_usd),
            "last_synced_at": format_time(self.last_synced_at),
            "last_request_id": self.last_request_id,
            "deleted_remotely": self.deleted_remotely,
            "group_id": self.group_id,
            "group_part": self.group_part,
            "cache_saved_usd": self.cache_saved_usd,  # cached tokens as plain input minus their cache price
            "local": self.local,
            "reused_requests": self.reused_rows,
            "reuse_saved_usd": round(self.reuse_saved_usd, 10),  # the known part; see reuse_unpriced_requests
            "reuse_unpriced_requests": self.reuse_unpriced,
        }


@dataclass(frozen=True)
class ResultRow:
    """One request's outcome. `raw` is the API's own JSONL line, kept verbatim for export.

    Display fields (`text`, `error_message`) are already sanitized (control characters made visible) when they
    come out of the store; `raw` is not, and must never be rendered as is. `custom_id` is kept exact because it is
    the key (lookups, joins to the submitted requests, resubmits): render `display_custom_id` instead.
    """

    batch_id: str
    custom_id: str
    result_type: str
    raw: str
    text: str | None = None
    model: str | None = None
    stop_reason: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cost_usd: float | None = None
    cache_saved_usd: float | None = None  # what prompt caching saved (core/cost.cache_saving_usd); may be negative
    # A reused answer (`submit --reuse`): copied from this batch's result of that custom_id, not sent again; its
    # own cost is $0 and `reuse_saved_usd` is what the source cost (None: unknown).
    reused_from: str | None = None
    reused_custom_id: str | None = None
    reuse_saved_usd: float | None = None

    @property
    def reused(self) -> bool:
        return self.reused_from is not None

    @property
    def display_custom_id(self) -> str:
        # The API only accepts [a-zA-Z0-9_-]{1,64}, but a hostile or broken server could send anything.
        return clean(self.custom_id)


@dataclass(frozen=True)
class ResultFilter:
    """Which results of a batch to show or export. Empty filter: all of them."""

    types: frozenset[str] = field(default_factory=frozenset)  # subset of RESULT_TYPES; empty = any
    error_type: str | None = None  # inner error type, e.g. invalid_request_error
    custom_id: str | None = None  # substring of custom_id
    search: str | None = None  # full-text query over prompt and result text

    @property
    def is_empty(self) -> bool:
        return not (self.types or self.error_type or self.custom_id or self.search)


@dataclass(frozen=True)
class Submission:
    """A row of the submission log, written before any create is sent."""

    id: str
    state: str
    source_file: str | None
    label: str | None
    request_count: int
    body_bytes: int
    params_digest: str  # sha256 over the requests as sent: identifies the submission's content
    created_at: datetime
    sent_at: datetime | None = None
    batch_id: str | None = None
    error: str | None = None
    parent_batch_id: str | None = None
    candidate_batch_id: str | None = None  # probably its batch (unverified): see service/reconcile.py
    workflow_id: str | None = None  # carried by this Temporal workflow (batchtui/temporal)
    workflow_phase: str | None = None  # the phase its activities last reached
    group_id: str | None = None  # one part of this group (core/groups.py)
    group_part: int | None = None  # its 1-based part number
    lease_owner: str | None = None  # the process recording or sending it (core/store/leases.py)
    lease_until: datetime | None = None
    source_digest: str | None = None  # the file's requests as read, whatever was reused (service/reuse.py)

    @property
    def unresolved(self) -> bool:
        """Sent, or maybe sent, with no proven outcome yet."""
        return self.state in ("recorded", "sending", "unknown")

    @property
    def display_state(self) -> str:
        """`probable` for an unknown submission holding an unverified candidate batch."""
        return "probable" if self.state == "unknown" and self.candidate_batch_id else self.state

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.display_state,
            "source_file": self.source_file,
            "label": self.label,
            "request_count": self.request_count,
            "body_bytes": self.body_bytes,
            "params_digest": self.params_digest,
            "created_at": format_time(self.created_at),
            "sent_at": format_time(self.sent_at),
            "batch_id": self.batch_id,
            "candidate_batch_id": self.candidate_batch_id,
            "error": self.error,
            "parent_batch_id": self.parent_batch_id,
            "workflow_id": self.workflow_id,
            "workflow_phase": self.workflow_phase,
            "group_id": self.group_id,
            "group_part": self.group_part,
        }


# The phases (batchtui/temporal/models.PHASES) after which a workflow does nothing more.
WORKFLOW_FINAL_PHASES = frozenset({"done", "failed", "canceled"})


@dataclass(frozen=True)
class WorkflowLink:
    """A batch carried by a Temporal workflow, as the local cache or the server's visibility last saw it."""

    workflow_id: str
    phase: str | None  # None: not reported yet
    source: Literal["cache", "temporal"] = "cache"
    closed: str | None = None  # visibility: the execution is over (COMPLETED, TERMINATED, ...), whatever its phase

    @property
    def live(self) -> bool:
        """Still running: a cancel must go through its signal, not behind its back."""
        return self.closed is None and self.phase not in WORKFLOW_FINAL_PHASES


@dataclass(frozen=True)
class BatchChange:
    """What `Store.upsert_batches` reports for a batch that is new or whose status or counts changed."""

    batch_id: str
    old_status: str | None  # None: the batch was not in the store before
    new_status: str
    counts_changed: bool


def params_hash(params: dict[str, Any] | str) -> str:
    """sha256 hex of a request's params in canonical JSON (sorted keys, compact): equal for identical requests
    whatever their key order, so an earlier identical request's result can be found by it."""
    if isinstance(params, str):
        params = json.loads(params)
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()  # as inputs.params_hash
