"""Names shared by the client, the worker and the workflows. Those that need no temporalio live in `names.py`
(the dashboard imports them at start-up) and are re-exported here, so the engine keeps one `ids.` namespace."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

from batchtui.temporal.names import DEFAULT_ADDRESS as DEFAULT_ADDRESS
from batchtui.temporal.names import DEFAULT_NAMESPACE as DEFAULT_NAMESPACE
from batchtui.temporal.names import WORKFLOW_PREFIX as WORKFLOW_PREFIX
from batchtui.temporal.names import default_ui_base as default_ui_base
from batchtui.temporal.names import ui_url as ui_url
from batchtui.temporal.names import workflow_id_for as workflow_id_for

DEFAULT_TASK_QUEUE = "batchtui"
SUBMISSION_WORKFLOW = "BatchSubmission"
POLLER_WORKFLOW = "BatchPoller"
QUEUE_WORKFLOW = "BatchQueue"

# Search attributes: how the poller finds tracking workflows and `batchtui workflows` lists phases, with no query
# (queries need a live worker) and no per-workflow call.
PHASE = SearchAttributeKey.for_keyword("BatchtuiPhase")
BATCH_ID = SearchAttributeKey.for_keyword("BatchtuiBatchId")  # the batch being tracked now
BATCH_IDS = SearchAttributeKey.for_keyword_list("BatchtuiBatchIds")  # the whole retry chain
SEARCH_ATTRIBUTES = (PHASE, BATCH_ID, BATCH_IDS)


def poller_id_for(task_queue: str) -> str:
    """One poller per task queue: each queue is its own fleet of workers."""
    return f"batchtui-poller-{task_queue}"


def queue_id_for(task_queue: str) -> str:
    """One request queue per task queue, like the poller."""
    return f"batchtui-queue-{task_queue}"
