"""What the Batch API did for you, per day and in all: batches, requests, outcomes, cost and what the batch rate
saved against the standard API, success rate, turnaround and error types. Read from the cache only."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from batchtui.core.cost import saved_usd, standard_cost_usd
from batchtui.core.store.stats import DayRow
from batchtui.service.session import Session


@dataclass
class Figures:
    """One day's figures, or the whole period's."""

    batches: int = 0
    requests: int = 0
    processing: int = 0
    succeeded: int = 0
    errored: int = 0
    canceled: int = 0
    expired: int = 0
    cost_usd: float = 0.0  # known part; see unknown_cost_batches / pending_cost_batches
    standard_cost_usd: float = 0.0
    saved_usd: float = 0.0
    priced_batches: int = 0
    unknown_cost_batches: int = 0
    pending_cost_batches: int = 0
    cache_saved_usd: float = 0.0  # what prompt caching saved (known part; may be negative)
    cache_unknown_batches: int = 0
    reused_requests: int = 0  # answered from earlier batches instead of sent (`submit --reuse`)
    reuse_saved_usd: float = 0.0  # what those answers cost when they were made (known part)
    reuse_unpriced_requests: int = 0  # reused answers whose cost is not known
    turnarounds: list[float] = field(default_factory=list, repr=False)

    def add(self, row: DayRow) -> None:
        self.batches += row.batches
        self.processing += row.processing
        self.succeeded += row.succeeded
        self.errored += row.errored
        self.canceled += row.canceled
        self.expired += row.expired
        self.requests += row.processing + row.succeeded + row.errored + row.canceled + row.expired
        self.cost_usd += row.cost_usd
        self.standard_cost_usd += standard_cost_usd(row.cost_usd) or 0.0
        self.saved_usd += saved_usd(row.cost_usd) or 0.0
        self.priced_batches += row.priced_batches
        self.unknown_cost_batches += row.unknown_cost_batches
        self.pending_cost_batches += row.pending_cost_batches
        self.cache_saved_usd += row.cache_saved_usd
        self.cache_unknown_batches += row.cache_unknown_batches
        self.reused_requests += row.reused_requests
        self.reuse_saved_usd += row.reuse_saved_usd
        self.reuse_unpriced_requests += row.reuse_unpriced
        self.turnarounds += row.turnarounds

    @property
    def finished(self) -> int:
        return self.succeeded + self.errored + self.canceled + self.expired

    @property
    def success_rate(self) -> float | None:
        """Succeeded of the requests with an outcome (None: none has one yet)."""
        return self.succeeded / self.finished if self.finished else None

    def turnaround(self, q: float) -> float | None:
        """The q-quantile of creation-to-end seconds of the ended batches (0.5: the median)."""
        if not self.turnarounds:
            return None
        if len(self.turnarounds) == 1:
            return self.turnarounds[0]
        cuts = statistics.quantiles(self.turnarounds, n=100, method="inclusive")
        return cuts[min(98, max(0, round(q * 100) - 1))]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["turnarounds"]
        for key in ("cost_usd", "standard_cost_usd", "saved_usd", "cache_saved_usd", "reuse_saved_usd"):
            data[key] = round(data[key], 6)  # float sums carry noise past the micro-dollar
        data.update(
            success_rate=_round(self.success_rate, 4),
            turnaround_median_s=_round(self.turnaround(0.5), 1),
            turnaround_p90_s=_round(self.turnaround(0.9), 1),
            turnaround_max_s=_round(max(self.turnarounds) if self.turnarounds else None, 1),
            ended_batches=len(self.turnarounds),
        )
        return data


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


@dataclass
class Stats:
    since: datetime | None
    total: Figures
    days: dict[str, Figures]  # YYYY-MM-DD (UTC) → figures, oldest first
    error_types: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "totals": self.total.to_json(),
            "days": [{"date": day, **f.to_json()} for day, f in self.days.items()],
            "error_types": self.error_types,
        }


async def collect(session: Session, since: datetime | None = None) -> Stats:
    store = session.store
    total, days = Figures(), {}
    for row in await store.stats_days(since):
        day = days[row.day] = Figures()
        day.add(row)
        total.add(row)
    return Stats(since, total, days, await store.stats_error_types(since))
