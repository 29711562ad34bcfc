"""Submitting a file as a batch, crash-safe.

Order of events, each durable before the next:
1. validate the whole file (nothing is recorded or sent if any line is bad);
2. spool the exact request body to disk, one request per line, hashing it as it goes;
3. record the submission and its requests in the store (state `recorded`);
4. mark it `sending`, then POST the spooled body (never retried by the SDK);
5. on an answer: `created` (with the batch id) or `failed`; on no answer: `unknown`.
A submission left `sending`/`unknown` (crash, lost response) is reconciled against the listed batches by creation
time and request count: attached to its batch, or marked failed when no batch exists. It is never blindly resent.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anthropic

from batchtui.core.client import BatchApi
from batchtui.core.errors import BatchtuiError, OutcomeUnknown, UsageError, describe, is_transient
from batchtui.core.inputs import InvalidInputFile, ValidationReport, iter_valid_requests, validate_file
from batchtui.core.models import BatchRecord, Submission, parse_time
from batchtui.core.store import Store

SPOOL_READ = 1 << 20
RECONCILE_BEFORE = timedelta(minutes=2)  # clock skew between us and the API
RECONCILE_AFTER = timedelta(minutes=10)
RECONCILE_GRACE = timedelta(minutes=2)  # a new batch can take a while to appear in `list`


class ValidationFailed(UsageError):
    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(f"{report.file}: {report.error_count} problem(s); nothing was submitted")


@dataclass
class SubmitOutcome:
    report: ValidationReport
    submission: Submission | None = None
    batch: BatchRecord | None = None
    notes: list[str] = field(default_factory=list)


ProgressSink = Callable[[str, int, int], None]  # (phase, done, total)


async def submit_file(
    store: Store,
    api: BatchApi | None,
    path: Path,
    *,
    label: str | None = None,
    dry_run: bool = False,
    parent_batch_id: str | None = None,
    on_progress: ProgressSink | None = None,
) -> SubmitOutcome:
    report = await asyncio.to_thread(validate_file, path)
    if not report.ok:
        raise ValidationFailed(report)
    outcome = SubmitOutcome(report)
    if dry_run:
        return outcome
    assert api is not None, "a real submit needs an API client"
    spool_dir = store.path.parent / "spool"
    try:
        spool = await asyncio.to_thread(_spool_body, path, spool_dir, report, on_progress)
    except InvalidInputFile as exc:
        raise UsageError(f"{exc}; nothing was submitted") from None
    submission = await store.record_submission(
        source_file=str(path.resolve()),
        label=label,
        request_count=spool.requests,
        body_bytes=spool.size,
        params_digest=spool.digest,
        parent_batch_id=parent_batch_id,
    )
    final_spool = spool.path.with_name(f"{submission.id}.json")
    os.replace(spool.path, final_spool)
    await store.add_requests(submission.id, _spooled_requests(final_spool))
    await store.mark_submission_sending(submission.id)
    try:
        batch = await api.create(_read_spool(final_spool, spool.size, on_progress), spool.size)
    except Exception as exc:
        await _create_failed(store, api, submission, exc, final_spool, outcome)
        return outcome
    outcome.batch = await _attach(store, submission, batch, api.last_request_id)
    outcome.submission = await store.get_submission(submission.id)
    final_spool.unlink(missing_ok=True)
    return outcome


async def _create_failed(
    store: Store, api: BatchApi, submission: Submission, exc: Exception, spool: Path, outcome: SubmitOutcome
) -> None:
    definite_no = isinstance(exc, anthropic.APIStatusError) and (
        exc.status_code < 500 and exc.status_code not in (408, 409)
    )
    if definite_no:
        # The API answered with a refusal (4xx, including 429): no batch was created.
        await store.mark_submission_failed(submission.id, describe(exc))
        spool.unlink(missing_ok=True)
        raise BatchtuiError(f"The API refused the batch: {describe(exc)}") from exc
    if not is_transient(exc):
        await store.mark_submission_unknown(submission.id, describe(exc))
        raise exc
    # No answer (connection lost, timeout) or a 5xx: the batch may or may not exist. Look before anything else.
    await store.mark_submission_unknown(submission.id, describe(exc))
    try:
        results = await reconcile(store, api, only=submission.id, grace=RECONCILE_GRACE)
    except Exception:
        results = []
    attached = next((r for r in results if r.batch_id), None)
    if attached:
        outcome.batch = await store.get_batch(attached.batch_id)
        outcome.submission = await store.get_submission(submission.id)
        outcome.notes.append(
            f"The create response was lost ({describe(exc)}), but the batch exists: attached {attached.batch_id}."
        )
        spool.unlink(missing_ok=True)
        return
    raise OutcomeUnknown(
        f"The create request got no answer ({describe(exc)}). Submission {submission.id} is recorded; batchtui "
        "will match it to its batch (or mark it failed) on the next `batchtui sync`. Do not resubmit before then."
    ) from exc


async def _attach(store: Store, submission: Submission, batch: dict, request_id: str | None) -> BatchRecord | None:
    await store.upsert_batches([batch], synced_at=datetime.now(UTC), request_id=request_id)
    await store.mark_submission_created(submission.id, batch["id"])
    await store.link_requests(submission.id, batch["id"])
    return await store.get_batch(batch["id"])


# -- reconciliation ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reconciled:
    submission_id: str
    batch_id: str | None  # None: marked failed (no batch exists), or still waiting
    state: str


async def reconcile(
    store: Store,
    api: BatchApi,
    *,
    only: str | None = None,
    grace: timedelta = RECONCILE_GRACE,
    now: datetime | None = None,
) -> list[Reconciled]:
    """Resolve submissions whose create outcome is unknown (crash, lost response) against the listed batches."""
    now = now or datetime.now(UTC)
    pending = [s for s in await store.list_submissions() if s.state in ("recorded", "sending", "unknown")]
    if only is not None:
        pending = [s for s in pending if s.id == only]
    out: list[Reconciled] = []
    for sub in [s for s in pending if s.state == "recorded"]:
        # Recorded but never sent (the process died before the POST): nothing can exist.
        await store.mark_submission_failed(sub.id, "interrupted before it was sent; safe to submit again")
        out.append(Reconciled(sub.id, None, "failed"))
    unsure = [s for s in pending if s.state in ("sending", "unknown")]
    if not unsure:
        return out
    earliest = min(s.sent_at or s.created_at for s in unsure) - RECONCILE_BEFORE
    candidates: list[dict] = []
    async for page in api.list_pages():
        candidates.extend(page)
        if page and parse_time(page[-1]["created_at"]) < earliest:
            break
    await store.upsert_batches(candidates, synced_at=now, request_id=api.last_request_id)
    taken = {s.batch_id for s in await store.list_submissions() if s.batch_id}
    for sub in sorted(unsure, key=lambda s: s.sent_at or s.created_at):
        sent = sub.sent_at or sub.created_at
        matches = [
            b
            for b in candidates
            if b["id"] not in taken
            and sent - RECONCILE_BEFORE <= parse_time(b["created_at"]) <= sent + RECONCILE_AFTER
            and sum(b["request_counts"].values()) == sub.request_count
        ]
        if matches:
            best = min(matches, key=lambda b: abs((parse_time(b["created_at"]) - sent).total_seconds()))
            taken.add(best["id"])
            await store.mark_submission_created(sub.id, best["id"])
            await store.link_requests(sub.id, best["id"])
            _spool_path(store, sub.id).unlink(missing_ok=True)
            out.append(Reconciled(sub.id, best["id"], "created"))
        elif now - sent > grace:
            await store.mark_submission_failed(sub.id, "no batch was created for it; safe to submit again")
            _spool_path(store, sub.id).unlink(missing_ok=True)
            out.append(Reconciled(sub.id, None, "failed"))
        else:
            out.append(Reconciled(sub.id, None, sub.state))
    return out


def _spool_path(store: Store, submission_id: str) -> Path:
    return store.path.parent / "spool" / f"{submission_id}.json"


# -- the spooled body ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spool:
    path: Path
    size: int
    digest: str
    requests: int


_ITEM_PREFIX = b'{"custom_id":"'
_ITEM_MIDDLE = b'","params":'


def _spool_body(path: Path, spool_dir: Path, report: ValidationReport, on_progress: ProgressSink | None) -> Spool:
    """Write `{"requests":[` + one compact request object per line + `]}`: valid JSON, streamable, and easy to read
    back line by line. custom_ids match ^[a-zA-Z0-9_-]+$ (validated), so they need no JSON escaping."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    tmp = spool_dir / f"tmp-{os.getpid()}-{id(path)}.json"
    digest = hashlib.sha256()
    size = count = 0
    with open(tmp, "wb") as out, _removed_on_error(tmp):

        def emit(data: bytes) -> None:
            nonlocal size
            out.write(data)
            digest.update(data)
            size += len(data)

        emit(b'{"requests":[\n')
        # expected_sha256: the file must not have changed since it was validated.
        for req in iter_valid_requests(path, expected_sha256=report.sha256):
            params = json.dumps(req.params, separators=(",", ":"), ensure_ascii=False).encode()
            emit((b",\n" if count else b"") + _ITEM_PREFIX + req.custom_id.encode() + _ITEM_MIDDLE + params + b"}")
            count += 1
            if on_progress and count % 5000 == 0:
                on_progress("prepare", count, report.request_count)
        emit(b"\n]}")
        out.flush()
        os.fsync(out.fileno())
    return Spool(tmp, size, digest.hexdigest(), count)


@contextlib.contextmanager
def _removed_on_error(path: Path):
    try:
        yield
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _spooled_requests(spool: Path):
    """(custom_id, params_json) for each request in a spool, read back without re-parsing the JSON."""
    with open(spool, "rb") as f:
        for raw in f:
            line = raw.rstrip(b"\n").removesuffix(b",")
            if not line.startswith(_ITEM_PREFIX):
                continue
            cid_end = line.index(_ITEM_MIDDLE)
            custom_id = line[len(_ITEM_PREFIX) : cid_end].decode()
            yield custom_id, line[cid_end + len(_ITEM_MIDDLE) : -1].decode()


async def _read_spool(spool: Path, size: int, on_progress: ProgressSink | None) -> AsyncIterator[bytes]:
    sent = 0
    with open(spool, "rb") as f:
        while chunk := await asyncio.to_thread(f.read, SPOOL_READ):
            sent += len(chunk)
            if on_progress:
                on_progress("upload", sent, size)
            yield chunk
