"""Names shared by the client, the worker and the workflows."""

from __future__ import annotations

from urllib.parse import quote

from temporalio.common import SearchAttributeKey

DEFAULT_ADDRESS = "localhost:7233"
DEFAULT_NAMESPACE = "default"
DEFAULT_TASK_QUEUE = "batchtui"
WORKFLOW_PREFIX = "batchtui-sub-"
SUBMISSION_WORKFLOW = "BatchSubmission"
POLLER_WORKFLOW = "BatchPoller"

# Search attributes: how the poller finds tracking workflows and `batchtui workflows` lists phases, with no query
# (queries need a live worker) and no per-workflow call.
PHASE = SearchAttributeKey.for_keyword("BatchtuiPhase")
BATCH_ID = SearchAttributeKey.for_keyword("BatchtuiBatchId")  # the batch being tracked now
BATCH_IDS = SearchAttributeKey.for_keyword_list("BatchtuiBatchIds")  # the whole retry chain
SEARCH_ATTRIBUTES = (PHASE, BATCH_ID, BATCH_IDS)


def poller_id_for(task_queue: str) -> str:
    """One poller per task queue: each queue is its own fleet of workers."""
    return f"batchtui-poller-{task_queue}"


def workflow_id_for(submission_id: str) -> str:
    return WORKFLOW_PREFIX + submission_id


def ui_url(ui_base: str, namespace: str, workflow_id: str) -> str:
    """The Temporal web UI page of a workflow (its current run)."""
    return f"{ui_base.rstrip('/')}/namespaces/{quote(namespace, safe='')}/workflows/{quote(workflow_id, safe='')}"


def default_ui_base(address: str) -> str:
    """The dev server's UI listens on the gRPC port + 1000 unless told otherwise."""
    host, _, port = address.rpartition(":")
    host = host or "localhost"
    return f"http://{host}:{int(port) + 1000}" if port.isdigit() else "http://localhost:8233"
