"""When to poll next: brisk while batches are in flight and changing, backing off (with jitter) when nothing
changes or the API is failing, and always honouring the server's retry-after."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


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
    delay: float = 0.0
    errors: int = 0

    def after_success(self, *, changed: bool, in_flight: bool) -> float:
        self.errors = 0
        cap = self.busy_cap if in_flight else self.idle_cap
        self.delay = self.brisk if changed or self.delay == 0 else min(self.delay * self.growth, cap)
        self.delay = min(self.delay, cap)
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
