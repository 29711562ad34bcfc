"""The dashboard's side of the Temporal engine: which batches workflows carry (the local cache always, Temporal
visibility too when an address is configured), a workflow's web UI address, and cancel through the workflow.

temporalio is imported on a worker's thread, and only when a server must be asked: the dashboard paints first and
runs without the `temporal` extra. Temporal being down costs the visibility read, nothing else.
"""

from __future__ import annotations

import asyncio
import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from batchtui.core import fmt
from batchtui.core.config import TemporalSettings
from batchtui.core.models import WorkflowLink
from batchtui.core.sanitize import clean
from batchtui.temporal import cancel as workflow_cancel
from batchtui.temporal.names import DEFAULT_ADDRESS, default_ui_base, ui_url

if TYPE_CHECKING:
    from batchtui.service.session import Session

# Only plain printable ASCII of a URL's own alphabet may become a terminal hyperlink: the URL is written inside an
# OSC 8 escape sequence, where an ESC or BEL would end it early.
_LINKABLE = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def web_ui_url(temporal: TemporalSettings, workflow_id: str) -> str:
    """The workflow's page in the Temporal web UI (the configured one, else the dev server's beside the address)."""
    base = temporal.ui or default_ui_base(temporal.address or DEFAULT_ADDRESS)
    return clean(ui_url(base, temporal.namespace, workflow_id))


def linkable(url: str) -> bool:
    return _LINKABLE.fullmatch(url) is not None


def merged(local: Mapping[str, WorkflowLink], remote: Mapping[str, WorkflowLink]) -> dict[str, WorkflowLink]:
    """What the dashboard shows: the server's view wins where it has one (the cache's phase may lag behind)."""
    return {**local, **remote}


class WorkflowWatch:
    """Reads Temporal visibility for the dashboard, over one client kept from read to read."""

    def __init__(self, temporal: TemporalSettings) -> None:
        self.temporal = temporal
        self._client: Any = None
        self._no_extra = False

    async def carried(self) -> dict[str, WorkflowLink] | None:
        """Batch id -> workflow, for the newest workflows on the server. None when there is no address configured,
        or Temporal cannot be read this time (down, unreachable, the extra missing): never raises."""
        if not self.temporal.configured or self._no_extra:
            return None
        try:
            if self._client is None:
                self._client = await workflow_cancel.connect(self.temporal)
            visibility: Any = await asyncio.to_thread(importlib.import_module, "batchtui.temporal.visibility")
            return await visibility.carried_batches(self._client)
        except ImportError:
            self._no_extra = True  # will not appear while the app runs: stop asking
        except Exception:  # asked again at the next refresh; the cache's view stands meanwhile
            pass
        return None


@dataclass
class CancelRouting:
    """What a dashboard cancel did through workflows, and what is left for the API."""

    done: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    direct: list[str] = field(default_factory=list)


async def cancel_through_workflows(
    session: Session,
    batch_ids: list[str],
    temporal: TemporalSettings,
    known: Mapping[str, WorkflowLink],
    name_of: Callable[[str], str],
) -> CancelRouting:
    """Signal the workflows carrying `batch_ids` (the rules: batchtui/temporal/cancel.py). A carried batch whose
    workflow cannot be signalled is reported and left alone: never canceled behind its workflow's back."""
    outcome = await workflow_cancel.cancel_through_workflows(
        session.store, batch_ids, temporal, known=known, strict=False
    )
    routing = CancelRouting(direct=outcome.direct)
    for sent in outcome.signalled:
        name = name_of(sent.target)
        if sent.error is None:
            routing.done.append(f"{name}: cancel requested through workflow {sent.workflow_id}")
        else:
            routing.failures.append(
                f"{name}: not canceled: its workflow {sent.workflow_id} could not be signalled. {sent.error} "
                "(Nothing was sent to the API: canceled behind its back, the workflow would send the requests again.)"
            )
    if outcome.lookup_error and outcome.direct:
        n = len(outcome.direct)
        routing.notes.append(
            f"Temporal could not be asked which workflows carry {fmt.count(n)} batch{'es' if n > 1 else ''} "
            f"({outcome.lookup_error}); none is known to this dashboard, so they were canceled through the API."
        )
    return routing
