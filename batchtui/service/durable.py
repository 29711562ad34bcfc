"""Creating a batch exactly once for a durable engine (a Temporal activity) that may run the same step again.

`create_once` is safe to call any number of times, from any process sharing the cache, for one submission id:
- the submission is recorded (with its requests) before anything is sent;
- a submission already `created` returns its batch without calling the API;
- one that was sent but never answered (the process died mid-create, or the answer was lost) is reconciled first
  (service.reconcile: proven, or the single unclaimed candidate) and is sent again only when reconcile proves that
  nothing was created;
- `failed` means nothing was created, so it is reopened and sent again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from batchtui.core.errors import BatchtuiError
from batchtui.core.store.errors import InvalidTransitionError
from batchtui.service.reconcile import reconcile
from batchtui.service.session import Session
from batchtui.service.spool import SpoolWriter, metadata_sidecar, spooled_metadata, spooled_requests
from batchtui.service.submit import (
    NotCreated,
    ProgressSink,
    SubmitOutcome,
    attach_batch,
    resolve_failed_create,
    send_spool,
)

RETRYABLE_ERROR_TYPES_EXCLUDED = frozenset({"invalid_request_error"})  # sending it again gives the same answer


class CreatePending(BatchtuiError):
    """Sent earlier with no answer, and not yet provable either way: ask again later, do not send."""


@dataclass(frozen=True)
class SpoolInfo:
    path: Path
    request_count: int
    body_bytes: int
    digest: str


@dataclass(frozen=True)
class Created:
    batch_id: str
    probable: bool = False  # the submission's single candidate (answer lost), verified when it ends
    message: str = ""


async def create_once(
    session: Session,
    submission_id: str,
    spool: SpoolInfo,
    *,
    label: str | None = None,
    source_file: str | None = None,
    parent_batch_id: str | None = None,
    workflow_id: str | None = None,
    on_progress: ProgressSink | None = None,
) -> Created:
    async with session.store.lease_scope():  # leased while it records and sends (core/store/leases.py)
        store = session.store
        sub = await store.get_submission(submission_id)
        if sub is None:
            sub = await store.record_submission(
                submission_id=submission_id,
                source_file=source_file,
                label=label,
                request_count=spool.request_count,
                body_bytes=spool.body_bytes,
                params_digest=spool.digest,
                parent_batch_id=parent_batch_id,
                workflow_id=workflow_id,
            )
        if sub.state == "created" and sub.batch_id:
            return Created(sub.batch_id, message="created earlier")
        if sub.state in ("sending", "unknown"):
            found = next(iter(await reconcile(session, only=sub.id)), None)
            if found is not None and found.batch_id is not None and found.state in ("created", "probable"):
                return Created(found.batch_id, probable=found.state == "probable", message=found.message)
            if found is None or found.state != "failed":
                raise CreatePending(
                    f"submission {sub.id} was sent earlier and its outcome is not provable yet "
                    f"({found.message if found else 'no answer'}); not sending it again"
                )
            sub = await store.get_submission(sub.id) or sub
        if sub.state == "failed":
            sub = await store.reopen_submission(sub.id)
        # Idempotent (an upsert): a run that died while storing them left some, not all.
        await store.add_requests(sub.id, spooled_requests(spool.path))
        sidecar = metadata_sidecar(spool.path)
        if sidecar.is_file():  # local metadata (CSV extra columns) travels beside the spool; never sent
            await store.add_request_metadata(sub.id, spooled_metadata(sidecar))
        try:
            sub = await store.mark_submission_sending(sub.id)
        except InvalidTransitionError as exc:  # another process resolved it meanwhile: look again next attempt
            raise CreatePending(str(exc)) from exc
        try:
            batch = await send_spool(session, spool.path, spool.body_bytes, on_progress)
        except Exception as exc:
            outcome = SubmitOutcome(report=None)  # type: ignore[arg-type]
            await resolve_failed_create(session, sub, exc, outcome, spool=spool.path)
            assert outcome.batch is not None
            return Created(outcome.batch.id, probable=outcome.probable, message=" ".join(outcome.notes))
        record = await attach_batch(session, sub, batch)
        assert record is not None
        return Created(record.id)


def inspect_spool(path: Path) -> SpoolInfo:
    """Count, size and digest of a spool written by `service.submit.prepare` (blocking: run it on a thread).
    Raises OSError when it cannot be read."""
    import hashlib

    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    count = sum(1 for _ in spooled_requests(path))
    return SpoolInfo(path, count, size, digest.hexdigest())


async def retryable_custom_ids(
    session: Session, batch_id: str, types: Iterable[str] = ("errored", "expired")
) -> dict[str, str]:
    """custom_id → result type of the batch's stored results worth sending again: of the given types, and
    (errored) not refused for being invalid."""
    from batchtui.core.models import ResultFilter

    out: dict[str, str] = {}
    async for row in session.store.iter_results(batch_id, ResultFilter(types=frozenset(types))):
        if row.result_type == "errored" and row.error_type in RETRYABLE_ERROR_TYPES_EXCLUDED:
            continue
        out[row.custom_id] = row.result_type
    return out


def write_subset_spool(source: Path, custom_ids: set[str], folder: Path) -> SpoolInfo | None:
    """A new spool holding only `custom_ids`' requests of `source`, streamed; None when none are in it."""
    with SpoolWriter(folder) as writer:
        for custom_id, params in spooled_requests(source):
            if custom_id in custom_ids:
                writer.add(b'{"custom_id":"' + custom_id.encode() + b'","params":' + params.encode() + b"}")
        if not writer.count:
            return None
        digest = writer.finish()
        writer.keep()
        return SpoolInfo(writer.path, writer.count, writer.size, digest)


__all__ = [
    "CreatePending",
    "Created",
    "NotCreated",
    "SpoolInfo",
    "create_once",
    "inspect_spool",
    "retryable_custom_ids",
    "write_subset_spool",
]
