"""`submit --engine temporal`: validate and spool here (bad input fails at once, exit 2), then start the
submission's workflow. The submission id derives from the body, so submitting the same file again joins the
workflow already carrying it instead of starting a second one (`force`: a new submission of the same body)."""

from __future__ import annotations

import asyncio
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.exceptions import WorkflowAlreadyStartedError

from batchtui.core.config import Settings
from batchtui.core.errors import BatchtuiError
from batchtui.core.inputs import RequestDefaults
from batchtui.service.spool import metadata_sidecar, spool_dir_for
from batchtui.service.submit import Prepared, prepare
from batchtui.temporal import ids
from batchtui.temporal.client import Started, connect, start_submission
from batchtui.temporal.models import SubmissionInput


@dataclass
class EngineOptions:
    address: str = ids.DEFAULT_ADDRESS
    namespace: str = ids.DEFAULT_NAMESPACE
    task_queue: str = ids.DEFAULT_TASK_QUEUE
    spool_dir: Path | None = None
    retries: int = 0
    webhook: str | None = None
    output_dir: str | None = None
    ui_base: str | None = None
    heartbeat_seconds: float = 60.0  # how soon a killed worker's activity is taken over
    safety_check_seconds: float = 6 * 3600.0


def temporal_spool_dir(settings: Settings, flag: Path | None) -> Path:
    """Where workflows' spools live: --spool-dir, then BATCHTUI_SPOOL_DIR, then beside the cache. A folder of its
    own: the local cleanup of orphaned spools never touches it (each workflow removes its spool when it ends)."""
    env = os.environ.get("BATCHTUI_SPOOL_DIR")
    return (flag or (Path(env) if env else spool_dir_for(settings.db_path) / "temporal")).resolve()


@dataclass
class WorkflowSubmitted:
    started: Started
    prepared: Prepared
    submission_id: str
    options: EngineOptions

    def to_json(self) -> dict[str, Any]:
        handle = self.started.handle
        ui = self.options.ui_base or ids.default_ui_base(self.options.address)
        return {
            "workflow_id": handle.id,
            "run_id": handle.result_run_id,
            "submission_id": self.submission_id,
            "existing": self.started.existing,
            "task_queue": self.options.task_queue,
            "namespace": self.options.namespace,
            "temporal_ui": ids.ui_url(ui, self.options.namespace, handle.id),
            "spool": str(self.prepared.spool),
            "request_count": self.prepared.request_count,
        }


class AlreadySubmitted(BatchtuiError):
    pass


async def submit_workflow(
    settings: Settings,
    source: str | os.PathLike[str],
    options: EngineOptions,
    *,
    label: str | None = None,
    force: bool = False,
    fmt: str | None = None,
    defaults: RequestDefaults | None = None,
) -> WorkflowSubmitted:
    folder = temporal_spool_dir(settings, options.spool_dir)
    prepared = await asyncio.to_thread(  # ValidationFailed: nothing kept
        prepare, source, folder, fmt=fmt, defaults=defaults, keep_metadata=True
    )
    assert prepared.digest is not None and prepared.spool is not None
    submission_id = prepared.digest[:32] + (f"-{secrets.token_hex(4)}" if force else "")
    spool = folder / f"{submission_id}.json"
    try:
        client = await connect(options.address, options.namespace)
        os.replace(prepared.spool, spool)  # same body, same name: joining a running workflow rewrites it as is
        prepared.spool = spool
        if prepared.metadata is not None:  # CSV extra columns: beside the spool, stored by the worker with the requests
            os.replace(prepared.metadata, metadata_sidecar(spool))
            prepared.metadata = metadata_sidecar(spool)
        inp = SubmissionInput(
            submission_id=submission_id, spool=str(spool), request_count=prepared.request_count,
            body_bytes=prepared.body_bytes, digest=prepared.digest, label=label, source_file=prepared.source_file,
            retries=options.retries, webhook=options.webhook, output_dir=options.output_dir,
            safety_check_seconds=options.safety_check_seconds, heartbeat_seconds=options.heartbeat_seconds,
        )  # fmt: skip
        started = await start_submission(client, options.task_queue, inp)
    except WorkflowAlreadyStartedError:
        prepared.discard()
        raise AlreadySubmitted(
            f"These requests were already submitted and completed as workflow {ids.workflow_id_for(submission_id)} "
            "(see `batchtui workflows`). Pass --force to submit them again as a new batch."
        ) from None
    except BaseException:
        prepared.discard()
        raise
    return WorkflowSubmitted(started, prepared, submission_id, options)
