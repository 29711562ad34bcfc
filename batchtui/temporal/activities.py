"""The activities: each one calls the service layer and is safe to run again (Temporal runs them at least once).

They share the worker's one session (cache + API client). Errors that another attempt cannot fix are raised as
non-retryable ApplicationErrors with a message that says what to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from batchtui.core.errors import BatchtuiError, describe
from batchtui.core.json_text import dumps
from batchtui.service import actions
from batchtui.service.durable import (
    CreatePending,
    NotCreated,
    SpoolInfo,
    create_once,
    inspect_spool,
    retryable_custom_ids,
    write_subset_spool,
)
from batchtui.service.export import Selection, export
from batchtui.service.session import Session
from batchtui.service.spool import metadata_sidecar
from batchtui.temporal import poller
from batchtui.temporal.models import (
    BatchRef,
    CreateInput,
    CreateResult,
    DownloadInput,
    DownloadResult,
    FinishInput,
    NotifyInput,
    PollerInput,
    PollStats,
    SpoolCheck,
)

PENDING_RETRY = 30.0  # seconds before asking again about a create whose outcome is not provable yet
HEARTBEAT_EVERY = 2.0


@contextlib.asynccontextmanager
async def heartbeating() -> AsyncIterator[None]:
    """Heartbeat while a long call runs (an upload, a download), so a killed worker is noticed in seconds."""

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(HEARTBEAT_EVERY)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _unreadable(path: str, exc: OSError) -> ApplicationError:
    return ApplicationError(
        f"worker {socket.gethostname()} cannot read the spool {path} ({exc.strerror or exc}). Workers on other "
        "machines need the spool on shared storage: point `batchtui submit --spool-dir` at a folder every worker "
        "can read.",
        type="SpoolUnreadable",
        non_retryable=True,
    )


class BatchActivities:
    def __init__(self, session: Session, output_dir: Path) -> None:
        self.session = session
        self.output_dir = output_dir

    def all(self) -> list[Any]:
        return [
            self.check_spool,
            self.create_batch,
            self.check_batch,
            self.cancel_batch,
            self.download_results,
            self.notify,
            self.finish,
            self.poll_batches,
        ]

    @activity.defn
    async def check_spool(self, inp: SpoolCheck) -> dict:
        try:
            info = await asyncio.to_thread(inspect_spool, Path(inp.spool))
        except OSError as exc:
            raise _unreadable(inp.spool, exc) from None
        if info.digest != inp.digest or info.request_count != inp.request_count:
            raise ApplicationError(
                f"the spool {inp.spool} is not the one submitted ({info.request_count} requests, expected "
                f"{inp.request_count}; its content changed): submit the file again",
                type="SpoolUnreadable",
                non_retryable=True,
            )
        return {"request_count": info.request_count, "body_bytes": info.body_bytes}

    @activity.defn
    async def create_batch(self, inp: CreateInput) -> CreateResult:
        session = self.session
        await session.store.set_workflow_phase(inp.submission_id, "creating")
        if inp.retry_of is None:
            spool = SpoolInfo(Path(inp.spool), inp.request_count, inp.body_bytes, inp.digest)
            if not spool.path.is_file():
                raise _unreadable(inp.spool, FileNotFoundError(2, "no such file"))
        else:
            spool = await self._retry_spool(inp)
            if spool is None:
                return CreateResult(None, message=f"nothing in {inp.retry_of} is worth sending again")
        try:
            async with heartbeating():
                created = await create_once(
                    session,
                    inp.submission_id,
                    spool,
                    label=inp.label,
                    source_file=inp.source_file,
                    parent_batch_id=inp.retry_of,
                    workflow_id=inp.workflow_id,
                )
        except CreatePending as exc:
            raise ApplicationError(
                str(exc), type="CreatePending", next_retry_delay=timedelta(seconds=PENDING_RETRY)
            ) from None
        except NotCreated as exc:
            raise ApplicationError(
                str(exc), type="NotCreated" if exc.retryable else "Refused", non_retryable=not exc.retryable
            ) from None
        except BatchtuiError as exc:  # OutcomeUnknown and the like: the next attempt reconciles first
            raise ApplicationError(str(exc), type=type(exc).__name__) from None
        finally:
            if inp.retry_of is not None and spool.path != Path(inp.spool):
                spool.path.unlink(missing_ok=True)  # recorded requests live in the store now
        await session.store.set_workflow_phase(inp.submission_id, "tracking")
        return CreateResult(created.batch_id, created.probable, created.message, spool.request_count)

    async def _retry_spool(self, inp: CreateInput) -> SpoolInfo | None:
        """The retryable failures of `retry_of`, as a spool of their original requests (from the shared spool,
        so any worker can build it). Made again on each attempt: the same failures give the same body."""
        assert inp.retry_of is not None
        record = await self.session.store.get_submission(inp.submission_id)
        if record is not None and record.state == "created":
            return SpoolInfo(Path(inp.spool), record.request_count, record.body_bytes, record.params_digest)
        await actions.ensure_results(self.session, inp.retry_of)
        wanted = set(await retryable_custom_ids(self.session, inp.retry_of))
        if not wanted:
            return None
        try:
            return await asyncio.to_thread(write_subset_spool, Path(inp.spool), wanted, Path(inp.spool).parent)
        except OSError as exc:
            raise _unreadable(inp.spool, exc) from None

    @activity.defn
    async def check_batch(self, ref: BatchRef) -> dict:
        """The safety net when the poller has been silent: look at this one batch ourselves."""
        engine = self.session.engine
        await engine.refresh_one(ref.batch_id)
        batch = await self.session.store.get_batch(ref.batch_id)
        assert batch is not None
        return {
            "batch_id": ref.batch_id,
            "processing_status": batch.processing_status,
            "request_counts": batch.request_counts.to_json(),
        }

    @activity.defn
    async def cancel_batch(self, ref: BatchRef) -> dict:
        (outcome,) = await actions.cancel(self.session, [ref.batch_id])
        if not outcome.ok:
            batch = await self.session.store.get_batch(ref.batch_id)
            if batch is None or batch.processing_status != "ended":
                raise ApplicationError(f"cancel {ref.batch_id}: {outcome.message}", type="CancelFailed")
            return {"batch_id": ref.batch_id, "processing_status": "ended"}
        return {"batch_id": ref.batch_id, "processing_status": outcome.status}

    @activity.defn
    async def download_results(self, inp: DownloadInput) -> DownloadResult:
        session = self.session
        await session.store.set_workflow_phase(inp.submission_id, "downloading")
        try:
            async with heartbeating():
                await actions.ensure_results(session, inp.batch_id)
                folder = Path(inp.output_dir) if inp.output_dir else self.output_dir
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"{inp.batch_id}.jsonl"
                written = await export(session, Selection((inp.batch_id,)), "jsonl", path, download=False)
        except BatchtuiError as exc:
            raise ApplicationError(describe(exc), type="NoResults") from None
        sub = await session.store.submission_for_batch(inp.batch_id)
        if sub is None:  # a probable batch (its create answer was lost): verify it by its custom_ids now
            from batchtui.service.reconcile import reconcile

            await reconcile(session, only=inp.submission_id)
        counts = await session.store.result_type_counts(inp.batch_id)
        retryable = await retryable_custom_ids(session, inp.batch_id)
        by_type: dict[str, int] = {}
        for result_type in retryable.values():
            by_type[result_type] = by_type.get(result_type, 0) + 1
        return DownloadResult(inp.batch_id, written.rows, str(path), counts, len(retryable), by_type)

    @activity.defn
    async def notify(self, inp: NotifyInput) -> None:
        import aiohttp

        info = activity.info()
        headers = {"Idempotency-Key": f"{info.workflow_id}/{info.workflow_run_id}"}  # a retried post is the same
        body = dumps(asdict(inp.summary)).encode()
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http,
            http.post(inp.url, data=body, headers={**headers, "content-type": "application/json"}) as resp,
        ):
            if resp.status >= 400:
                raise ApplicationError(f"webhook {inp.url} answered {resp.status}", type="WebhookFailed")

    @activity.defn
    async def finish(self, inp: FinishInput) -> None:
        """The workflow is over: its spool is no longer needed (requests are in the store) and the phase is final."""
        await self.session.store.set_workflow_phase(inp.submission_id, inp.phase)
        for path in (inp.spool, metadata_sidecar(Path(inp.spool))):
            with contextlib.suppress(OSError):
                os.unlink(path)

    @activity.defn
    async def poll_batches(self, inp: PollerInput) -> PollStats:
        return await poller.poll_batches(self.session, inp)
