"""One sync, the same everywhere (the dashboard's poll loop, `sync`, `sync --watch`, a Temporal activity):
reconcile open submissions, refresh batch metadata, download the results of ended batches."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from batchtui.core.errors import describe, is_sdk_error
from batchtui.core.events import SubmissionResolved
from batchtui.service.reconcile import Reconciled, reconcile
from batchtui.service.session import Session

if TYPE_CHECKING:
    from batchtui.core.queue import QueueSettings


@dataclass
class SyncReport:
    reconciled: list[Reconciled] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    downloaded: dict[str, int] = field(default_factory=dict)  # batch id -> rows stored
    errors: dict[str, str] = field(default_factory=dict)  # batch id -> why its results were not downloaded
    batches: int = 0  # in the cache afterwards

    def to_json(self) -> dict[str, Any]:
        return {
            "batches": self.batches,
            "changed": self.changed,
            "downloaded": self.downloaded,
            "errors": self.errors,
            "reconciled": [r.to_json() for r in self.reconciled],
        }


async def reconcile_and_report(session: Session) -> list[Reconciled]:
    """Reconcile, and report every submission that moved through the engine's event sink."""
    results = await reconcile(session)
    engine = session.engine
    for r in results:
        if r.changed and r.state in ("created", "failed", "probable"):
            engine.emit(SubmissionResolved(r.submission_id, r.state, r.batch_id, r.message))
    return results


async def sync_once(session: Session, batch_ids: Iterable[str] | None = None, *, full: bool = True) -> SyncReport:
    """Reconcile + refresh + download (every ended batch lacking results, or only `batch_ids`)."""
    wanted = list(batch_ids or [])
    report = SyncReport(reconciled=await reconcile_and_report(session))
    engine = session.engine
    report.changed = await engine.refresh(full=full)
    for batch_id in wanted:
        if await session.store.get_batch(batch_id) is None:
            try:
                await engine.refresh_one(batch_id)
            except Exception as exc:
                if not is_sdk_error(exc):
                    raise
                report.errors[batch_id] = describe(exc)
    outcome = await engine.download_pending(wanted or None)
    report.downloaded = {k: v for k, v in outcome.items() if isinstance(v, int)}
    report.errors.update({k: v for k, v in outcome.items() if isinstance(v, str)})
    report.batches = len(await session.store.sync_view())
    return report


async def watch(session: Session, stop: asyncio.Event | None = None, *, queue: QueueSettings | None = None) -> None:
    """Poll until `stop` (or cancellation): the engine's adaptive loop, reconciling before every refresh, with the
    request queue's triggers (`queue`: the config's, else the defaults) in a task of their own beside it."""
    # The queue's flusher (and the submit path it imports: every input reader) is loaded here, not by a one-shot
    # `sync`, which never flushes.
    from batchtui.service.queue_runner import QueueFlusher

    engine = session.engine
    engine.before_refresh = lambda: _quiet_reconcile(session)
    flusher = asyncio.create_task(QueueFlusher(session, queue).run(stop))
    try:
        await engine.run(stop=stop)
    finally:
        # A flush cut short here is one more interrupted send: the next settle and reconcile resolve it.
        flusher.cancel()
        await asyncio.gather(flusher, return_exceptions=True)


async def _quiet_reconcile(session: Session) -> None:
    if await session.store.submissions_in("recorded", "sending", "unknown"):
        await reconcile_and_report(session)
