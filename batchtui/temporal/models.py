"""What crosses workflow history: small dataclasses of ids, statuses, counts and paths (never requests or
results). One dataclass per workflow, activity or signal, so fields with defaults can be added later."""

from __future__ import annotations

from dataclasses import dataclass, field

PHASES = (
    "checking",
    "creating",
    "tracking",
    "canceling",
    "downloading",
    "retrying",
    "notifying",
    "done",
    "failed",
    "canceled",
)


@dataclass
class SubmissionInput:
    submission_id: str
    spool: str  # absolute path of the spooled create body, readable by every worker (shared storage)
    request_count: int
    body_bytes: int
    digest: str
    label: str | None = None
    source_file: str | None = None
    retries: int = 0  # retry rounds for retryable failures, each a linked child batch
    webhook: str | None = None
    output_dir: str | None = None  # overrides the worker's --output
    safety_check_seconds: float = 6 * 3600.0  # look at the batch ourselves if the poller has said nothing this long
    heartbeat_seconds: float = 60.0  # a killed worker's activity is retried after this


@dataclass
class SpoolCheck:
    spool: str
    request_count: int
    digest: str


@dataclass
class CreateInput:
    submission_id: str  # the first batch: the workflow's submission; a retry round: `{id}-r{n}`
    workflow_id: str
    spool: str
    request_count: int = 0
    body_bytes: int = 0
    digest: str = ""
    label: str | None = None
    source_file: str | None = None
    retry_of: str | None = None  # a retry round: send the retryable failures of this batch (its parent)


@dataclass
class CreateResult:
    batch_id: str | None  # None: a retry round found nothing worth sending again
    probable: bool = False
    message: str = ""
    request_count: int = 0


@dataclass
class BatchUpdate:
    """From the poller (or the safety check): the batch's processing status changed."""

    batch_id: str
    processing_status: str
    request_counts: dict[str, int] = field(default_factory=dict)


@dataclass
class BatchRef:
    batch_id: str
    submission_id: str = ""
    phase: str = ""


@dataclass
class DownloadInput:
    batch_id: str
    submission_id: str
    label: str | None = None
    output_dir: str | None = None


@dataclass
class DownloadResult:
    batch_id: str
    rows: int
    path: str | None  # the results JSONL written under the output folder
    counts: dict[str, int] = field(default_factory=dict)
    retryable: int = 0  # failed results worth sending again
    retryable_types: dict[str, int] = field(default_factory=dict)  # of those, how many per result type


@dataclass
class NotifyInput:
    url: str
    summary: Summary


@dataclass
class FinishInput:
    submission_id: str
    spool: str
    phase: str
    batch_ids: list[str] = field(default_factory=list)


@dataclass
class Summary:
    """What the workflow returns, and what `status` answers."""

    workflow_id: str
    submission_id: str
    phase: str
    batch_ids: list[str] = field(default_factory=list)  # the first batch, then each retry round's
    batch_statuses: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # final outcome per request: a retried one counts once
    results_files: list[str] = field(default_factory=list)
    cancel_requested: bool = False
    probable: bool = False  # the first batch is the only candidate of a lost create answer (verified on download)
    error: str | None = None


@dataclass
class PollerInput:
    task_queue: str
    interval_seconds: float = 60.0
    heartbeat_seconds: float = 30.0
    run_seconds: float = 3600.0  # one activity run; the workflow continues as new when told to
    max_backoff_seconds: float = 600.0


@dataclass
class PollStats:
    cycles: int = 0
    list_calls: int = 0
    signals: int = 0
    errors: int = 0
