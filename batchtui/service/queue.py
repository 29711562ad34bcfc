"""Feeding a group to a workspace whose processing queue is full: wait for in-flight batches to drain, then send.

The Message Batches API caps the requests waiting in a workspace's processing queue (200,000 to 500,000 by tier)
and answers a create that would pass the cap with 429 `rate_limit_error`: nothing was created, so sending the same
body again later is safe. The cap itself is not published per workspace, and the documents give no wording for
this 429, so:

- the queue is watched with one `list` call (1,000 batches, newest first; in-flight batches are all younger than
  their 24 h expiry), summing the `processing` counts of batches not ended;
- a 429 whose message names the queue is a queue refusal, and what it teaches is kept: refused with P processing
  for a part of S requests, the cap is below P + S, so a part is sent again once `processing + size` is under
  that bound, or after `retry_every` at the latest (the real queue drains request by request, while `list` shows
  a batch's count only when it ends);
- a 429 that does not name the queue while requests are processing may be either a full queue or a per-minute
  limit: it is sent again once something drained, or after the server's retry-after doubled at each such refusal
  (up to `retry_every`), so a per-minute limit costs seconds and a full queue is not hammered;
- a 429 with nothing processing is an ordinary rate limit (the caller's bounded retries), unless it names the
  queue: then, twice in a row, the part alone is larger than the cap. It can never go, and the caller stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from batchtui.core.errors import BatchtuiError, describe, retry_after_seconds
from batchtui.core.models import parse_time
from batchtui.service.session import Session

IN_FLIGHT_HORIZON = timedelta(hours=25)  # a batch expires 24 h after creation: older ones have ended

Sleep = Callable[[float], Awaitable[None]]
QueueNote = Callable[[int], None]  # called with the requests processing in the workspace, when it changes


class QueueTooSmall(BatchtuiError):
    """A part larger than the workspace's processing queue: it can never be created as it is."""


class QueueWaitGaveUp(BatchtuiError):
    """The queue did not make room for a part within the wait limit (nothing was created)."""


def is_rate_limit(exc: BaseException) -> bool:
    return getattr(exc, "status_code", None) == 429


def says_queue(exc: BaseException) -> bool:
    """A 429 whose message names the processing queue (the emulator's wording; the API's own is undocumented)."""
    return is_rate_limit(exc) and "queue" in describe(exc).lower()


async def processing_in_workspace(session: Session) -> int:
    """Requests in `processing` across the workspace's in-flight batches: usually one `list` call. The batches
    seen are stored too (a free refresh of the cache)."""
    api = session.require_api()
    horizon = datetime.now(UTC) - IN_FLIGHT_HORIZON
    seen: list[dict] = []
    async for page in api.list_pages():
        seen.extend(page)
        if not page or parse_time(page[-1]["created_at"]) < horizon:  # type: ignore[operator]
            break
    await session.store.upsert_batches(seen, synced_at=datetime.now(UTC), request_id=api.last_request_id)
    return sum(b["request_counts"]["processing"] for b in seen if b["processing_status"] != "ended")


@dataclass
class QueuePolicy:
    """How a refused part waits. `sleep` is injectable so tests move the emulator's clock instead of waiting."""

    poll_start: float = 2.0  # seconds before the first look at the queue (at least the server's retry-after)
    poll_cap: float = 60.0  # looks slow down to one a minute while nothing changes
    retry_every: float = 300.0  # try the create again this often even when `list` shows no change
    max_wait: float = 26 * 3600.0  # every in-flight batch ends within 24 h, so the queue drains within a day
    sleep: Sleep = asyncio.sleep


@dataclass
class QueueFeeder:
    """Shared by the parts of one group: remembers what refusals taught about the queue's cap."""

    session: Session
    policy: QueuePolicy = field(default_factory=QueuePolicy)
    cap_below: int | None = None  # the cap is less than this (learned from refusals)
    _empty_refusals: int = 0
    _unworded: int = 0  # refusals in a row that did not name the queue
    _last_seen: int | None = None  # requests processing at the last look

    def worth_trying(self, processing: int, size: int) -> bool:
        return self.cap_below is None or processing + size < self.cap_below

    def accepted(self, size: int) -> None:
        """A create of `size` requests went through: a bound it contradicts was learned from a stale look."""
        self._empty_refusals = self._unworded = 0
        if self.cap_below is not None and self._last_seen is not None and self._last_seen + size >= self.cap_below:
            self.cap_below = None

    async def after_refusal(self, exc: BaseException, size: int, on_wait: QueueNote | None = None) -> bool:
        """A create of `size` requests got a 429 (nothing created). Returns False when it is not the queue (an
        ordinary rate limit with nothing processing: the caller's bounded retries apply). Otherwise waits until
        the part is worth sending again and returns True, or raises QueueTooSmall / QueueWaitGaveUp."""
        if not is_rate_limit(exc):
            return False
        processing = self._last_seen = await processing_in_workspace(self.session)
        worded = says_queue(exc)
        if processing == 0:
            if not worded:
                return False
            self._empty_refusals += 1
            if self._empty_refusals >= 2:
                raise QueueTooSmall(
                    f"a part of {size:,} requests is larger than this workspace's processing queue: the API refused "
                    f"it with nothing else processing ({describe(exc)}). Nothing was created for it."
                )
            return True  # a batch may have ended between the refusal and the look: try once more at once
        self._empty_refusals = 0
        retry_after = retry_after_seconds(exc)
        if worded:  # the queue said so: its cap is below what it refused
            self._unworded = 0
            self.cap_below = min(self.cap_below or processing + size, processing + size)
            interval = self.policy.retry_every
        else:  # maybe the queue, maybe a per-minute limit: back off from the server's retry-after
            self._unworded += 1
            first = max(self.policy.poll_start, retry_after or 0.0)
            interval = min(self.policy.retry_every, first * 2 ** (self._unworded - 1))
        await self._wait(processing, size, retry_after, interval, on_wait)
        return True

    def _room(self, now: int, refused_at: int, size: int) -> bool:
        if self.cap_below is not None:
            return self.worth_trying(now, size)
        return now < refused_at  # something drained since the refusal

    async def _wait(
        self, processing: int, size: int, retry_after: float | None, interval: float, on_wait: QueueNote | None
    ) -> None:
        """Look at the queue (one `list`) with backoff until there is room, or `interval` passed since the
        refusal: then the create is worth sending again."""
        policy = self.policy
        if on_wait:
            on_wait(processing)
        refused_at = processing
        delay = max(policy.poll_start, retry_after or 0.0)
        waited = 0.0
        while True:
            await policy.sleep(delay)
            waited += delay
            now = self._last_seen = await processing_in_workspace(self.session)
            if self._room(now, refused_at, size) or waited >= interval:
                return
            if waited >= policy.max_wait:
                raise QueueWaitGaveUp(
                    f"the processing queue had no room for {size:,} more requests for {waited / 3600:.0f} h "
                    f"({now:,} processing); nothing was created for this part"
                )
            if now != processing and on_wait:
                on_wait(now)
            processing = now
            delay = min(delay * 2, policy.poll_cap, max(interval - waited, 0.1))
