"""Which batches workflows carry, as Temporal visibility tells it: the dashboard's view of workflows started on any
machine (the local cache knows only its own). Needs no worker, and no query to a workflow."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import Client

from batchtui.core.models import WorkflowLink
from batchtui.temporal.client import list_submissions

NEWEST = 1000  # workflows read per look: all the running ones come first, then the most recently closed
TIMEOUT = timedelta(seconds=10)  # a server that hangs costs one late refresh, not a stuck one


async def carried_batches(client: Client, limit: int = NEWEST) -> dict[str, WorkflowLink]:
    """Batch id -> the workflow carrying it (each batch of a retry chain), a running workflow before a closed one."""
    links: dict[str, WorkflowLink] = {}
    for row in await list_submissions(client, limit=limit, rpc_timeout=TIMEOUT):
        closed = None if row.status == "RUNNING" else row.status
        link = WorkflowLink(row.workflow_id, row.phase, "temporal", closed)
        for batch_id in row.batch_ids:
            known = links.get(batch_id)
            if known is None or (link.live and not known.live):
                links[batch_id] = link
    return links
