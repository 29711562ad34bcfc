"""Submitting requests as a batch, crash-safe, from a file in any registered format or from an iterable.

Order of events, each durable before the next:
1. `prepare`: validate every request and spool the exact create body in the same pass (a file is read once; the
   dashboard prepares while it shows the preview and sends that very spool). Nothing is recorded or sent if any
   request is bad.
2. reconcile earlier submissions whose outcome is unknown, and refuse a body identical to one of them;
3. record the submission and its requests (state `recorded`), then mark it `sending` and POST the spool;
4. the answer decides, and nothing is ever resent blindly:
   - a batch: `created`;
   - no connection at all (refused, DNS, TLS): `failed`, not sent, safe to submit again;
   - 429 / 529: nothing was created, so the same body is sent again after the server's `retry-after` (with
     backoff), up to a bound, then `failed`;
   - another 4xx: `failed` (refused);
   - a lost answer, a timeout, another 5xx: `unknown`, resolved by `service.reconcile` (never resent).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batchtui.core.cache_estimate import AutoCacheSummary
from batchtui.core.errors import (
    BatchtuiError,
    DuplicateSubmission,
    OutcomeUnknown,
    UsageError,
    describe,
    never_sent,
    nothing_created_retry,
    refused,
    retry_after_seconds,
)
from batchtui.core.inputs import RequestDefaults, SourceRequest, ValidationReport, validate_file
from batchtui.core.inputs.validate import validate_requests
from batchtui.core.models import BatchRecord, Submission
from batchtui.core.reuse import ReuseSummary
from batchtui.service.reuse_pass import ReusePass, file_hashes, reuse_rows
from batchtui.service.session import Session
from batchtui.service.spool import SpoolWriter, read_spool, spool_path, spooled_metadata, spooled_requests

if TYPE_CHECKING:
    from batchtui.service.reconcile import Reconciled

CREATE_ATTEMPTS = 6  # a 429/529 answer is retried this many times in all (nothing was created by it)
RETRY_CAP = 60.0  # seconds: the longest wait between two attempts
PREPARE_REPORT_EVERY = 5000

ProgressSink = Callable[[str, int, int], None]  # (phase, done, total): "prepare", "upload", "retry"
Source = str | os.PathLike[str] | Iterable[SourceRequest | dict[str, Any]]


class ValidationFailed(UsageError):
    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(f"{report.file}: {report.error_count} problem(s); nothing was submitted")


class NotCreated(BatchtuiError):
    """The API provably created nothing (never reached, refused, or rate limited to the end): safe to retry.
    `retryable`: the same body may succeed later (not reached, busy); False when the API refused it."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass
class Prepared:
    """A validated source and, unless it was a dry run, its spooled create body. `discard()` if it is not sent."""

    report: ValidationReport
    source_file: str | None  # the file it came from (None for requests made by code)
    spool: Path | None = None
    digest: str | None = None  # sha256 of the body: equal bodies, equal digests
    body_bytes: int = 0
    request_count: int = 0
    metadata: Path | None = None  # the requests' local metadata (spool sidecar), stored with them, never sent
    hashes: Path | None = None  # file hashes of requests sent changed (service/reuse_pass.py), stored with them

    def discard(self) -> None:
        if self.spool is not None:
            self.spool.unlink(missing_ok=True)
            self.spool = None
        self.drop_metadata()

    def drop_metadata(self) -> None:
        for sidecar in (self.metadata, self.hashes):
            if sidecar is not None:
                sidecar.unlink(missing_ok=True)
        self.metadata = self.hashes = None


@dataclass
class SubmitOutcome:
    report: ValidationReport
    submission: Submission | None = None
    batch: BatchRecord | None = None
    probable: bool = False  # `batch` is the submission's probable batch (answer lost), not yet verified
    notes: list[str] = field(default_factory=list)
    auto_cache: AutoCacheSummary | None = None  # what auto-caching marked (or would) and should save
    reuse: ReuseSummary | None = None  # what was answered from the cache instead of sent (`--reuse`)

    @property
    def batch_ids(self) -> list[str]:
        return [self.batch.id] if self.batch is not None else []


def prepare(
    source: Source,
    spool_dir: Path | None,
    *,
    fmt: str | None = None,
    defaults: RequestDefaults | None = None,
    name: str = "<requests>",
    on_progress: ProgressSink | None = None,
    keep_metadata: bool = False,
) -> Prepared:
    """Validate `source` and (when `spool_dir` is given) spool its body in the same pass. Blocking: run it on a
    thread. Raises ValidationFailed (nothing kept) when any request is bad. `keep_metadata`: also spool the
    requests' metadata (CSV extra columns) for `submit` to store; whoever passes it must `discard()` or submit."""
    is_file = isinstance(source, str | os.PathLike)
    writer = SpoolWriter(spool_dir) if spool_dir is not None else None

    def told(before: int) -> None:
        """Progress, each time the count passes a multiple of PREPARE_REPORT_EVERY."""
        assert writer is not None
        if on_progress and writer.count // PREPARE_REPORT_EVERY != before // PREPARE_REPORT_EVERY:
            on_progress("prepare", writer.count, 0)

    def on_request(req: SourceRequest, item: bytes) -> None:
        assert writer is not None
        writer.add(item)
        if keep_metadata and req.metadata:
            writer.add_metadata(req.custom_id, req.metadata)
        told(writer.count - 1)

    def on_items(items: list[bytes]) -> None:  # the fast lane's requests, a block at a time (no metadata)
        assert writer is not None
        before = writer.count
        writer.add_many(items)
        told(before)

    sink = on_request if writer is not None else None
    many = on_items if writer is not None else None
    try:
        if is_file:
            report = validate_file(source, fmt=fmt, defaults=defaults, on_request=sink, on_items=many)  # type: ignore[arg-type]
        else:
            report = validate_requests(source, name=name, on_request=sink)  # type: ignore[arg-type]
        if not report.ok:
            raise ValidationFailed(report)
        prepared = Prepared(report, str(Path(source).resolve()) if is_file else None)  # type: ignore[arg-type]
        if writer is not None:
            prepared.digest = writer.finish()
            prepared.spool, prepared.body_bytes, prepared.request_count = writer.path, writer.size, writer.count
            prepared.metadata = writer.metadata_path
            writer.keep()
        return prepared
    finally:
        if writer is not None:
            writer.__exit__(None, None, None)


async def submit(
    session: Session,
    source: Source | Prepared,
    *,
    label: str | None = None,
    parent_batch_id: str | None = None,
    dry_run: bool = False,
    force: bool = False,
    fmt: str | None = None,
    defaults: RequestDefaults | None = None,
    on_progress: ProgressSink | None = None,
    create_attempts: int = CREATE_ATTEMPTS,
    retry_cap: float = RETRY_CAP,
    reuse: ReusePass | None = None,
    source_digest: str | None = None,
) -> SubmitOutcome:
    """Submit `source` (a file path, an iterable of requests, or what `prepare` returned) as one batch. `reuse`:
    the answers its pass took from the cache, recorded with the submission before it is sent (service/reuse.py);
    `source_digest`: the file's requests as read, so the same file is recognised however much of it was reused."""
    if isinstance(source, Prepared):
        prepared = source
    else:
        spool_dir = None if dry_run else session.spool_dir
        prepared = await asyncio.to_thread(
            prepare, source, spool_dir, fmt=fmt, defaults=defaults, on_progress=on_progress, keep_metadata=True
        )
    outcome = SubmitOutcome(prepared.report)
    if dry_run:
        prepared.discard()
        return outcome
    try:
        await session.connect()  # after validation: a bad file is refused before the SDK import, key or not
        assert prepared.spool is not None and prepared.digest is not None, "prepared without a spool (dry run?)"
        found = await reconcile_first(session, outcome.notes)
        if not force:
            await refuse_duplicate(session, prepared.digest, source_digest, found=found)
    except BaseException:
        prepared.discard()
        raise
    # Leased from record to outcome: another process's reconcile leaves it alone however long the upload takes.
    async with session.store.lease_scope():
        submission = await session.store.record_submission(
            source_file=prepared.source_file,
            label=label,
            request_count=prepared.request_count,
            body_bytes=prepared.body_bytes,
            params_digest=prepared.digest,
            parent_batch_id=parent_batch_id,
            source_digest=source_digest,
        )
        spool = spool_path(session.store.path, submission.id)
        os.replace(prepared.spool, spool)
        prepared.spool = spool
        await session.store.add_requests(submission.id, spooled_requests(spool))
        await store_sidecars(session, submission.id, prepared, reuse)
        await session.store.mark_submission_sending(submission.id)
        try:
            batch = await send_spool(session, spool, prepared.body_bytes, on_progress, create_attempts, retry_cap)
        except Exception as exc:
            await resolve_failed_create(session, submission, exc, outcome)
            return outcome
        outcome.batch = await attach_batch(session, submission, batch)
        outcome.submission = await session.store.get_submission(submission.id)
        spool.unlink(missing_ok=True)
        return outcome


async def store_sidecars(session: Session, submission_id: str, prepared: Prepared, reuse: ReusePass | None) -> None:
    """What the pass kept beside the spool, stored with the submission before it is sent: the requests' metadata,
    the file hashes of requests sent changed, and the answers taken from the cache (materialised into its batch's
    results once that exists: core/store/reuse.py)."""
    store = session.store
    if prepared.metadata is not None:
        await store.add_request_metadata(submission_id, spooled_metadata(prepared.metadata))
    if prepared.hashes is not None:
        await store.set_reuse_hashes(submission_id, file_hashes(prepared.hashes))
    prepared.drop_metadata()
    if reuse is not None and reuse.sidecar is not None:
        await store.record_reuses(submission_id, reuse_rows(reuse.sidecar.path))
        reuse.discard()


async def reconcile_first(session: Session, notes: list[str]) -> list[Reconciled]:
    """Resolve what can be resolved before sending more (returned); a failure here must not block a submit."""
    from batchtui.service.reconcile import reconcile

    if not await session.store.unresolved_submissions() and not await session.store.submissions_in("recorded"):
        return []
    try:
        results = await reconcile(session)
    except Exception as exc:
        notes.append(f"could not reconcile earlier submissions first: {describe(exc)}")
        return []
    notes.extend(r.describe() for r in results)
    return results


async def refuse_duplicate(
    session: Session, digest: str, source_digest: str | None = None, *, found: Iterable[Reconciled] = ()
) -> None:
    """Refuse a body identical to an unresolved submission's, or the same file (`source_digest`) however much of
    it is now answered from the cache: what the cache answers changes the body, not the risk of a second batch.
    `found`: what this run's reconcile just resolved. A submission of the same requests whose batch it found
    (its create was cut off: the user re-runs the same command) is refused too: its batch exists."""
    for r in found:
        other = await session.store.get_submission(r.submission_id) if r.state == "created" and r.changed else None
        if other is not None and (other.params_digest == digest or _same_file(other, source_digest)):
            where = f" from {other.source_file}" if other.source_file else ""
            raise DuplicateSubmission(
                f"submission {other.id}{where} has exactly these requests: its create got no answer, and its batch "
                f"{r.batch_id} was found just now. Sending them again would create a second, billed batch. Follow "
                f"it with `batchtui show {r.batch_id}`, or pass --force to submit anyway. Nothing was submitted."
            )
    for other in await session.store.unresolved_submissions():
        if other.params_digest == digest or _same_file(other, source_digest):
            where = f" from {other.source_file}" if other.source_file else ""
            raise DuplicateSubmission(
                f"submission {other.id}{where} has exactly these requests and its outcome is still unknown "
                f"({other.error or 'sent, no answer'}); sending them again could create a second, billed batch. "
                "Run `batchtui sync` to resolve it, or pass --force to submit anyway. Nothing was submitted."
            )


def _same_file(other: Submission, source_digest: str | None) -> bool:
    return source_digest is not None and other.source_digest == source_digest


async def send_spool(
    session: Session,
    spool: Path,
    size: int,
    on_progress: ProgressSink | None = None,
    attempts: int = CREATE_ATTEMPTS,
    cap: float = RETRY_CAP,
) -> dict[str, Any]:
    """POST a spooled body, sending it again only on answers that prove nothing was created (429/529)."""
    api = session.require_api()

    def sent(done: int) -> None:
        if on_progress:
            on_progress("upload", done, size)

    for attempt in range(1, attempts + 1):
        try:
            return await api.create(read_spool(spool, sent), size)
        except Exception as exc:
            if not nothing_created_retry(exc) or attempt == attempts:
                raise
            delay = min(cap, retry_after_seconds(exc) or 2.0 ** (attempt - 1))
            if on_progress:
                on_progress("retry", attempt, attempts)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


async def resolve_failed_create(
    session: Session, submission: Submission, exc: Exception, outcome: SubmitOutcome, *, spool: Path | None = None
) -> None:
    """After a create raised: mark the submission failed (and raise NotCreated) when nothing can exist, else
    mark it unknown and reconcile it at once: `outcome` gets its batch if one is found, else OutcomeUnknown."""
    store = session.store
    owned = spool is None  # a spool passed in belongs to the caller (a durable engine sends it again)
    spool = spool or spool_path(store.path, submission.id)
    if never_sent(exc) or nothing_created_retry(exc) or refused(exc):
        if never_sent(exc):
            why = f"not sent: {describe(exc)}"
        elif nothing_created_retry(exc):
            why = f"the API was busy on every attempt ({describe(exc)})"
        else:
            why = f"the API refused it: {describe(exc)}"
        await store.mark_submission_failed(submission.id, f"{why}; nothing was created, safe to submit again")
        if owned:
            spool.unlink(missing_ok=True)
        raise NotCreated(
            f"{_first_upper(why)}. Nothing was created; it is safe to submit again.", retryable=not refused(exc)
        ) from exc
    submission = await store.mark_submission_unknown(submission.id, describe(exc))
    # The batch may or may not exist: look before anything else, and never resend.
    from batchtui.service.reconcile import reconcile

    if session.settle is not None:  # the caller waits: look until it is known (service/settle.py)
        from batchtui.service.settle import settle

        settled = await settle(session, submission, session.settle, describe(exc))
        if settled.state == "failed":
            raise NotCreated(f"Submission {submission.id}: {settled.error}.") from exc
        found_id = settled.batch_id or settled.candidate_batch_id
        probable = settled.state != "created"
    else:
        try:
            results = await reconcile(session, only=submission.id)
        except Exception:
            results = []
        found = next((r for r in results if r.batch_id), None)
        found_id, probable = (found.batch_id, found.state == "probable") if found is not None else (None, False)
    if found_id is not None:
        outcome.batch = await store.get_batch(found_id)
        outcome.submission = await store.get_submission(submission.id)
        outcome.probable = probable
        if outcome.probable:
            outcome.notes.append(
                f"The create answer was lost ({describe(exc)}). {found_id} is the only batch of this size "
                "created at that time, so it is probably this one; it is verified against these requests' custom_ids "
                "when it ends. Do not resubmit."
            )
        else:
            outcome.notes.append(f"The create answer was lost ({describe(exc)}); its batch exists: {found_id}.")
        return
    raise OutcomeUnknown(
        f"The create request got no answer ({describe(exc)}). Submission {submission.id} is recorded; batchtui "
        "matches it to its batch (or proves none was made) on the next `batchtui sync`. Do not resubmit before then."
    ) from exc


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


async def attach_batch(session: Session, submission: Submission, batch: dict[str, Any]) -> BatchRecord | None:
    store = session.store
    api = session.require_api()
    await store.upsert_batches([batch], synced_at=datetime.now(UTC), request_id=api.last_request_id)
    await store.mark_submission_created(submission.id, batch["id"])
    return await store.get_batch(batch["id"])
