"""Resolving submissions whose create outcome is unknown, without ever being wrong.

A create that got no answer (lost response, timeout, 5xx, a crash while sending) may or may not have made a
batch. The API has no idempotency key and batches carry no metadata, so the only evidence is the batch list: the
creation time, the request count, and, once a batch has ended, the custom_ids of its results. The rules:

- `recorded` (never sent: the process died before the POST) → `failed`, safe to submit again.
- A *candidate* of a submission is a listed batch created in its time window (sent − 2 min … sent + 10 min) with
  exactly its request count, not proven to be another submission's and not already ruled out for it.
- The submission holds a candidate as *probable* only when that batch is its single candidate and no other open
  submission could claim it. A probable batch is claimed but not attached: its label, source file and prompts stay
  unset until it is verified.
- Verified: once a candidate has ended, its results are downloaded and their custom_id set compared with the
  submission's. Equal (and no other open submission's set equals it too) → `created`, attached. Different → ruled
  out for good, and the search goes on. Two open submissions with the same size in one window are never guessed
  between: only the custom_ids can tell them apart.
- `failed` ("safe to submit again") only when the window is past its grace period and every candidate has ended
  and been ruled out.
- A submission under a live lease (its process is recording or sending it right now, however long the upload) is
  left alone: not lost yet (core/store/leases.py).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from batchtui.core.errors import describe
from batchtui.core.models import Submission, parse_time
from batchtui.core.store.errors import InvalidTransitionError
from batchtui.service.session import Session
from batchtui.service.spool import spool_path

RECONCILE_BEFORE = timedelta(minutes=2)  # clock skew between us and the API
RECONCILE_AFTER = timedelta(minutes=10)
RECONCILE_GRACE = timedelta(minutes=2)  # a new batch can take a while to appear in `list`

OPEN_STATES = ("recorded", "sending", "unknown")


@dataclass(frozen=True)
class Reconciled:
    submission_id: str
    batch_id: str | None  # created: its batch; probable: the candidate; otherwise None
    state: str  # created | probable | failed | unknown (recorded | sending: leased by a live sender, left alone)
    message: str = ""
    changed: bool = True  # False: the same as the last reconcile said (nothing written)
    # unknown only: a later reconcile may decide it (a candidate has yet to end, the grace has yet to pass). False:
    # only a person can (the same requests sent twice, a candidate whose results cannot be read).
    pending: bool = True

    def describe(self) -> str:
        on = f" as {self.batch_id}" if self.batch_id else ""
        return f"submission {self.submission_id}: {self.state}{on}" + (f" ({self.message})" if self.message else "")

    def to_json(self) -> dict[str, Any]:
        return {"submission_id": self.submission_id, "batch_id": self.batch_id, "state": self.state,
                "message": self.message}  # fmt: skip


async def reconcile(
    session: Session,
    *,
    only: str | None = None,
    grace: timedelta | None = None,
    now: datetime | None = None,
) -> list[Reconciled]:
    """Resolve open submissions (or just `only`) against the listed batches. Lists only when something is open.
    `grace`: the session's (settings.reconcile_grace), else RECONCILE_GRACE."""
    store = session.store
    now = now or datetime.now(UTC)
    grace = grace if grace is not None else reconcile_grace(session)
    out: list[Reconciled] = []
    open_ = []
    for sub in await store.submissions_in(*OPEN_STATES):
        # Being recorded or sent right now (a long upload): not lost, not ours to judge. Checked against the real
        # clock whatever `now` says: leases are renewed by it.
        if store.is_leased(sub):
            if only in (None, sub.id):
                who = "this process" if sub.lease_owner == store.lease_owner else f"another process ({sub.lease_owner})"
                out.append(Reconciled(sub.id, None, sub.state, f"being sent by {who}", changed=False))
            continue
        open_.append(sub)
    for sub in open_:
        if sub.state == "recorded" and only in (None, sub.id):
            # Recorded but never sent (the process died before the POST): nothing can exist.
            message = "interrupted before it was sent; nothing was created, safe to submit again"
            try:
                await store.mark_submission_failed(sub.id, message)
            except InvalidTransitionError:  # another process's reconcile settled it first
                out.append(await _settled(session, sub))
                continue
            _drop_spool(session, sub.id)
            out.append(Reconciled(sub.id, None, "failed", message))
    unsure = [s for s in open_ if s.state != "recorded"]
    if not any(only in (None, s.id) for s in unsure):
        return out
    view = await _View.build(session, unsure)
    for sub in sorted(unsure, key=_sent):
        if only in (None, sub.id):
            try:
                out.append(await view.resolve(sub, now, grace))
            except InvalidTransitionError:  # the store refused a move: another process's reconcile settled it first
                view.unsure.pop(sub.id, None)
                out.append(await _settled(session, sub))
    return out


def reconcile_grace(session: Session) -> timedelta:
    seconds = session.settings.reconcile_grace if session.settings is not None else None
    return RECONCILE_GRACE if seconds is None else timedelta(seconds=seconds)


def _sent(sub: Submission) -> datetime:
    return sub.sent_at or sub.created_at


async def _settled(session: Session, sub: Submission) -> Reconciled:
    """What another process's reconcile made of `sub` while this one looked (the store refused this one's move)."""
    return _settled_as(await session.store.get_submission(sub.id) or sub)


def _settled_as(sub: Submission) -> Reconciled:
    return Reconciled(sub.id, sub.batch_id, sub.state, "settled meanwhile by another process", changed=False)


def _drop_spool(session: Session, submission_id: str) -> None:
    spool_path(session.store.path, submission_id).unlink(missing_ok=True)


class _View:
    """The listed batches around the open submissions, and which of them each submission could own."""

    def __init__(self, session: Session, unsure: list[Submission], listed: dict[str, dict[str, Any]]) -> None:
        self.session = session
        self.store = session.store
        self.unsure = {s.id: s for s in unsure}
        self.listed = listed
        self.proven: set[str] = set()
        self.rejected: dict[str, set[str]] = {}
        self.undecidable: set[str] = set()  # ended candidates their custom_ids cannot settle (twins, unreadable)

    @classmethod
    async def build(cls, session: Session, unsure: list[Submission]) -> _View:
        api = session.require_api()
        earliest = min(_sent(s) for s in unsure) - RECONCILE_BEFORE
        listed: dict[str, dict[str, Any]] = {}
        async for page in api.list_pages():
            listed.update((b["id"], b) for b in page)
            if page and parse_time(page[-1]["created_at"]) < earliest:  # type: ignore[operator]
                break
        await session.store.upsert_batches(list(listed.values()), synced_at=datetime.now(UTC),
                                           request_id=api.last_request_id)  # fmt: skip
        view = cls(session, unsure, listed)
        view.proven = {s.batch_id for s in await session.store.submissions_in("created") if s.batch_id}
        for sub in unsure:
            view.rejected[sub.id] = await session.store.rejected_batches(sub.id)
        return view

    def candidates(self, sub: Submission) -> list[str]:
        sent = _sent(sub)
        return [
            b["id"]
            for b in self.listed.values()
            if b["id"] not in self.proven
            and b["id"] not in self.rejected[sub.id]
            and sum(b["request_counts"].values()) == sub.request_count
            and sent - RECONCILE_BEFORE <= parse_time(b["created_at"]) <= sent + RECONCILE_AFTER  # type: ignore[operator]
        ]

    def rivals(self, sub: Submission, batch_id: str) -> list[Submission]:
        """Other open submissions that could own `batch_id` too."""
        return [o for o in self.unsure.values() if o.id != sub.id and batch_id in self.candidates(o)]

    async def resolve(self, sub: Submission, now: datetime, grace: timedelta) -> Reconciled:
        store = self.store
        notes: list[str] = []
        for batch_id in self.candidates(sub):
            verdict = await self._verify(sub, batch_id, notes)
            if verdict is not None:
                return verdict
        sub = await store.get_submission(sub.id) or sub
        if sub.state not in OPEN_STATES:  # settled by another process since this view was built
            del self.unsure[sub.id]
            return _settled_as(sub)
        self.unsure[sub.id] = sub
        candidates = self.candidates(sub)
        if len(candidates) == 1 and not self.rivals(sub, candidates[0]):
            (batch_id,) = candidates
            message = "the only batch of its size created at that time; verified by its custom_ids when it ends"
            changed = sub.candidate_batch_id != batch_id
            if changed:
                await self._release(batch_id, keep=sub.id)
                await store.set_candidate(sub.id, batch_id, message)
            return Reconciled(sub.id, batch_id, "probable", message, changed)
        if sub.candidate_batch_id is not None:  # no longer the single candidate: it proves nothing
            await store.set_candidate(sub.id, None, sub.error or "")  # type: ignore[arg-type]
        if candidates:
            rivals = {o.id for c in candidates for o in self.rivals(sub, c)}
            message = (
                f"{len(candidates)} batch(es) of its size were created at that time ({', '.join(candidates)})"
                + (f" and {len(rivals)} other open submission(s) of that size could own them" if rivals else "")
                + "; batchtui does not guess: each is checked against its custom_ids once it ends"
            )
            notes.append(message)
            pending = any(c not in self.undecidable for c in candidates)
            return Reconciled(sub.id, None, "unknown", "; ".join(notes), changed=False, pending=pending)
        if now - _sent(sub) > grace:
            message = (
                "no batch was created for it (every batch of its size and time has been ruled out); "
                "safe to submit again"
            )
            await store.mark_submission_failed(sub.id, message)
            _drop_spool(self.session, sub.id)
            del self.unsure[sub.id]
            return Reconciled(sub.id, None, "failed", message)
        notes.append("no batch of its size is listed yet; looking again on the next sync")
        return Reconciled(sub.id, None, "unknown", "; ".join(notes), changed=False)

    async def _verify(self, sub: Submission, batch_id: str, notes: list[str]) -> Reconciled | None:
        """Compare an ended candidate's custom_ids with the submission's: attach it, or rule it out."""
        batch = self.listed[batch_id]
        if batch["processing_status"] != "ended":
            return None
        if not await self._have_results(batch_id, notes):
            return None
        store = self.store
        if not await store.custom_ids_match(sub.id, batch_id):
            await store.reject_candidate(sub.id, batch_id, f"{batch_id} holds other requests")
            self.rejected[sub.id].add(batch_id)
            notes.append(f"{batch_id} ruled out: its results hold other custom_ids")
            return None
        twins = [o.id for o in self.rivals(sub, batch_id) if await store.custom_ids_match(o.id, batch_id)]
        if twins:
            notes.append(
                f"{batch_id} holds exactly its custom_ids, and so does submission {', '.join(twins)}: the same "
                "requests sent twice; batchtui will not guess which is which"
            )
            self.undecidable.add(batch_id)
            return None
        await self._release(batch_id, keep=sub.id)
        await store.mark_submission_created(sub.id, batch_id)
        _drop_spool(self.session, sub.id)
        self.proven.add(batch_id)
        del self.unsure[sub.id]
        return Reconciled(sub.id, batch_id, "created", "verified: its results hold exactly its custom_ids")

    async def _release(self, batch_id: str, *, keep: str) -> None:
        """Another open submission holding `batch_id` as its candidate lets go of it (it is about to be claimed)."""
        for other in list(self.unsure.values()):
            if other.id != keep and other.candidate_batch_id == batch_id:
                try:
                    self.unsure[other.id] = await self.store.set_candidate(other.id, None, other.error or "")  # type: ignore[arg-type]
                except InvalidTransitionError:  # settled by another process meanwhile: no longer open
                    del self.unsure[other.id]

    async def _have_results(self, batch_id: str, notes: list[str]) -> bool:
        record = await self.store.get_batch(batch_id)
        if record is not None and record.results_state == "complete":
            return True
        if record is None or not record.results_downloadable:
            notes.append(f"{batch_id} ended but its results cannot be downloaded to check it")
            self.undecidable.add(batch_id)
            return False
        try:
            await self.session.engine.ensure_download(batch_id)
        except Exception as exc:
            notes.append(f"{batch_id}: results not downloaded yet ({describe(exc)})")
            return False
        with contextlib.suppress(Exception):
            record = await self.store.get_batch(batch_id)
        return record is not None and record.results_state == "complete"
