"""`queue add|list|flush|clear --engine temporal` from the client side: validate and spool here (bad input: exit 2,
nothing signalled), then signal-with-start the task queue's one queue workflow; ask it for its state; tell it to
flush or clear."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from batchtui.core.config import Settings
from batchtui.core.errors import BatchtuiError
from batchtui.core.inputs import RequestDefaults, SplitLimits, ValidationReport
from batchtui.core.queue import QueueSettings
from batchtui.service.queue_add import QueueValidationFailed
from batchtui.service.queue_chunks import Chunk, drop_chunk, stage_chunk
from batchtui.temporal import ids
from batchtui.temporal.client import connect
from batchtui.temporal.queue_models import ChunkRef, QueueAdd, QueueInput, QueueState
from batchtui.temporal.queue_workflow import QueueWorkflow
from batchtui.temporal.submit import EngineOptions, temporal_spool_dir


class NoQueueWorkflow(BatchtuiError):
    pass


class NoAnswer(BatchtuiError):
    """A query timed out: no worker is polling (or the one it was stuck to died a moment ago)."""


@dataclass
class QueueSignalled:
    handle: WorkflowHandle
    add: QueueAdd
    reports: list[ValidationReport]

    @property
    def added(self) -> int:
        return sum(c.request_count for c in self.add.chunks)


async def add_to_queue_workflow(
    settings: Settings,
    sources: Sequence[str | os.PathLike[str]],
    options: EngineOptions,
    *,
    fmt: str | None = None,
    defaults: RequestDefaults | None = None,
    flush_size: int | None = None,
    flush_age: timedelta | None = None,
    config: QueueSettings | None = None,
    limits: SplitLimits | None = None,
    max_history: int | None = None,
) -> QueueSignalled:
    """Validate every file and spool each as a chunk on shared storage, then send them in one `add` signal (all
    or nothing), starting the workflow if it is not running. `flush_size`/`flush_age`: change its triggers."""
    folder = temporal_spool_dir(settings, options.spool_dir)
    add_id = uuid.uuid4().hex
    reports: list[ValidationReport] = []
    chunks: list[Chunk] = []
    try:
        for i, source in enumerate(sources):
            report, chunk = await asyncio.to_thread(
                stage_chunk, source, folder, f"queue-{add_id}-{i}.json", fmt=fmt, defaults=defaults, limits=limits
            )
            reports.append(report)
            if chunk is not None:
                chunks.append(chunk)
        failed = [r for r in reports if not r.ok]
        if failed:
            raise QueueValidationFailed(failed)
        base = config or QueueSettings()
        limits = limits or SplitLimits()
        start = QueueInput(
            task_queue=options.task_queue,
            flush_size=flush_size or base.flush_size,
            flush_age_seconds=(flush_age or base.flush_age).total_seconds(),
            output_dir=options.output_dir,
            webhook=options.webhook,
            retries=options.retries,
            heartbeat_seconds=options.heartbeat_seconds,
            safety_check_seconds=options.safety_check_seconds,
            max_requests=limits.max_requests,
            max_body_bytes=limits.max_body_bytes,
            **({"max_history": max_history} if max_history else {}),
        )
        add = QueueAdd(
            add_id,
            [ChunkRef(str(c.path), c.request_count, c.body_bytes) for c in chunks],
            flush_size,
            flush_age.total_seconds() if flush_age else None,
        )
        client = await connect(options.address, options.namespace)
        handle = await client.start_workflow(
            QueueWorkflow.run,
            start,
            id=ids.queue_id_for(options.task_queue),
            task_queue=options.task_queue,
            start_signal="add",
            start_signal_args=[add],
        )
    except BaseException:
        for chunk in chunks:
            drop_chunk(chunk.path)
        raise
    return QueueSignalled(handle, add, reports)


async def _running(options: EngineOptions) -> tuple[Client, WorkflowHandle]:
    client = await connect(options.address, options.namespace)
    handle = client.get_workflow_handle(ids.queue_id_for(options.task_queue))
    try:
        description = await handle.describe()
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        description = None
    if description is None or description.status is None or description.status.name != "RUNNING":
        raise NoQueueWorkflow(
            f"no queue workflow runs on task queue {options.task_queue!r} (`batchtui queue add --engine temporal` "
            "starts it)"
        )
    return client, handle


async def queue_workflow_state(options: EngineOptions, *, wait: timedelta = timedelta(seconds=10)) -> QueueState:
    """Its `status` query (a worker must be running to answer it)."""
    _, handle = await _running(options)
    try:
        return await handle.query(QueueWorkflow.status, rpc_timeout=wait)
    except RPCError as exc:
        raise NoAnswer(
            f"the queue workflow {handle.id} did not answer ({exc.message}): queries need a running worker "
            f"(`batchtui worker --task-queue {options.task_queue}`)"
        ) from None


async def signal_queue_workflow(options: EngineOptions, signal: str) -> str:
    """`flush` or `clear`; returns the workflow id."""
    _, handle = await _running(options)
    await handle.signal(QueueWorkflow.flush if signal == "flush" else QueueWorkflow.clear)
    return handle.id
