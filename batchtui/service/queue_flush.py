"""Flushing the request queue into batches, each request sent exactly once across crashes and concurrent flushers.

A flush event (the size or age trigger, or `queue flush`) takes every request queued when it fired, one batch at a
time (at most 100,000 requests and 250,000,000 bytes each, oldest first). For each batch, every step durable
before the next:
1. claim: one transaction checks the trigger and takes the rows (store/queue_flushes.py); a second flusher finds
   them taken;
2. spool the create body from the claimed rows; record a submission (state `recorded`, leased);
3. link: one transaction ties the flush to the submission and stores its requests under it, if the claim is still
   this process's (a settle may have abandoned a claim whose process looked dead; then nothing is sent);
4. send through the crash-safe path of service/submit.py (`sending`, POST, created / failed / unknown);
5. settle: the flush follows its submission: created → its rows are done; failed (provably nothing created) →
   they go back to the queue; unknown → they stay taken until reconcile resolves the submission.

Crash windows: dead before 3 → the claim is abandoned by the next settle (nothing was sent: a send needs the link);
between 3 and the POST → reconcile marks the submission failed (recorded, or sent with no batch in its window) and
the rows return; after the POST → reconcile finds the batch (probable, verified by custom_ids) and the rows are
done. Never re-sent blindly, never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from batchtui.core.errors import BatchtuiError, OutcomeUnknown, describe
from batchtui.core.inputs import SplitLimits
from batchtui.core.models import BatchRecord
from batchtui.core.queue import FlushRecord, QueueSettings, QueueStatus, effective_settings
from batchtui.core.store.queue_flushes import DueRule
from batchtui.service.session import Session
from batchtui.service.spool import SpoolWriter, spool_path
from batchtui.service.submit import (
    NotCreated,
    ProgressSink,
    SubmitOutcome,
    attach_batch,
    reconcile_first,
    resolve_failed_create,
    send_spool,
)

TAKEN_OVER = "its queue flush was given up as abandoned before it was sent; nothing was sent"


@dataclass
class FlushOutcome:
    flush: FlushRecord
    batch: BatchRecord | None = None
    probable: bool = False  # the create answer was lost; `batch` is the single one that fits, verified when it ends
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def sent(self) -> bool:
        return self.batch is not None

    def describe(self) -> str:
        f = self.flush
        what = f"flush #{f.id} ({f.reason}): {f.request_count:,} request(s)"
        if self.batch is not None:
            return f"{what} sent as {self.batch.id}" + (
                " (probably: the create answer was lost)" if self.probable else ""
            )
        return f"{what}: {self.error or f.error or 'not sent (' + f.state + ')'}"

    def to_json(self) -> dict[str, object]:
        return {
            **self.flush.to_json(),
            "batch_id": self.batch.id if self.batch else self.flush.batch_id,
            "probable": self.probable,
            "error": self.error or self.flush.error,
        }


async def queue_settings(session: Session, config: QueueSettings | None) -> QueueSettings:
    size, age = await session.store.queue_settings()
    return effective_settings(size, age, config)


async def queue_status(session: Session, config: QueueSettings | None) -> QueueStatus:
    return await session.store.queue_status(await queue_settings(session, config))


async def settle(session: Session) -> list[FlushRecord]:
    """Bring the flush log up to date with what reconcile decided (local only; no API call)."""
    return await session.store.settle_flushes()


async def flush_queue(
    session: Session,
    *,
    force: bool = False,
    config: QueueSettings | None = None,
    now: datetime | None = None,
    limits: SplitLimits | None = None,
    on_progress: ProgressSink | None = None,
    backoff_until: datetime | None = None,
) -> list[FlushOutcome]:
    """Flush now (`force`), or only when a trigger is due at `now` (and not before `backoff_until`: a flusher
    whose last try failed). Returns one outcome per batch attempted; stops at the first batch that was not sent
    (the rest stay queued for the next try)."""
    limits = limits or SplitLimits()
    session.require_api()
    notes: list[str] = []
    if force:
        # `queue flush`: earlier flushes whose answer was lost are resolved first, if they can be (the automatic
        # flusher runs beside the sync loop, which reconciles before every poll and tells it what moved).
        await reconcile_first(session, notes)
    await settle(session)
    status = replace(await queue_status(session, config), backoff_until=backoff_until)
    clock = now or datetime.now(UTC)
    first: DueRule
    if force:
        first = _always("manual")
    elif status.due_reason(clock) is None:
        return []
    else:

        def first(count: int, oldest: datetime | None) -> str | None:  # re-checked inside the claim transaction
            again = QueueStatus(count, 0, oldest, 0, status.settings, backoff_until=backoff_until)
            return again.due_reason(clock)

    upto = await session.store.queue_last_seq()  # this event takes what is queued now, not what comes meanwhile
    outcomes: list[FlushOutcome] = []
    rule = first
    while claim := await session.store.claim_flush(
        rule, max_requests=limits.max_requests, max_body_bytes=limits.max_body_bytes, upto_seq=upto
    ):
        outcome = await send_flush(session, claim, on_progress=on_progress)
        outcome.notes[:0] = notes
        notes = []
        outcomes.append(outcome)
        if not outcome.sent:
            break
        rule = _always(claim.reason)  # the same event: its remaining batches go now
    return outcomes


def _always(reason: str) -> DueRule:
    return lambda _count, _oldest: reason


async def send_flush(session: Session, claim: FlushRecord, *, on_progress: ProgressSink | None = None) -> FlushOutcome:
    """Spool, record, link, send and settle one claimed flush (see the module docstring)."""
    store = session.store
    outcome = FlushOutcome(claim)
    linked = False
    writer: SpoolWriter | None = None
    try:
        session.require_api()
        writer = await _spool(session, claim)
        async with store.lease_scope():
            sub = await store.record_submission(
                source_file=None,
                label=claim.label,
                request_count=writer.count,
                body_bytes=writer.size,
                params_digest=writer.digest,
            )
            spool = spool_path(store.path, sub.id)
            os.replace(writer.path, spool)
            linked = await store.link_flush(claim.id, sub.id)
            if not linked:
                await store.mark_submission_failed(sub.id, TAKEN_OVER)
                spool.unlink(missing_ok=True)
                outcome.error = TAKEN_OVER
                return outcome
            sub = await store.mark_submission_sending(sub.id)
            try:
                batch = await send_spool(session, spool, writer.size, on_progress)
            except Exception as exc:
                found = SubmitOutcome(report=None)  # type: ignore[arg-type]
                try:
                    await resolve_failed_create(session, sub, exc, found)
                except (NotCreated, OutcomeUnknown) as why:
                    outcome.error = str(why)
                outcome.batch, outcome.probable, outcome.notes = found.batch, found.probable, found.notes
            else:
                outcome.batch = await attach_batch(session, sub, batch)
                spool.unlink(missing_ok=True)
    except BatchtuiError as exc:
        outcome.error = describe(exc)
    finally:
        if writer is not None:
            writer.discard()  # the spool was renamed once recorded; this only removes an unrecorded one
        if not linked:
            with contextlib.suppress(Exception):
                await asyncio.shield(store.abandon_flush(claim.id, "not sent: " + (outcome.error or "interrupted")))
    outcome.flush = await store.settle_flush(claim.id) or claim
    return outcome


class _Spooled(SpoolWriter):
    digest: str


async def _spool(session: Session, claim: FlushRecord) -> _Spooled:
    """The create body of a flush's rows, in queue order, written a chunk at a time off the event loop."""
    writer = _Spooled(session.spool_dir)
    try:
        async for chunk in session.store.iter_flush_items(claim.id):
            await asyncio.to_thread(_add_all, writer, chunk)
        writer.digest = await asyncio.to_thread(writer.finish)
        writer.keep()
    except BaseException:
        writer.discard()
        raise
    if writer.count != claim.request_count:  # the claim is exclusive: anything else is a bug, never sent
        writer.discard()
        raise BatchtuiError(f"flush #{claim.id} holds {writer.count} requests, not {claim.request_count}")
    return writer


def _add_all(writer: SpoolWriter, rows: list[tuple[str, str]]) -> None:
    """Each row as the body carries it: the very bytes `queue add` validated."""
    for custom_id, params in rows:
        writer.add(b'{"custom_id":"' + custom_id.encode() + b'","params":' + params.encode() + b"}")
