"""When to poll next: brisk while batches are in flight and changing, backing off (with jitter) when nothing
changes or the API is failing, and always honouring the server's retry-after. While a batch is in flight the wait
never runs past when it may end (`due_in`): an ended batch is seen soon after it ends, not a backoff later."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from batchtui.core.models import BatchRecord

SPREAD = 0.3  # a batch of known length ends within ±30 % of it (the emulator's jitter)


def due_in(batches: Iterable[BatchRecord], now: datetime, expected_seconds: float | None = None) -> float | None:
    """Seconds until the soonest of these in-flight batches may end (0: any moment now); None: no way to tell.

    With `expected_seconds` (the demo's emulator says how long its batches run) a batch may end from 70 % to 130 %
    of that after its creation (0 inside that window; past it, it is not one of those and nothing is known); a
    canceling one at any moment. The API's counts cannot tell: they stay at `processing` until the whole batch
    ends. Whatever is known, never later than a batch's expiry."""
    soonest: float | None = None
    for batch in batches:
        if batch.processing_status not in ("in_progress", "canceling"):
            continue
        elapsed = (now - batch.created_at).total_seconds()
        due: float | None = None
        if batch.processing_status == "canceling" and expected_seconds is not None:
            due = 0.0
        elif expected_seconds is not None and elapsed <= expected_seconds * (1 + SPREAD):
            due = max(0.0, expected_seconds * (1 - SPREAD) - elapsed)
        if batch.expires_at is not None:
            left = max(0.0, (batch.expires_at - now).total_seconds())
            due = left if due is None else min(due, left)
        if due is not None and (soonest is None or due < soonest):
            soonest = due
    return soonest


@dataclass
class PollSchedule:
    brisk: float = 5.0  # after a change, or a user action, while something is in flight
    busy_cap: float = 60.0  # in flight but unchanged (the API reports no progress until a batch ends)
    idle_cap: float = 300.0  # nothing in flight: only batches created elsewhere can appear
    growth: float = 1.6
    error_base: float = 2.0
    error_cap: float = 300.0
    jitter: float = 0.2  # ±20 %, so many instances never poll in lockstep
    rng: random.Random = field(default_factory=random.Random)
    near: float = 3.0  # while a batch may end any moment: how soon its end is seen
    expected_seconds: float | None = None  # how long a batch runs, when known (the demo's emulator); see due_in
    delay: float = 0.0
    errors: int = 0

    @classmethod
    def for_known_duration(cls, batch_seconds: float) -> PollSchedule:
        """Batches run about `batch_seconds` (the demo: every batch in flight, seeded or submitted, ends within
        that): poll as their ends come due, and never wait more than an eighth of it while one runs, so an ended
        batch shows within seconds (the emulator is local: polling it costs nothing)."""
        return cls(expected_seconds=batch_seconds, busy_cap=max(cls.near, min(cls.busy_cap, batch_seconds / 8)))

    def after_success(self, *, changed: bool, in_flight: bool, due: float | None = None) -> float:
        """`due`: seconds until the soonest in-flight batch may end (see due_in); the wait never runs past it."""
        self.errors = 0
        cap = self.busy_cap if in_flight else self.idle_cap
        self.delay = self.brisk if changed or self.delay == 0 else min(self.delay * self.growth, cap)
        self.delay = min(self.delay, cap)
        if in_flight and due is not None:
            self.delay = min(self.delay, max(self.near, due))
        return self._jittered(self.delay)

    def after_error(self, retry_after: float | None = None) -> float:
        """Exponential backoff from error_base to error_cap; never sooner than the server asked."""
        self.errors += 1
        backoff = min(self.error_base * 2 ** (self.errors - 1), self.error_cap)
        wait = self._jittered(backoff)
        return max(wait, retry_after) if retry_after is not None else wait

    def user_action(self) -> None:
        """A user did something: poll now, and briskly afterwards."""
        self.delay = 0.0
        self.errors = 0

    def _jittered(self, seconds: float) -> float:
        return seconds * self.rng.uniform(1 - self.jitter, 1 + self.jitter)
