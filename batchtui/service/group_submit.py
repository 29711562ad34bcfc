"""Submitting a file too big for one batch as a group of batches (its parts), crash-safe, continuing after a crash.

Order of events, each durable before the next:
1. validate the whole file and spool every part in one pass (service/split.py); nothing is recorded or sent if any
   request is bad;
2. reconcile earlier open submissions; then find an unfinished group with the same plan (digest over the parts'
   body digests): found, it is continued; otherwise the group and every part's plan are recorded;
3. each part in file order goes through the same path as a single submission: recorded with its requests, marked
   `sending`, POSTed; the answer decides exactly as in service/submit.py, and nothing is resent blindly;
4. a 429 or 529 created nothing: the part is marked `failed` ("nothing was created") while it waits, so no other
   process takes it for a lost create, then reopened and sent again. A full processing queue is waited out as
   in-flight batches drain (service/queue.py); an ordinary rate limit is retried a bounded number of times.

The first part that ends without a batch stops the group (nothing more is sent); submitting the file again
continues it. Crash windows, and what the next submit of the same file does:
- before the group is recorded: nothing exists; a fresh group.
- group recorded, part k not recorded, or recorded but not sent: part k is sent (reconcile marks a recorded,
  never-sent part `failed`, which proves nothing was created).
- part k sent, answer lost: reconcile decides, as for any submission; `probable` or `created` counts as done and
  is never sent again; while its outcome is still unknown the submit is refused (exit 2) and nothing is sent.
- part k created but not yet marked: its batch is found by reconcile as the single candidate (probable).
- waiting for the queue: part k is `failed` (nothing created) and is sent on the next submit.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from batchtui.core.cache_estimate import AutoCacheSummary
from batchtui.core.errors import (
    BatchtuiError,
    DuplicateSubmission,
    OutcomeUnknown,
    describe,
    nothing_created_retry,
    retry_after_seconds,
)
from batchtui.core.groups import GroupPart, GroupRecord, GroupSummary, PartSpec
from batchtui.core.inputs import RequestDefaults, ValidationReport
from batchtui.core.inputs.split import SplitLimits
from batchtui.core.models import BatchRecord, Submission
from batchtui.core.reuse import ReuseSummary
from batchtui.core.store.errors import InvalidTransitionError
from batchtui.service.auto_cache import AutoCache, prepare_cached
from batchtui.service.queue import QueueFeeder, QueuePolicy, QueueTooSmall, QueueWaitGaveUp
from batchtui.service.reuse import (
    FOLLOWING_NOTE,
    Reuse,
    ReuseSetup,
    setup_for,
    submit_unsplit,
    summarise,
    unfinished_plan,
)
from batchtui.service.reuse_pass import reuse_rows
from batchtui.service.session import Session
from batchtui.service.split import PreparedParts, prepare_parts
from batchtui.service.spool import read_spool, spooled_requests
from batchtui.service.submit import (
    CREATE_ATTEMPTS,
    RETRY_CAP,
    NotCreated,
    Prepared,
    ProgressSink,
    Source,
    SubmitOutcome,
    attach_batch,
    reconcile_first,
    refuse_duplicate,
    resolve_failed_create,
    store_sidecars,
)

NoteSink = Callable[[str], None]  # one line for the user (the CLI prints it on stderr)


class PartTakenOver(BatchtuiError):
    """Another process moved this part on while this one waited (it submitted the same file): leave it to it."""


STOPPERS = (NotCreated, OutcomeUnknown, QueueTooSmall, QueueWaitGaveUp, PartTakenOver)


@dataclass
class PartOutcome:
    spec: PartSpec
    submission: Submission | None = None
    batch: BatchRecord | None = None
    probable: bool = False  # the create answer was lost; `batch` is the single one that fits, verified when it ends
    earlier: bool = False  # created by an earlier run of this group: not sent now
    error: str | None = None
    retryable: bool = False  # it stopped having provably created nothing, and the same body may succeed later

    @property
    def batch_id(self) -> str | None:
        return self.batch.id if self.batch else None

    @property
    def state(self) -> str:
        """created / probable; unknown (sent, no provable outcome: never sent again blindly); failed (nothing was
        created); pending (not sent in this run)."""
        if self.batch is not None:
            return "probable" if self.probable else "created"
        if self.submission is not None and self.submission.state in ("sending", "unknown"):
            return "unknown"
        return "failed" if self.error else "pending"


@dataclass
class GroupOutcome:
    report: ValidationReport
    group: GroupRecord | None = None
    parts: list[PartOutcome] = field(default_factory=list)
    continued: bool = False  # an unfinished group of the same file was continued
    notes: list[str] = field(default_factory=list)
    error: str | None = None  # why it stopped before every part had its batch
    auto_cache: AutoCacheSummary | None = None  # what auto-caching marked (or would) and should save
    reuse: ReuseSummary | None = None  # what was answered from the cache instead of sent (shown with part 1)

    @property
    def batch_ids(self) -> list[str]:
        return [p.batch.id for p in self.parts if p.batch is not None]

    @property
    def complete(self) -> bool:
        return bool(self.parts) and all(p.batch is not None for p in self.parts)


def group_name(label: str | None, source_file: str | None) -> str:
    return label or (Path(source_file).name if source_file else "requests")


async def submit_source(
    session: Session,
    source: Source,
    limits: SplitLimits,
    *,
    label: str | None = None,
    dry_run: bool = False,
    force: bool = False,
    fmt: str | None = None,
    defaults: RequestDefaults | None = None,
    on_progress: ProgressSink | None = None,
    on_note: NoteSink | None = None,
    policy: QueuePolicy | None = None,
    auto_cache: AutoCache | None = None,
    reuse: Reuse | None = None,
) -> SubmitOutcome | GroupOutcome:
    """Submit a file (or requests made by code), split into a group when it passes one batch's limits. A source
    that fits in one batch goes through `submit` exactly as before (a SubmitOutcome, no group). `auto_cache`
    (a file only): mark shared prefixes for prompt caching, or with `apply` False only estimate what it would save
    (service/auto_cache.py). `reuse`: answer from the cache the requests it already answered, and send only the
    rest (service/reuse.py); when it answers every one, nothing is sent and the answers get a local batch."""
    spool_dir = None if dry_run else session.spool_dir

    async def prepare(setup: ReuseSetup) -> tuple[PreparedParts, AutoCacheSummary | None]:
        if auto_cache is not None and isinstance(source, str | os.PathLike):
            return await asyncio.to_thread(
                prepare_cached, source, spool_dir, limits, auto_cache, fmt=fmt, defaults=defaults,
                on_progress=on_progress, keep_metadata=True, reuse=setup,
            )  # fmt: skip
        parts = await asyncio.to_thread(
            prepare_parts, source, spool_dir, limits, fmt=fmt, defaults=defaults, on_progress=on_progress,
            keep_metadata=True, pipe=setup.first(),
        )  # fmt: skip
        return parts, None

    prepared, summary = await prepare(setup_for(session, reuse, dry_run=dry_run))
    notes: list[str] = []
    if not dry_run and not force and (unfinished := await unfinished_plan(session, prepared)) is not None:
        # The cache answers more (or less) of the file than when its group was planned: follow the plan.
        prepared.discard()
        prepared, summary = await prepare(setup_for(session, reuse, dry_run=False, owner=unfinished.group.id))
        reuse = Reuse(True, reuse.max_age if reuse else None)
        notes.append(FOLLOWING_NOTE.format(unfinished.group.id))
    reused = summarise(prepared.report, prepared.reuse, reuse)
    outcome: SubmitOutcome | GroupOutcome
    if dry_run:
        prepared.discard()
        outcome = GroupOutcome(prepared.report) if prepared.split else SubmitOutcome(prepared.report)
    elif not prepared.split:  # one batch, or none at all when the cache answered every request
        outcome = await submit_unsplit(session, prepared, label=label, force=force, on_progress=on_progress)
    else:
        outcome = await submit_group(
            session, prepared, label=label, force=force, on_progress=on_progress, on_note=on_note, policy=policy
        )
    outcome.notes[:0] = notes
    outcome.auto_cache = summary
    outcome.reuse = reused
    return outcome


async def submit_group(
    session: Session,
    prepared: PreparedParts,
    *,
    label: str | None = None,
    force: bool = False,
    on_progress: ProgressSink | None = None,
    on_note: NoteSink | None = None,
    policy: QueuePolicy | None = None,
    create_attempts: int = CREATE_ATTEMPTS,
    retry_cap: float = RETRY_CAP,
) -> GroupOutcome:
    """Send every part not yet created, in order (see the module docstring). `force`: a new group even when an
    unfinished one of the same file exists (its created parts are then sent again)."""
    outcome = GroupOutcome(prepared.report)
    note = on_note or outcome.notes.append
    try:
        await session.connect()  # after validation: a bad file is refused before the SDK import, key or not
        await reconcile_first(session, outcome.notes)
        existing = None if force else await session.store.unfinished_group(prepared.digest)
        done = {p.spec.part: p for p in existing.parts if p.done} if existing else {}
        if existing is not None:
            _refuse_open_parts(existing)
        if not force:
            for i, part in enumerate(prepared.parts, 1):
                if i not in done:
                    await refuse_duplicate(session, part.digest, prepared.source_digest)  # type: ignore[arg-type]
        group = existing.group if existing else await _record_group(session, prepared, label)
    except BaseException:
        prepared.discard()
        raise
    outcome.group, outcome.continued = group, existing is not None
    if existing is not None:
        note(f"continuing group {group.id} ({len(done)} of {group.part_count} parts already have a batch)")
    feeder = QueueFeeder(session, policy or QueuePolicy())
    parts = existing.parts if existing else [GroupPart(s) for s in _specs(prepared)]
    try:
        for part, spooled in zip(parts, prepared.parts, strict=True):
            result = PartOutcome(part.spec)
            outcome.parts.append(result)
            if part.done:
                result.earlier, result.submission = True, part.submission
                result.batch = part.batch or await session.store.get_batch(part.batch_id)  # type: ignore[arg-type]
                result.probable = part.state == "probable"
                note(f"part {part.spec.part} of {group.part_count} already has its batch: {part.batch_id}")
                spooled.discard()
                continue
            if outcome.error is not None:
                continue  # stopped: the rest stay pending, for the next submit of the file
            sender = _PartSender(session, group, part, spooled, feeder, note, on_progress, prepared.source_digest)
            try:
                await sender.send(result, create_attempts, retry_cap)
            except STOPPERS as exc:
                result.error = outcome.error = f"part {part.spec.part} of {group.part_count}: {exc}"
                result.retryable = isinstance(exc, NotCreated) and exc.retryable
                if result.submission is not None:  # failed (nothing created) or unknown: as the log now says
                    result.submission = await session.store.get_submission(result.submission.id)
            finally:
                spooled.discard()
    finally:
        prepared.discard()
    return outcome


def _refuse_open_parts(group: GroupSummary) -> None:
    """A part sent earlier whose outcome is still unknown must not be sent again: refuse the whole submit."""
    open_parts = [p for p in group.parts if p.state in ("sending", "unknown")]
    if open_parts:
        which = ", ".join(f"part {p.spec.part} (submission {p.submission.id})" for p in open_parts if p.submission)
        raise DuplicateSubmission(
            f"group {group.id} of this file is unfinished and {which} was sent with no answer yet: sending it again "
            "could create a second, billed batch. Run `batchtui sync` to resolve it, then submit the file again to "
            "continue the group (or pass --force to start a new group). Nothing was submitted."
        )


def _specs(prepared: PreparedParts) -> list[PartSpec]:
    return [
        PartSpec(i, p.request_count, p.body_bytes, p.digest or "", plan.first_custom_id, plan.last_custom_id)
        for i, (p, plan) in enumerate(zip(prepared.parts, prepared.report.parts, strict=True), 1)
    ]


async def _record_group(session: Session, prepared: PreparedParts, label: str | None) -> GroupRecord:
    """The group, every part's plan and the answers it reused (shown with part 1), in one transaction."""
    pipe = prepared.reuse
    try:
        return await session.store.record_group(
            name=group_name(label, prepared.source_file),
            source_file=prepared.source_file,
            digest=prepared.digest,
            parts=_specs(prepared),
            source_digest=prepared.source_digest,
            reused=reuse_rows(pipe.sidecar.path) if pipe is not None and pipe.sidecar is not None else (),
        )
    finally:
        if pipe is not None:
            pipe.discard()


@dataclass
class _PartSender:
    """One part through record → send → answer, waiting out a full queue. Its spool stays where `prepare_parts`
    wrote it (named after this live process, so no other process's cleanup removes it while it waits)."""

    session: Session
    group: GroupRecord
    part: GroupPart
    spooled: Prepared
    feeder: QueueFeeder
    note: NoteSink
    on_progress: ProgressSink | None
    source_digest: str | None = None  # the group's file, as read (service/reuse_pass.py)

    @property
    def title(self) -> str:
        return f"part {self.part.spec.part} of {self.group.part_count}"

    async def send(self, result: PartOutcome, attempts: int, cap: float) -> None:
        async with self.session.store.lease_scope():  # leased while it records and sends (core/store/leases.py)
            await self._send(result, attempts, cap)

    async def _send(self, result: PartOutcome, attempts: int, cap: float) -> None:
        sub = await self._open_submission()
        result.submission = sub
        spool, size = self.spooled.spool, self.spooled.body_bytes
        assert spool is not None
        api = self.session.require_api()
        self.note(f"{self.title}: sending {self.part.spec.request_count:,} requests")
        busy = 0
        while True:
            try:
                batch = await api.create(read_spool(spool, self._sent), size)
                break
            except Exception as exc:
                if not nothing_created_retry(exc):
                    await self._resolve(sub, exc, result)
                    return
                await self.session.store.mark_submission_failed(
                    sub.id, f"the API answered {describe(exc)}; nothing was created, safe to send again"
                )
                if not await self.feeder.after_refusal(exc, self.part.spec.request_count, self._queue_note):
                    busy += 1
                    if busy >= attempts:
                        raise NotCreated(
                            f"the API was busy on every attempt ({describe(exc)}); nothing was created"
                        ) from exc
                    delay = min(cap, retry_after_seconds(exc) or 2.0 ** (busy - 1))
                    self.note(f"{self.title}: the API is busy (nothing was created); trying again in {delay:.0f} s")
                    await self.feeder.policy.sleep(delay)
                sub = await self._resend(sub)
        record = await attach_batch(self.session, sub, batch)
        self.feeder.accepted(self.part.spec.request_count)
        result.batch, result.submission = record, await self.session.store.get_submission(sub.id)
        self.note(f"{self.title}: created {batch['id']}")

    async def _resend(self, sub: Submission) -> Submission:
        """failed → recorded → sending, unless another process got there first: the log's transitions decide, so
        two processes never both send one part."""
        store = self.session.store
        try:
            await store.reopen_submission(sub.id)
            return await store.mark_submission_sending(sub.id)
        except InvalidTransitionError as exc:
            now = await store.get_submission(sub.id)
            raise PartTakenOver(
                f"another process moved this part on while this one waited (it is {now.display_state if now else '?'}"
                "); not sending it from here"
            ) from exc

    async def _open_submission(self) -> Submission:
        """The part's submission, recorded with its requests and marked `sending`. A failed earlier attempt
        (nothing was created) is reopened rather than recorded anew: one submission per part."""
        store, spec, spool = self.session.store, self.part.spec, self.spooled.spool
        assert spool is not None
        earlier = self.part.submission
        if earlier is not None and earlier.state == "failed":
            try:
                sub = await store.reopen_submission(earlier.id)
            except InvalidTransitionError as exc:
                raise PartTakenOver(f"another process is sending this part ({exc})") from exc
        else:
            sub = await store.record_submission(
                source_file=self.group.source_file,
                label=f"{self.group.name} (part {spec.part}/{self.group.part_count})",  # one name, continued or not
                request_count=spec.request_count,
                body_bytes=spec.body_bytes,
                params_digest=spec.params_digest,
                group_id=self.group.id,
                group_part=spec.part,
                source_digest=self.source_digest,
            )
        await store.add_requests(sub.id, spooled_requests(spool))  # an upsert: a reopened part may hold some
        await store_sidecars(self.session, sub.id, self.spooled, None)  # the group holds its reused answers
        return await store.mark_submission_sending(sub.id)

    async def _resolve(self, sub: Submission, exc: Exception, result: PartOutcome) -> None:
        """Not a 429/529: the rules of a single submission (NotCreated, OutcomeUnknown, or its batch found)."""
        single = SubmitOutcome(self.spooled.report)
        await resolve_failed_create(self.session, sub, exc, single, spool=self.spooled.spool)
        result.batch, result.probable = single.batch, single.probable
        result.submission = single.submission or result.submission
        for line in single.notes:
            self.note(f"{self.title}: {line}")

    def _sent(self, done: int) -> None:
        if self.on_progress:
            self.on_progress("upload", done, self.spooled.body_bytes)

    def _queue_note(self, processing: int) -> None:
        self.note(f"{self.title} waits for the queue: {processing:,} requests processing")


__all__ = ["GroupOutcome", "PartOutcome", "group_name", "submit_group", "submit_source"]
