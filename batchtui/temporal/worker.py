"""`batchtui worker`: the submission, poller and queue workflows and their activities on one task queue, with the
same cache, key and base URL as every other command. SIGINT/SIGTERM stop it cleanly (activities get a grace period)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from temporalio.worker import Worker

from batchtui.core.config import Settings
from batchtui.service.session import open_session
from batchtui.temporal import ids
from batchtui.temporal.activities import BatchActivities
from batchtui.temporal.client import connect, ensure_poller, ensure_search_attributes
from batchtui.temporal.models import PollerInput
from batchtui.temporal.poller_workflow import PollerWorkflow
from batchtui.temporal.queue_activities import QueueActivities
from batchtui.temporal.queue_workflow import QueueWorkflow
from batchtui.temporal.workflow import SubmissionWorkflow

GRACE = timedelta(seconds=10)


@dataclass
class WorkerOptions:
    address: str = ids.DEFAULT_ADDRESS
    namespace: str = ids.DEFAULT_NAMESPACE
    task_queue: str = ids.DEFAULT_TASK_QUEUE
    output_dir: Path = Path("batchtui-results")
    poll_interval: float = 60.0
    poller_heartbeat: float = 30.0


async def run_worker(
    settings: Settings,
    options: WorkerOptions,
    *,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[str], None] | None = None,
    handle_signals: bool = True,
) -> None:
    """Run until `stop` is set (or SIGINT/SIGTERM): then in-flight activities get GRACE to finish."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM) if handle_signals else ():
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    client = await connect(options.address, options.namespace)
    await ensure_search_attributes(client, options.namespace)
    async with open_session(settings) as session:
        activities = BatchActivities(session, options.output_dir)
        worker = Worker(
            client,
            task_queue=options.task_queue,
            workflows=[SubmissionWorkflow, PollerWorkflow, QueueWorkflow],
            activities=[*activities.all(), *QueueActivities().all()],
            graceful_shutdown_timeout=GRACE,
        )
        async with worker:
            await ensure_poller(
                client,
                options.task_queue,
                PollerInput(options.task_queue, options.poll_interval, options.poller_heartbeat),
            )
            if on_ready:
                on_ready(
                    f"batchtui worker: task queue {options.task_queue!r} on {options.address} "
                    f"(namespace {options.namespace}); results to {options.output_dir}"
                )
            await stop.wait()
