"""Aggregates for `batchtui stats` and the stats screen: per-day batch figures with their turnarounds in one pass over
the batches, and error types in one over the errored results' own index (10,000 batches and a million results answer
in milliseconds: the counts live on the batch rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from batchtui.core.store.base import StoreBase
from batchtui.core.store.batches import wire_time

# A batch's day is the UTC date it was created on (stored times are RFC 3339 UTC, so the first 10 characters).
_DAY = "substr(created_at, 1, 10)"


@dataclass(frozen=True)
class DayRow:
    day: str  # YYYY-MM-DD (UTC)
    batches: int
    processing: int
    succeeded: int
    errored: int
    canceled: int
    expired: int
    cost_usd: float  # of the batches whose cost is known
    priced_batches: int
    unknown_cost_batches: int  # ended, results stored or gone, and some billed result has no known price
    pending_cost_batches: int  # running, or results not downloaded yet
    cache_saved_usd: float = 0.0  # what prompt caching saved, over the batches where that is known
    cache_unknown_batches: int = 0  # results stored or gone, and what caching saved is not known
    reused_requests: int = 0  # answered from earlier batches instead of sent (`submit --reuse`)
    reuse_saved_usd: float = 0.0  # what those answers cost when they were made (the known part)
    reuse_unpriced: int = 0  # reused answers whose cost is not known
    turnarounds: tuple[float, ...] = ()  # seconds from creation to end of each ended batch the API ran


class StatsMixin(StoreBase):
    async def stats_days(self, since: datetime | None = None) -> list[DayRow]:
        """Per day, with the turnaround of each ended batch. A local batch (answers reused, nothing sent) is no
        batch the API ran: only its reuse counts."""
        # One pass: the turnarounds come along as one text per day (REAL as text keeps 15 significant digits, far
        # finer than julianday's own precision), not one row per batch. For all time the table is read in order,
        # without looking each batch up from the created_at index.
        where, args = ("WHERE created_at >= ? ", (wire_time(since),)) if since else ("", ())
        rows = await self._db.fetchall(
            f"SELECT {_DAY}, sum(local = 0), sum(count_processing), sum(count_succeeded * (local = 0)), "
            "sum(count_errored), sum(count_canceled), sum(count_expired), total(cost_usd), "
            "count(CASE WHEN local = 0 THEN cost_usd END), "
            "coalesce(sum(cost_usd IS NULL AND results_state IN ('complete', 'unavailable')), 0), "
            "coalesce(sum(cost_usd IS NULL AND results_state NOT IN ('complete', 'unavailable')), 0), "
            "total(cache_saved_usd), "
            "coalesce(sum(cache_saved_usd IS NULL AND results_state IN ('complete', 'unavailable')), 0), "
            "sum(reused_rows), total(reuse_saved_usd), sum(reuse_unpriced), "
            "group_concat(CASE WHEN ended_at IS NOT NULL AND local = 0 "
            "THEN max(0.0, (julianday(ended_at) - julianday(created_at)) * 86400.0) END) "
            f"FROM batches {where}GROUP BY {_DAY} ORDER BY {_DAY}",
            args,
        )
        return [DayRow(*r[:-1], turnarounds=tuple(map(float, r[-1].split(","))) if r[-1] else ()) for r in rows]

    async def stats_error_types(self, since: datetime | None = None) -> dict[str, int]:
        """Errored results by error type (`unknown` when the API gave none), over the stored results."""
        # Off the errored results' own index (the few rows they are). For all time no batch is left out, so no batch
        # is looked up (every result has its batch: a foreign key).
        join = ""
        args: tuple[str, ...] = ()
        if since is not None:
            join = "JOIN batches AS b ON b.key = r.batch_key AND b.created_at >= ? "
            args = (wire_time(since),)
        rows = await self._db.fetchall(
            "SELECT coalesce(r.error_type, 'unknown'), count(*) FROM results AS r INDEXED BY results_errored "
            f"{join}WHERE r.result_type = 'errored' GROUP BY 1 ORDER BY 2 DESC, 1",
            args,
        )
        return {r[0]: r[1] for r in rows}
