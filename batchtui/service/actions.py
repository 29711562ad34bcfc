"""Per-batch actions: cancel, delete, ensure_results, wait. Each applies to every id it is given, reports one
outcome per id, and never lets one failure stop the rest."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from batchtui.core import fmt
from batchtui.core.errors import (
    BatchtuiError,
    NotFound,
    describe,
    is_sdk_error,
    is_transient,
    retry_after_seconds,
)
from batchtui.core.models import BatchRecord
from batchtui.core.reuse import is_local_batch_id
from batchtui.core.schedule import PollSchedule
from batchtui.service.session import Session


@dataclass(frozen=True)
class ActionOutcome:
    batch_id: str
    ok: bool
    status: str  # canceling / ended / deleted on success; a short reason word otherwise
    message: str = ""


LOCAL_NOTE = "a local batch (every answer reused from earlier batches): never on the API, nothing to do there"


def _not_found(exc: BaseException) -> bool:
    return is_sdk_error(exc) and getattr(exc, "status_code", None) == 404


async def cancel(session: Session, batch_ids: Iterable[str]) -> list[ActionOutcome]:
    """Ask the API to cancel each batch, and store the batch it answers with (no second fetch)."""
    api, store = session.require_api(), session.store
    out = []
    for batch_id in batch_ids:
        if is_local_batch_id(batch_id):
            out.append(ActionOutcome(batch_id, False, "local", LOCAL_NOTE))
            continue
        try:
            batch = await api.cancel(batch_id)
        except Exception as exc:
            if not is_sdk_error(exc):
                raise
            if _not_found(exc) and await store.get_batch(batch_id) is not None:
                await store.mark_deleted(batch_id)
            out.append(ActionOutcome(batch_id, False, "failed", describe(exc)))
            continue
        await store.upsert_batches([batch], synced_at=datetime.now(UTC), request_id=api.last_request_id)
        out.append(ActionOutcome(batch_id, True, batch["processing_status"]))
    return out


async def delete(session: Session, batch_ids: Iterable[str], *, force: bool = False) -> list[ActionOutcome]:
    """Delete ended batches from the API. Their results are downloaded first (the API's copy is the only one
    until then): a batch whose results cannot be downloaded is not deleted, unless `force`. The local copy and
    its results stay. A batch the API no longer has is simply marked deleted."""
    store = session.store
    out = []
    for batch_id in batch_ids:
        if is_local_batch_id(batch_id):
            out.append(ActionOutcome(batch_id, False, "local", LOCAL_NOTE))
            continue
        try:
            out.append(await _delete_one(session, batch_id, force))
        except Exception as exc:
            if not is_sdk_error(exc) and not isinstance(exc, BatchtuiError):
                raise
            out.append(ActionOutcome(batch_id, False, "failed", describe(exc)))
    del store
    return out


async def _delete_one(session: Session, batch_id: str, force: bool) -> ActionOutcome:
    api, store, engine = session.require_api(), session.store, session.engine
    try:
        await engine.refresh_one(batch_id)  # the cache may never have seen it, or hold a stale status
    except Exception as exc:
        if not _not_found(exc):
            raise
        if await store.get_batch(batch_id) is None:
            return ActionOutcome(batch_id, False, "not found", f"no batch {batch_id} in this workspace or the cache")
        await store.mark_deleted(batch_id)
        return ActionOutcome(batch_id, True, "deleted", "already gone from the API; the local copy stays")
    batch = await store.get_batch(batch_id)
    assert batch is not None
    if batch.processing_status != "ended":
        return ActionOutcome(
            batch_id, False, "not ended", f"it is {batch.processing_status}, and only ended batches can be deleted "
            "(cancel it first, then delete it once it has ended)",
        )  # fmt: skip
    if batch.results_downloadable:
        try:
            await engine.ensure_download(batch_id)
        except Exception as exc:
            if not force:
                return ActionOutcome(
                    batch_id, False, "results not saved", f"its results could not be downloaded first "
                    f"({describe(exc)}), so it was not deleted: the API holds the only copy. Try again, or pass "
                    "--force to delete it without them",
                )  # fmt: skip
    try:
        await api.delete(batch_id)
    except Exception as exc:
        if not _not_found(exc):
            raise
    await store.mark_deleted(batch_id)
    stored = await store.stored_result_count(batch_id)
    return ActionOutcome(batch_id, True, "deleted", f"{fmt.count(stored)} results kept in the cache")


async def ensure_results(session: Session, batch_id: str) -> BatchRecord:
    """The batch with its results in the cache: downloaded now if needed (a running download is joined).
    Raises BatchtuiError when there are none to have (still running, archived, unknown batch)."""
    store = session.store
    batch = await store.get_batch(batch_id)
    if batch is not None and batch.results_state == "complete":
        return batch
    engine = session.engine
    try:
        await engine.refresh_one(batch_id)
    except Exception as exc:
        if not _not_found(exc):
            raise
        if batch is None:
            raise NotFound(f"No batch {batch_id} in this workspace or the cache.") from None
        await store.mark_deleted(batch_id)
    batch = await store.get_batch(batch_id)
    assert batch is not None
    if batch.processing_status != "ended":
        raise BatchtuiError(
            f"{batch_id} is {batch.processing_status}; results exist once it has ended "
            f"(expires {fmt.until(batch.expires_at)})."
        )
    if batch.results_downloadable:
        await engine.ensure_download(batch_id)
    elif batch.results_state != "complete" and not batch.results_rows:
        why = "deleted" if batch.deleted_remotely else "archived"
        raise BatchtuiError(f"{batch_id} was {why} before its results were downloaded; the API no longer serves them.")
    return await store.get_batch(batch_id)  # type: ignore[return-value]


class WaitGaveUp(BatchtuiError):
    """Waiting stopped on repeated failures; the batch itself is fine and keeps running."""

    def __init__(self, batch_id: str, cause: BaseException) -> None:
        self.batch_id = batch_id
        self.cause = cause
        super().__init__(
            f"Stopped waiting for {batch_id}: {describe(cause)} The batch keeps running; do not resubmit. "
            f"Follow it with `batchtui sync --watch`, or fetch its results with `batchtui results {batch_id}`."
        )


async def wait(
    session: Session,
    batch_id: str,
    *,
    download: bool = True,
    max_failures: int = 8,
    schedule: PollSchedule | None = None,
    on_poll: Callable[[BatchRecord], None] | None = None,
    sleep: Callable[[float], object] = asyncio.sleep,
) -> BatchRecord:
    """Poll one batch with backoff until it ends, then (with `download`) fetch its results. Transient failures
    (connection, 429, 5xx, a cut results stream) are retried with backoff, honouring retry-after; after
    `max_failures` in a row it raises WaitGaveUp naming the batch."""
    schedule = schedule or PollSchedule(brisk=2.0, busy_cap=60.0)
    engine = session.engine
    failures = 0
    while True:
        try:
            await engine.refresh_one(batch_id)
            batch = await session.store.get_batch(batch_id)
            assert batch is not None
            if on_poll:
                on_poll(batch)
            if batch.processing_status == "ended":
                if download and batch.results_downloadable:
                    await engine.download_results(batch_id)  # resumable: a retry continues where it stopped
                return await session.store.get_batch(batch_id)  # type: ignore[return-value]
            failures = 0
            delay = schedule.after_success(changed=False, in_flight=True)
        except Exception as exc:
            if not is_transient(exc):
                raise
            failures += 1
            if failures >= max_failures:
                raise WaitGaveUp(batch_id, exc) from exc
            delay = schedule.after_error(retry_after_seconds(exc))
        await sleep(delay)  # type: ignore[misc]
