"""Talking to Temporal: connect, register search attributes, start a submission's workflow, list, query, cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.service import RPCError

from batchtui.core.errors import BatchtuiError
from batchtui.temporal import ids
from batchtui.temporal.models import PollerInput, SubmissionInput, Summary


class TemporalUnavailable(BatchtuiError):
    pass


async def connect(address: str, namespace: str = ids.DEFAULT_NAMESPACE) -> Client:
    try:
        return await Client.connect(address, namespace=namespace)
    except Exception as exc:
        raise TemporalUnavailable(
            f"No Temporal server at {address} ({_reason(exc)}). Start one with `batchtui temporal dev`, or pass "
            "--temporal-address (or set TEMPORAL_ADDRESS)."
        ) from None


# The core SDK's connect errors are nested Rust debug output; a person needs the gist (a toast has little room).
_REASONS = (("connection refused", "connection refused"), ("dns error", "unknown host"), ("timed out", "timed out"))


def _reason(exc: Exception) -> str:
    text = str(exc)
    lowered = text.lower()
    for needle, reason in _REASONS:
        if needle in lowered:
            return reason
    return text if len(text) <= 200 else text[:199] + "…"


async def ensure_search_attributes(client: Client, namespace: str) -> None:
    """Register batchtui's search attributes on a server that lacks them (a dev server started by us has them)."""
    have = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
    missing = {
        key.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST
        if key.name == ids.BATCH_IDS.name
        else IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
        for key in ids.SEARCH_ATTRIBUTES
        if key.name not in have.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )


async def ensure_poller(client: Client, task_queue: str, inp: PollerInput) -> None:
    """Start the fleet's one poller, or find it running (every worker calls this; there is still one)."""
    from batchtui.temporal.poller_workflow import PollerWorkflow

    await client.start_workflow(
        PollerWorkflow.run,
        inp,
        id=ids.poller_id_for(task_queue),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )


@dataclass
class Started:
    handle: WorkflowHandle[Any, Summary]
    existing: bool  # the same submission's workflow was already running


async def start_submission(client: Client, task_queue: str, inp: SubmissionInput) -> Started:
    """One workflow per submission: the id derives from it, a running one is joined, a finished one (unless it
    failed or was canceled) refuses to run again."""
    from batchtui.temporal.workflow import SubmissionWorkflow

    workflow_id = ids.workflow_id_for(inp.submission_id)
    existing = False
    try:  # for the report only: USE_EXISTING below is what makes a second start join the first
        description = await client.get_workflow_handle(workflow_id).describe()
        existing = description.status == WorkflowExecutionStatus.RUNNING
    except RPCError:
        pass
    handle = await client.start_workflow(
        SubmissionWorkflow.run,
        inp,
        id=workflow_id,
        task_queue=task_queue,
        result_type=Summary,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        search_attributes=TypedSearchAttributes([SearchAttributePair(ids.PHASE, "checking")]),
    )
    return Started(handle, existing)


@dataclass
class WorkflowRow:
    workflow_id: str
    status: str  # Temporal's: RUNNING, COMPLETED, FAILED, ...
    phase: str | None
    batch_ids: list[str]
    start_time: datetime | None
    close_time: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "workflow_id": self.workflow_id,
            "status": self.status,
            "phase": self.phase,
            "batch_ids": self.batch_ids,
            "start_time": self.start_time.isoformat() if self.start_time else None,
            "close_time": self.close_time.isoformat() if self.close_time else None,
        }


async def list_submissions(
    client: Client, query: str | None = None, *, limit: int | None = None, rpc_timeout: timedelta | None = None
) -> list[WorkflowRow]:
    """Submission workflows, running ones first, then the most recently closed (visibility's order)."""
    q = f"WorkflowType = '{ids.SUBMISSION_WORKFLOW}'" + (f" AND ({query})" if query else "")
    rows = []
    async for wf in client.list_workflows(q, limit=limit, rpc_timeout=rpc_timeout):
        attrs = wf.typed_search_attributes
        rows.append(
            WorkflowRow(
                wf.id,
                wf.status.name if wf.status else "UNKNOWN",
                attrs.get(ids.PHASE),
                list(attrs.get(ids.BATCH_IDS) or []),
                wf.start_time,
                wf.close_time,
            )
        )
    return rows


async def workflow_for_batch(client: Client, batch_id: str) -> str | None:
    """The running workflow carrying `batch_id` (Temporal visibility), if any."""
    rows = await list_submissions(client, f"{ids.BATCH_IDS.name} = '{batch_id}' AND ExecutionStatus = 'Running'")
    return rows[0].workflow_id if rows else None
