"""Workflow names, phases and web UI addresses, with no `temporalio` import: the dashboard reads them at start-up,
before (or without) the `temporal` extra. `ids.py` adds the names that need temporalio (search attributes)."""

from __future__ import annotations

from urllib.parse import quote

DEFAULT_ADDRESS = "localhost:7233"
DEFAULT_NAMESPACE = "default"
WORKFLOW_PREFIX = "batchtui-sub-"
EXTRA_MISSING = "The Temporal engine needs the `temporal` extra: pip install 'batchtui[temporal]'."


def workflow_id_for(submission_id: str) -> str:
    return WORKFLOW_PREFIX + submission_id


def is_workflow_id(value: str) -> bool:
    """A submission workflow's id, as a user may pass it to `cancel` instead of a batch id."""
    return value.startswith(WORKFLOW_PREFIX)


def ui_url(ui_base: str, namespace: str, workflow_id: str) -> str:
    """The Temporal web UI page of a workflow (its current run)."""
    return f"{ui_base.rstrip('/')}/namespaces/{quote(namespace, safe='')}/workflows/{quote(workflow_id, safe='')}"


def default_ui_base(address: str) -> str:
    """The dev server's UI listens on the gRPC port + 1000 unless told otherwise."""
    host, _, port = address.rpartition(":")
    host = host or "localhost"
    return f"http://{host}:{int(port) + 1000}" if port.isdigit() else "http://localhost:8233"
