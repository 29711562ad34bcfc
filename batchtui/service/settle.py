"""Settling a create whose answer was lost, for a caller that waits anyway (`submit --wait`).

Without waiting, a lost create ends the submit with "outcome unknown" and `sync` resolves it later. A caller that
waits for the batch to end can wait for that answer too: reconcile is asked again and again until it proves the
batch (`created`, or `probable`: the single batch that fits, verified when it ends) or proves that none was made
(`failed`, once the grace for the list to show a new batch has passed). Only then, and only because nothing was
created, is the file sent again: a bounded number of times, as a new submission. Ctrl-C while settling leaves the
submission unknown, for `sync`, as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from batchtui.core import fmt
from batchtui.core.errors import OutcomeUnknown
from batchtui.core.inputs.split import SplitLimits
from batchtui.core.models import Submission
from batchtui.service.group_submit import GroupOutcome, NoteSink, submit_source
from batchtui.service.reconcile import reconcile, reconcile_grace
from batchtui.service.session import Session
from batchtui.service.submit import NotCreated, Source, SubmitOutcome

SENDS = 3  # a file is sent at most this many times in all, each only after the last one proved nothing was made


@dataclass(frozen=True)
class SettlePolicy:
    """How a waiting caller settles a lost create: reconcile every `first_poll` seconds, backing off to
    `max_poll`. Set on the session (`Session.settle`) by whoever waits; `on_note` tells the user what happens."""

    first_poll: float = 2.0
    max_poll: float = 15.0
    on_note: NoteSink | None = None
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep

    def note(self, line: str) -> None:
        if self.on_note is not None:
            self.on_note(line)


async def settle(session: Session, submission: Submission, policy: SettlePolicy, why: str) -> Submission:
    """Reconcile `submission` until its outcome is known: returns it `created`, `failed`, or `unknown` holding its
    probable batch (`candidate_batch_id`). Raises OutcomeUnknown when reconcile says only a person can decide.
    Another process (a `sync --watch`) resolving it meanwhile counts the same: the store says what was decided."""
    store = session.store
    grace = reconcile_grace(session).total_seconds()
    policy.note(
        f"The create request's outcome is unknown ({why}). Looking for its batch before anything else (at most "
        f"{fmt.duration(grace)} until batchtui may call it never made, longer while a batch that could be it runs; "
        f"Ctrl-C stops looking and `batchtui sync` resolves it later). It is not sent again unless none was made."
    )
    delay = policy.first_poll
    while True:
        try:
            verdict = next(iter(await reconcile(session, only=submission.id)), None)
        except Exception as exc:  # the API failing while we look: look again (the batch, if any, is still there)
            policy.note(f"could not look for it just now ({exc}); trying again")
            verdict = None
        now = await store.get_submission(submission.id) or submission
        if now.state in ("created", "failed") or now.candidate_batch_id is not None:
            return now
        if verdict is not None and verdict.state == "unknown" and not verdict.pending:
            raise OutcomeUnknown(
                f"Submission {submission.id}: {verdict.message}. Its outcome needs a person: see "
                f"`batchtui show {submission.id}` and resolve it with `batchtui sync` once you know. Do not resubmit."
            )
        await policy.sleep(delay)
        delay = min(policy.max_poll, delay * 1.5)


async def submit_settled(
    session: Session,
    source: Source,
    limits: SplitLimits,
    policy: SettlePolicy,
    *,
    sends: int = SENDS,
    force: bool = False,
    **options: Any,
) -> SubmitOutcome | GroupOutcome:
    """`submit_source`, settling every lost create (see the module docstring) and sending the file again when, and
    only when, what was sent proved to have created nothing. A group continues from the part that failed (never
    `force`d again: that would send its created parts twice)."""
    session.settle = policy
    try:
        for attempt in range(1, sends + 1):
            try:
                outcome = await submit_source(session, source, limits, force=force, **options)
            except NotCreated as exc:
                if not exc.retryable:
                    raise
                if attempt == sends:
                    raise NotCreated(
                        f"{exc} It was sent {sends} times and nothing was created each time; submit it again later.",
                        retryable=True,
                    ) from exc
                policy.note(f"{exc} Sending it again ({attempt} of {sends - 1}).")
                continue
            if not isinstance(outcome, GroupOutcome) or outcome.complete or attempt == sends:
                return outcome
            if not any(p.retryable for p in outcome.parts):
                return outcome
            policy.note(f"{outcome.error} Submitting the file again continues the group ({attempt} of {sends - 1}).")
            force = False
        raise AssertionError("unreachable")
    finally:
        session.settle = None
