"""The shared poller's loop (an activity): one batch listing per interval for the whole fleet.

Each cycle: find the workflows that are tracking a batch (Temporal visibility: one call, no query), list the
workspace's batches newest first (one call per 1,000) only as far back as the oldest of them, store what was
listed, and signal each workflow whose batch changed processing status since it was last told. N tracked
workflows cost ⌈N/1000⌉ list calls per interval, not N retrieves; a quiet batch costs its workflow no events.
Backoff with jitter on errors; heartbeats carry what was signaled, so a takeover does not signal it all again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from batchtui.core.models import parse_time
from batchtui.service.session import Session
from batchtui.temporal import ids
from batchtui.temporal.models import BatchUpdate, PollerInput, PollStats

log = logging.getLogger(__name__)
TRACKING_QUERY = (
    f"WorkflowType = '{ids.SUBMISSION_WORKFLOW}' AND ExecutionStatus = 'Running' "
    f"AND {ids.PHASE.name} IN ('tracking', 'canceling') AND TaskQueue = '{{task_queue}}'"
)
LIST_MARGIN = timedelta(minutes=10)  # clock skew between Temporal and the API


async def tracked(client: Client, task_queue: str) -> dict[str, tuple[str, datetime]]:
    """batch id → (workflow id, workflow start time) of every workflow of this queue waiting for its batch."""
    out: dict[str, tuple[str, datetime]] = {}
    async for wf in client.list_workflows(TRACKING_QUERY.format(task_queue=task_queue.replace("'", ""))):
        batch_id = wf.typed_search_attributes.get(ids.BATCH_ID)
        if batch_id:
            out[batch_id] = (wf.id, wf.start_time)
    return out


async def poll_cycle(session: Session, client: Client, task_queue: str, told: dict[str, str], stats: PollStats) -> None:
    watching = await tracked(client, task_queue)
    for gone in set(told) - set(watching):
        del told[gone]
    if not watching:
        return
    api = session.require_api()
    oldest = min(start for _, start in watching.values()) - LIST_MARGIN
    listed: dict[str, dict] = {}
    async for page in api.list_pages():
        stats.list_calls += 1
        listed.update((b["id"], b) for b in page)
        activity.heartbeat(told)
        if set(watching) <= set(listed) or not page or parse_time(page[-1]["created_at"]) < oldest:  # type: ignore[operator]
            break
    if listed:
        await session.store.upsert_batches(
            list(listed.values()), synced_at=datetime.now(UTC), request_id=api.last_request_id
        )
    for batch_id, (workflow_id, _) in watching.items():
        batch = listed.get(batch_id)
        if batch is None:
            continue  # not listed (deleted?): the workflow's own safety check will look
        status = batch["processing_status"]
        if told.get(batch_id, "in_progress") == status:
            continue  # counts only change at the end: signal transitions, nothing else
        update = BatchUpdate(batch_id, status, dict(batch["request_counts"]))
        try:
            await client.get_workflow_handle(workflow_id).signal("batch_update", update)
            stats.signals += 1
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:  # already closed: nothing to tell
                raise
        told[batch_id] = status


async def poll_batches(session: Session, inp: PollerInput) -> PollStats:
    """Poll until `run_seconds` pass (then the workflow decides whether to continue as new) or the worker stops."""
    client = activity.client()
    details = activity.info().heartbeat_details
    told: dict[str, str] = dict(details[0]) if details else {}
    stats = PollStats()
    deadline = time.monotonic() + inp.run_seconds
    failures = 0
    while time.monotonic() < deadline and not activity.is_worker_shutdown():
        stats.cycles += 1
        try:
            await poll_cycle(session, client, inp.task_queue, told, stats)
            failures = 0
        except Exception as exc:  # the API or Temporal unreachable: back off, keep the activity alive
            failures += 1
            stats.errors += 1
            log.warning("poller: cycle failed (%s); backing off", exc)
        pause = min(inp.max_backoff_seconds, inp.interval_seconds * 2 ** min(failures, 10))
        pause *= random.uniform(0.9, 1.1)  # jitter: many fleets must not poll in step
        await _sleep_heartbeating(pause, told)
    log.debug("poller run over: %s", asdict(stats))
    return stats


async def _sleep_heartbeating(seconds: float, told: dict[str, str]) -> None:
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0 and not activity.is_worker_shutdown():
        activity.heartbeat(told)
        await asyncio.sleep(min(left, 1.0))
