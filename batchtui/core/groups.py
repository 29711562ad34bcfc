"""Groups: a file too big for one batch, sent as several (its parts). Records and the sums shown for a group.

Each part is a normal submission (with its own crash-safe record → send → reconcile) linked to the group by
`group_id` and its 1-based `group_part`. A part is *done* once it has a batch: created, or probable (the create
answer was lost and reconcile holds the single batch that fits; verified when it ends). No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from batchtui.core import spend
from batchtui.core.cost import saved_usd, standard_cost_usd
from batchtui.core.models import BatchRecord, RequestCounts, Submission, format_time

GROUP_PREFIX = "grp_"  # group ids are local (the API has no groups): grp_ + 24 hex digits

PartState = Literal["pending", "sending", "unknown", "probable", "created", "failed"]
# Which submission of a part speaks for it when it has several (a failed attempt, then a new one).
_RANK = {"created": 4, "probable": 3, "recorded": 2, "sending": 2, "unknown": 2, "failed": 1}


def best_submission(subs: list[Submission]) -> Submission | None:
    """The submission that tells a part's state: created beats probable beats open beats failed; then the newest."""
    return max(subs, key=lambda s: (_RANK[s.display_state], s.created_at), default=None)


@dataclass(frozen=True)
class GroupRecord:
    id: str
    name: str  # --label, or the file's name
    source_file: str | None
    digest: str  # sha256 over the parts' body digests, in order: the same file split the same way
    request_count: int
    body_bytes: int
    part_count: int
    created_at: datetime


@dataclass(frozen=True)
class PartSpec:
    """A part as planned before anything is sent."""

    part: int  # 1-based
    request_count: int
    body_bytes: int
    params_digest: str
    first_custom_id: str | None = None
    last_custom_id: str | None = None


@dataclass(frozen=True)
class GroupPart:
    spec: PartSpec
    submission: Submission | None = None  # the one that speaks for the part (best_submission)
    batch: BatchRecord | None = None  # its batch (or probable batch) as cached

    @property
    def state(self) -> PartState:
        s = self.submission
        if s is None:
            return "pending"
        if s.display_state in ("created", "probable", "failed", "unknown"):
            return s.display_state  # type: ignore[return-value]
        return "sending"  # recorded or sending: maybe in flight in some process, not provably anything yet

    @property
    def batch_id(self) -> str | None:
        s = self.submission
        if s is None:
            return None
        return s.batch_id if s.state == "created" else s.candidate_batch_id

    @property
    def done(self) -> bool:
        return self.state in ("created", "probable")

    def to_json(self) -> dict[str, Any]:
        return {
            "part": self.spec.part,
            "state": self.state,
            "request_count": self.spec.request_count,
            "body_bytes": self.spec.body_bytes,
            "first_custom_id": self.spec.first_custom_id,
            "last_custom_id": self.spec.last_custom_id,
            "submission_id": self.submission.id if self.submission else None,
            "batch_id": self.batch_id,
            "processing_status": self.batch.processing_status if self.batch else None,
            "error": self.submission.error if self.submission and self.state == "failed" else None,
        }


@dataclass(frozen=True)
class GroupSummary:
    """A group with its parts and what their batches add up to."""

    group: GroupRecord
    parts: list[GroupPart] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.group.id

    @property
    def batch_ids(self) -> list[str]:
        return [p.batch_id for p in self.parts if p.done and p.batch_id]

    @property
    def batches(self) -> list[BatchRecord]:
        return [p.batch for p in self.parts if p.done and p.batch is not None]

    @property
    def parts_done(self) -> int:
        return sum(p.done for p in self.parts)

    @property
    def complete(self) -> bool:
        """Every part has its batch: nothing is left to send."""
        return len(self.parts) == self.group.part_count and all(p.done for p in self.parts)

    @property
    def processing_status(self) -> str | None:
        """in_progress while any batch runs; ended once every part's batch has ended; None before any exists."""
        batches = self.batches
        if any(b.processing_status != "ended" for b in batches):
            return "in_progress"
        if batches and self.complete:
            return "ended"
        return None

    @property
    def request_counts(self) -> RequestCounts:
        totals = [0] * 5
        for b in self.batches:
            c = b.request_counts
            for i, n in enumerate((c.processing, c.succeeded, c.errored, c.canceled, c.expired)):
                totals[i] += n
        return RequestCounts(*totals)

    @property
    def cost_status(self) -> spend.CostStatus:
        """known only when every part's batch cost is known; unknown if any is; pending otherwise."""
        statuses = [spend.batch_cost_status(b) for b in self.batches]
        if spend.UNKNOWN in statuses:
            return spend.UNKNOWN
        if self.complete and len(statuses) == len(self.parts) and all(s == "known" for s in statuses):
            return "known"
        return "pending"

    @property
    def cost_usd(self) -> float | None:
        """The sum at batch rates, or None while any part's cost is not known (never a partial sum)."""
        if self.cost_status != "known":
            return None
        return sum(b.cost_usd or 0.0 for b in self.batches)

    @property
    def reused(self) -> tuple[int, float, int]:
        """Answers its parts took from earlier batches (`submit --reuse`; shown with part 1): how many, what they
        saved (the known part), and how many of them have no known cost."""
        return (
            sum(b.reused_rows for b in self.batches),
            sum(b.reuse_saved_usd for b in self.batches),
            sum(b.reuse_unpriced for b in self.batches),
        )

    def to_json(self) -> dict[str, Any]:
        g = self.group
        cost = self.cost_usd
        reused, reuse_saved, reuse_unpriced = self.reused
        return {
            "id": g.id,
            "type": "batch_group",
            "name": g.name,
            "source_file": g.source_file,
            "created_at": format_time(g.created_at),
            "part_count": g.part_count,
            "parts_done": self.parts_done,
            "state": "complete" if self.complete else "incomplete",
            "processing_status": self.processing_status,
            "request_count": g.request_count,
            "body_bytes": g.body_bytes,
            "batch_ids": self.batch_ids,
            "request_counts": self.request_counts.to_json(),
            "total_requests": self.request_counts.total,
            "cost_usd": cost,
            "cost_status": self.cost_status,
            "standard_cost_usd": standard_cost_usd(cost),
            "saved_usd": saved_usd(cost),
            "digest": g.digest,
            "reused_requests": reused,
            "reuse_saved_usd": round(reuse_saved, 10),
            "reuse_unpriced_requests": reuse_unpriced,
            "parts": [p.to_json() for p in self.parts],
        }
