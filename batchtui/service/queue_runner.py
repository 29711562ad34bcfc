"""The queue's triggers, watched by whatever runs the sync loop (`sync --watch`, the dashboard): a task of its own
that flushes when the queue reaches its size or its oldest request its age, and sleeps until the next flush is due
otherwise (looking again at least every `IDLE_WAKE`, for requests another process added).

Several flushers may run at once (a dashboard and `sync --watch` on one cache): each claim is exclusive, so each
request goes in exactly one batch (service/queue_flush.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from batchtui.core.events import QueueFlushed, SubmissionResolved, SyncEvent
from batchtui.core.inputs import SplitLimits
from batchtui.core.queue import QueueSettings, failure_backoff
from batchtui.service.queue_flush import FlushOutcome, flush_queue, queue_status, settle
from batchtui.service.session import Session
from batchtui.service.waits import first_of

log = logging.getLogger(__name__)

IDLE_WAKE = 30.0  # seconds: how soon requests added by another process are noticed
MIN_WAIT = 0.5


class QueueFlusher:
    def __init__(
        self,
        session: Session,
        config: QueueSettings | None = None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        limits: SplitLimits | None = None,
        idle: float = IDLE_WAKE,
    ) -> None:
        self.session = session
        self.config = config
        self.clock = clock
        self.limits = limits
        self.idle = idle
        self._wake = asyncio.Event()
        # Its own flushes that could not be sent, in a row: it waits before trying again (a flush found failed
        # after another process died does not count: nothing is wrong with the API then).
        self.failures = 0
        self.backoff_until: datetime | None = None

    def poke(self) -> None:
        """Look again now (a flush asked for, requests added here)."""
        self._wake.set()

    def listen(self) -> None:
        """A reconciled submission may be a flush's: settle it at once rather than on the next round."""
        with contextlib.suppress(Exception):  # offline: no engine, nothing will be reconciled anyway
            self.session.engine.add_listener(self._on_event)

    def _on_event(self, event: SyncEvent) -> None:
        if isinstance(event, SubmissionResolved):
            self._wake.set()

    async def run_once(self) -> list[FlushOutcome]:
        """One look: flush if a trigger is due, and say what was sent."""
        now = self.clock()
        outcomes = await flush_queue(
            self.session, config=self.config, now=now, limits=self.limits, backoff_until=self.backoff_until
        )
        if outcomes and not outcomes[-1].sent:
            self.failures += 1
            self.backoff_until = now + failure_backoff(self.failures)
        elif outcomes:
            self.failures, self.backoff_until = 0, None
        for o in outcomes:
            self._emit(QueueFlushed(o.flush.id, o.flush.reason, o.flush.request_count, o.batch.id if o.batch else None,
                                    None if o.sent else (o.error or o.flush.error)))  # fmt: skip
        if any(o.sent for o in outcomes):
            with contextlib.suppress(Exception):
                self.session.engine.poke()  # list the new batches now
        return outcomes

    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        self.listen()
        while not stop.is_set():
            self._wake.clear()
            wait = self.idle
            try:
                await self.run_once()
                wait = await self.seconds_to_next()
            except Exception:  # the API or the store busy: the queue keeps everything for the next round
                log.exception("request queue: a flush round failed")
                with contextlib.suppress(Exception):
                    await settle(self.session)  # a claim this round left behind goes back to the queue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(first_of(self._wake, stop), wait)

    async def seconds_to_next(self) -> float:
        status = replace(await queue_status(self.session, self.config), backoff_until=self.backoff_until)
        upcoming = status.next_flush(self.clock())
        if upcoming is None:
            return self.idle
        return max(MIN_WAIT, min(self.idle, (upcoming[0] - self.clock()).total_seconds()))

    def _emit(self, event: QueueFlushed) -> None:
        with contextlib.suppress(Exception):  # no engine (offline): nothing to report through
            self.session.engine.emit(event)
