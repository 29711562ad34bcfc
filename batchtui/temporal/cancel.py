"""Cancel a batch that a workflow carries through the workflow's `cancel` signal, never behind its back.

A direct API cancel would look, to the workflow, like requests canceled by someone else: it would send them again in
a retry round. Signalled, the workflow cancels the batch itself and still downloads what finished. One decision for
every front end (`batchtui cancel` and the dashboard). No temporalio import until a server must be asked."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from batchtui.core.config import TemporalSettings
from batchtui.core.errors import UsageError, describe
from batchtui.core.models import WorkflowLink
from batchtui.core.sanitize import clean
from batchtui.temporal.names import DEFAULT_ADDRESS, EXTRA_MISSING, is_workflow_id

if TYPE_CHECKING:
    from temporalio.client import Client

    from batchtui.core.store import Store


@dataclass(frozen=True)
class Signalled:
    target: str  # as asked: a batch id or a workflow id
    workflow_id: str
    error: str | None = None  # why the signal was not delivered (then nothing was canceled)


@dataclass
class Outcome:
    signalled: list[Signalled] = field(default_factory=list)
    direct: list[str] = field(default_factory=list)  # carried by no live workflow: cancel these through the API
    lookup_error: str | None = None  # visibility could not be asked (lenient mode only)


def carrier(target: str, links: Mapping[str, WorkflowLink]) -> str | None:
    """The live workflow that must be signalled to cancel `target`, if any."""
    if is_workflow_id(target):
        return target
    link = links.get(target)
    return link.workflow_id if link is not None and link.live else None


async def connect(temporal: TemporalSettings) -> Client:
    """A client for `temporal`. Raises with a message that says what to do: the extra is missing (UsageError), or no
    server answers (TemporalUnavailable). temporalio is imported on a thread: the dashboard's loop keeps painting."""
    try:
        client_module: Any = await asyncio.to_thread(importlib.import_module, "batchtui.temporal.client")
    except ImportError:
        raise UsageError(EXTRA_MISSING) from None
    return await client_module.connect(temporal.address or DEFAULT_ADDRESS, temporal.namespace)


async def look_up(client: Client, batch_ids: Iterable[str]) -> dict[str, str]:
    """Batch id -> the running workflow carrying it, from Temporal visibility (workflows started anywhere)."""
    from batchtui.temporal.client import workflow_for_batch

    found: dict[str, str] = {}
    for batch_id in batch_ids:
        if workflow_id := await workflow_for_batch(client, batch_id):
            found[batch_id] = workflow_id
    return found


async def signal(client: Client, carried: Mapping[str, str]) -> list[Signalled]:
    """Send `cancel` to each workflow (target -> workflow id); a refused signal is reported, never retried as a
    direct cancel."""
    from temporalio.service import RPCError

    out: list[Signalled] = []
    for target, workflow_id in carried.items():
        try:
            await client.get_workflow_handle(workflow_id).signal("cancel")
        except RPCError as exc:
            out.append(Signalled(target, workflow_id, clean(str(exc))))
        else:
            out.append(Signalled(target, workflow_id))
    return out


async def cancel_through_workflows(
    store: Store,
    targets: list[str],
    temporal: TemporalSettings,
    *,
    known: Mapping[str, WorkflowLink] | None = None,
    strict: bool = True,
) -> Outcome:
    """Signal the workflows that carry `targets`; return the rest for a direct cancel.

    Carried means: a workflow id; or a batch whose workflow the local cache (or `known`, e.g. the dashboard's last
    visibility read, which wins) says is live; or, when an address is configured, a batch that visibility says a
    running workflow carries. `strict` (the CLI): if visibility must be asked and cannot be, raise before anything
    is signalled or canceled. Lenient (the dashboard): Temporal being down only means no lookup, and the batches
    known to be carried report the error instead of being canceled."""
    links = {**await store.workflow_links(), **(known or {})}
    carried = {t: w for t in targets if (w := carrier(t, links)) is not None}
    rest = [t for t in targets if t not in carried]
    outcome = Outcome()
    client: Client | None = None
    failure: str | None = None
    if rest and temporal.configured:
        try:
            client = await connect(temporal)
            found = await look_up(client, rest)
        except Exception as exc:
            if strict:
                raise
            failure = outcome.lookup_error = _why(exc)
        else:
            carried |= found
            rest = [t for t in rest if t not in found]
    outcome.direct = rest
    if not carried:
        return outcome
    if client is None and failure is None:
        try:
            client = await connect(temporal)
        except Exception as exc:
            if strict:
                raise
            failure = _why(exc)
    if client is None:
        outcome.signalled = [Signalled(t, w, failure) for t, w in carried.items()]
    else:
        outcome.signalled = await signal(client, carried)
    return outcome


def _why(exc: Exception) -> str:
    return clean(describe(exc))
