"""`submit --reuse`: never pay twice for the same request. The options, the lookups a pass makes (service/
reuse_pass.py), what it adds up to, and the submit of a file whose every request the cache answered.

Which hash: the params as the file gives them (defaults filled in), before auto-cache adds its breakpoints. The
marks change what is sent but not the answer, and they depend on which other requests share a prefix, so hashing
what is sent would miss the same file sent with, or without, `--auto-cache` (and a file reused in part, whose
marks differ). The store keeps that hash for requests sent changed (`requests.reuse_hash`).

What is reused: only `succeeded` results of batches this cache submitted (their params are known), exactly equal
by hash, newest answer first, optionally no older than `max_age` (by the end of their batch). Never an errored,
canceled or expired result, never a copy of a reused answer.

Continuing a file: a submission or group records its file's source digest (every request as read). Submitting the
same file again while a group of it is unfinished follows that group's recorded decisions, not the cache as it is
now (which may answer more): otherwise the plan would change, the group would not be found, and parts already sent
would be sent again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from batchtui.core.inputs import ValidationReport
from batchtui.core.models import BatchRecord
from batchtui.core.reuse import ReuseSource, ReuseSummary
from batchtui.core.store import Store
from batchtui.service.reuse_pass import Lookup, Pending, ReusePass, reuse_rows
from batchtui.service.session import Session
from batchtui.service.submit import ProgressSink, SubmitOutcome, submit

if TYPE_CHECKING:
    from batchtui.core.groups import GroupSummary
    from batchtui.service.split import PreparedParts

T = TypeVar("T")
LOOKUP_TIMEOUT = 600.0  # seconds


@dataclass(frozen=True)
class Reuse:
    """`apply`: leave requests the cache answered out of what is sent (False: only count them, e.g. the create
    preview before its box is ticked). `max_age`: reuse only answers whose batch ended at most this long ago."""

    apply: bool = True
    max_age: timedelta | None = None

    def since(self, now: datetime | None = None) -> datetime | None:
        return None if self.max_age is None else (now or datetime.now(UTC)) - self.max_age


def _blocking(loop: asyncio.AbstractEventLoop) -> Callable[[Coroutine[Any, Any, T]], T]:
    """Run a store coroutine from the validator's thread on the event loop that owns the store, and wait."""

    def run(coro: Coroutine[Any, Any, T]) -> T:
        # A lookup takes milliseconds; bounded, so a loop that stopped (the app quitting) cannot hang the thread.
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=LOOKUP_TIMEOUT)

    return run


def cache_lookup(store: Store, loop: asyncio.AbstractEventLoop, options: Reuse) -> Lookup:
    """Each chunk's hashes looked up in one query: the newest succeeded answer of each, within `max_age`."""
    run, since = _blocking(loop), options.since()

    def lookup(chunk: Sequence[Pending]) -> dict[int, ReuseSource]:
        found = run(store.answered(sorted({p.hash for p in chunk}), since=since))
        return {p.n: found[p.hash] for p in chunk if p.hash in found}

    return lookup


def recorded_lookup(store: Store, loop: asyncio.AbstractEventLoop, owner: str) -> Lookup:
    """What `owner` (an unfinished group of the same file) recorded, by custom_id: its plan, not today's cache."""
    run = _blocking(loop)

    def lookup(chunk: Sequence[Pending]) -> dict[int, ReuseSource]:
        found = run(store.recorded_reuses(owner, [p.req.custom_id for p in chunk]))
        return {p.n: found[p.req.custom_id] for p in chunk if p.req.custom_id in found}

    return lookup


@dataclass(frozen=True)
class ReuseSetup:
    """How a file's pass(es) treat reuse, made on the event loop (its lookup reaches the store from the thread).
    With no lookup the pass still takes the source digest and, with auto-cache, the file hashes."""

    options: Reuse | None = None
    lookup: Lookup | None = None
    sidecar_dir: Path | None = None  # where the answers taken are written (None: a dry run)

    def first(self) -> ReusePass:
        apply = self.options.apply if self.options is not None else True
        return ReusePass(lookup=self.lookup, apply=apply, sidecar_dir=self.sidecar_dir)

    @staticmethod
    def following(skip: Collection[int], marked: Callable[[], bool]) -> ReusePass:
        """Auto-cache's second pass: the first's decisions (by request number), and which requests it marks."""
        return ReusePass(skip=skip, marked=marked)


def setup_for(session: Session, options: Reuse | None, *, dry_run: bool, owner: str | None = None) -> ReuseSetup:
    """The setup for one prepare, made on the running loop. `owner`: follow that group's recorded decisions."""
    loop = asyncio.get_running_loop()
    lookup: Lookup | None = None
    if owner is not None:
        lookup, options = recorded_lookup(session.store, loop, owner), Reuse(True)
    elif options is not None:
        lookup = cache_lookup(session.store, loop, options)
    return ReuseSetup(options, lookup, None if dry_run else session.spool_dir)


def sent_estimate(report: ValidationReport, pipe: ReusePass | None) -> tuple[tuple[float, float], int]:
    """The estimate (low, high) and unpriced requests of what is sent: the file's, less the reused requests'."""
    low, high = report.estimated_cost_usd
    if pipe is None or not pipe.dropped:
        return (low, high), report.unpriced_requests
    t = pipe.tally
    rest = (max(0.0, low - t.estimate_low_usd), max(0.0, high - t.estimate_high_usd))
    return rest, report.unpriced_requests - t.estimate_unpriced


def summarise(report: ValidationReport, pipe: ReusePass | None, options: Reuse | None) -> ReuseSummary | None:
    """What reuse did to a prepared file (None when it was not asked for). `report.parts` plans what is sent."""
    if options is None or pipe is None:
        return None
    cost, unpriced = sent_estimate(report, pipe)
    sent = report.request_count - len(pipe.dropped)
    body = sum(p.body_bytes for p in report.parts) if pipe.dropped else report.body_bytes
    return ReuseSummary(options.apply, options.max_age, report.request_count, pipe.tally, sent, body, cost, unpriced)


async def unfinished_plan(session: Session, prepared: PreparedParts) -> GroupSummary | None:
    """An unfinished group of this very file (its source digest) planned otherwise, because the cache answers more,
    or less, of it now: the file must be prepared again following that group's recorded decisions."""
    if prepared.source_digest is None:
        return None
    group = await session.store.unfinished_group_of_source(prepared.source_digest)
    return group if group is not None and group.group.digest != prepared.digest else None


FOLLOWING_NOTE = "group {} of this file is unfinished: it goes on as it was planned, reusing the answers it reused then"


async def record_all_reused(
    session: Session, pipe: ReusePass, *, label: str | None, source_file: str | None, source_digest: str
) -> BatchRecord:
    """Every request was answered from the cache: no batch is created; the answers get a local batch of their own,
    recorded with them in one transaction (core/store/reuse.py), so they can be read and exported under one id."""
    rows = reuse_rows(pipe.sidecar.path if pipe.sidecar is not None else None)
    try:
        return await session.store.record_local_batch(
            label=label, source_file=source_file, source_digest=source_digest, reused=rows
        )
    finally:
        pipe.discard()


async def submit_unsplit(
    session: Session,
    prepared: PreparedParts,
    *,
    label: str | None,
    force: bool = False,
    on_progress: ProgressSink | None = None,
) -> SubmitOutcome:
    """A prepared file that is no group: its one batch, with the answers it reused recorded first; or, when the
    cache answered every request, a local batch and nothing sent."""
    if prepared.parts:
        try:
            return await submit(
                session, prepared.parts[0], label=label, force=force, on_progress=on_progress, reuse=prepared.reuse,
                source_digest=prepared.source_digest,
            )  # fmt: skip
        finally:
            if prepared.reuse is not None:  # recorded with the submission, or refused before: not needed either way
                prepared.reuse.discard()
    assert prepared.reuse is not None and prepared.reuse.dropped, "an empty plan with nothing reused"
    outcome = SubmitOutcome(prepared.report)
    outcome.batch = await record_all_reused(
        session,
        prepared.reuse,
        label=label,
        source_file=prepared.source_file,
        source_digest=prepared.source_digest or "",
    )
    outcome.submission = await session.store.get_submission(outcome.batch.submission_id or "")
    return outcome
