"""The submission log: a row is written before a create is sent, and every state change is committed (with an
fsync) before the call returns, so a crash at any point leaves a record of what may exist on the API."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from batchtui.core.models import WORKFLOW_FINAL_PHASES, Submission, WorkflowLink, parse_time
from batchtui.core.store.batches import wire_time
from batchtui.core.store.db import execute
from batchtui.core.store.errors import InvalidTransitionError, NotFoundError
from batchtui.core.store.leases import LeasesMixin
from batchtui.core.store.reuse import materialise_reuses
from batchtui.core.store.search import drop_search_index

SUBMISSION_COLUMNS = (
    "id, state, source_file, label, request_count, body_bytes, params_digest, created_at, sent_at, batch_id, error, "
    "parent_batch_id, candidate_batch_id, workflow_id, workflow_phase, group_id, group_part, lease_owner, lease_until, "
    "source_digest"
)
_LEASED_STATES = ("recorded", "sending")  # this process is about to send, or sending: nobody else may judge it

# Which states each state may be entered from. `unknown` (a create sent, outcome never heard) is resolved to
# `created` or `failed` by reconciliation; `created` and `failed` are final.
_ALLOWED_FROM: dict[str, frozenset[str]] = {
    # `failed` means nothing was created: a durable engine may send the same submission again (reopen_submission).
    "recorded": frozenset({"failed"}),
    "sending": frozenset({"recorded", "sending"}),
    "created": frozenset({"recorded", "sending", "unknown", "created"}),
    "failed": frozenset({"recorded", "sending", "unknown"}),
    "unknown": frozenset({"sending", "unknown"}),
}


def submission_from_row(row: Sequence[Any]) -> Submission:
    return Submission(
        id=row[0],
        state=row[1],
        source_file=row[2],
        label=row[3],
        request_count=row[4],
        body_bytes=row[5],
        params_digest=row[6],
        created_at=parse_time(row[7]),  # type: ignore[arg-type]
        sent_at=parse_time(row[8]),
        batch_id=row[9],
        error=row[10],
        parent_batch_id=row[11],
        candidate_batch_id=row[12],
        workflow_id=row[13],
        workflow_phase=row[14],
        group_id=row[15],
        group_part=row[16],
        lease_owner=row[17],
        lease_until=parse_time(row[18]),
        source_digest=row[19],
    )


def _now() -> str:
    return wire_time(datetime.now(UTC))  # type: ignore[return-value]


class SubmissionsMixin(LeasesMixin):
    async def record_submission(
        self,
        *,
        source_file: str | None,
        label: str | None,
        request_count: int,
        body_bytes: int,
        params_digest: str,
        parent_batch_id: str | None = None,
        submission_id: str | None = None,
        workflow_id: str | None = None,
        group_id: str | None = None,
        group_part: int | None = None,
        source_digest: str | None = None,
    ) -> Submission:
        """`submission_id`: given by a caller that must know it before recording (a Temporal workflow's id derives
        from it); otherwise a fresh one. `group_id`, `group_part`: a part of a group (core/groups.py).
        `source_digest`: the file's requests as read, whatever was reused (service/reuse.py)."""
        submission_id = submission_id or uuid.uuid4().hex
        async with self._db.transaction(durable=True) as conn:
            await execute(
                conn,
                "INSERT INTO submissions (id, state, source_file, label, request_count, body_bytes, params_digest, "
                "created_at, parent_batch_id, workflow_id, group_id, group_part, lease_owner, lease_until, "
                "source_digest) VALUES (?, 'recorded', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (submission_id, source_file, label, request_count, body_bytes, params_digest, _now(), parent_batch_id,
                 workflow_id, group_id, group_part, self.lease_owner, self._lease_until(), source_digest),
            )  # fmt: skip
        self._lease_taken(submission_id)
        return await self._must_get_submission(submission_id)

    async def reopen_submission(self, submission_id: str) -> Submission:
        """A failed submission (nothing was created) back to `recorded`, to be sent again under the same id."""
        return await self._transition(submission_id, "recorded", "sent_at = NULL, error = NULL", ())

    async def set_workflow_phase(self, submission_id: str, phase: str) -> None:
        async with self._db.transaction() as conn:
            await execute(conn, "UPDATE submissions SET workflow_phase = ? WHERE id = ?", (phase, submission_id))

    async def submission_for_batch(self, batch_id: str) -> Submission | None:
        row = await self._db.fetchone(f"SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE batch_id = ?", (batch_id,))
        return submission_from_row(row) if row else None

    async def workflow_links(self) -> dict[str, WorkflowLink]:
        """Batch id -> the workflow carrying it, for every batch (or probable batch) that a workflow's submission,
        or one of its retry rounds, created from this cache. The phase is the workflow's, not the round's: each
        activity records it on the round it runs, and the final one lands on the first submission only."""
        rows = await self._db.fetchall(
            "SELECT workflow_id, coalesce(batch_id, candidate_batch_id), workflow_phase FROM submissions "
            "WHERE workflow_id IS NOT NULL ORDER BY created_at, rowid"
        )
        first: dict[str, str | None] = {}  # the workflow's own submission comes before its retry rounds
        latest: dict[str, str] = {}
        carried: list[tuple[str, str]] = []
        for workflow_id, batch_id, phase in rows:
            first.setdefault(workflow_id, phase)
            if phase is not None:
                latest[workflow_id] = phase
            if batch_id is not None:
                carried.append((batch_id, workflow_id))
        phases = {w: p if p in WORKFLOW_FINAL_PHASES else latest.get(w) for w, p in first.items()}
        return {batch_id: WorkflowLink(workflow_id, phases[workflow_id]) for batch_id, workflow_id in carried}

    async def mark_submission_sending(self, submission_id: str) -> Submission:
        return await self._transition(submission_id, "sending", "sent_at = ?", (_now(),))

    async def mark_submission_created(self, submission_id: str, batch_id: str) -> Submission:
        """Attach the batch. Its local fields (label, source file, submission, parent) are filled now if the batch
        row exists, and by `upsert_batches` when it is first inserted otherwise. The submission's requests are
        linked too (they reach their batch through `submissions.batch_id`)."""

        async def fill_batch(conn: aiosqlite.Connection) -> None:
            await execute(
                conn,
                "UPDATE batches SET label = coalesce(batches.label, s.label), "
                "source_file = coalesce(batches.source_file, s.source_file), submission_id = s.id, "
                "parent_batch_id = coalesce(batches.parent_batch_id, s.parent_batch_id), "
                "group_id = s.group_id, group_part = s.group_part "
                "FROM submissions AS s WHERE s.id = ? AND batches.id = ?",
                (submission_id, batch_id),
            )
            await drop_search_index(conn, batch_id)  # its documents now have prompts
            await materialise_reuses(conn, submission_id)  # the answers it took from the cache join its results

        return await self._transition(
            submission_id,
            "created",
            "batch_id = ?, error = NULL, candidate_batch_id = NULL",
            (batch_id,),
            then=fill_batch,
            batch_id=batch_id,
        )

    async def mark_submission_failed(self, submission_id: str, error: str) -> Submission:
        return await self._transition(submission_id, "failed", "error = ?, candidate_batch_id = NULL", (error,))

    async def set_candidate(self, submission_id: str, batch_id: str, note: str) -> Submission:
        """An unknown submission's probable batch: claimed (no other submission may hold it), but not attached:
        the batch's label, source file and prompts stay unset until the candidate is verified."""
        return await self._transition(submission_id, "unknown", "candidate_batch_id = ?, error = ?", (batch_id, note))

    async def reject_candidate(self, submission_id: str, batch_id: str, note: str) -> Submission:
        """`batch_id` is proven not to be this submission's: forget it as a candidate, for good."""

        async def remember(conn: aiosqlite.Connection) -> None:
            await execute(
                conn,
                "INSERT OR IGNORE INTO submission_rejections (submission_id, batch_id) VALUES (?, ?)",
                (submission_id, batch_id),
            )

        return await self._transition(
            submission_id,
            "unknown",
            "candidate_batch_id = CASE WHEN candidate_batch_id = ? THEN NULL ELSE candidate_batch_id END, error = ?",
            (batch_id, note),
            then=remember,
        )

    async def rejected_batches(self, submission_id: str) -> set[str]:
        rows = await self._db.fetchall(
            "SELECT batch_id FROM submission_rejections WHERE submission_id = ?", (submission_id,)
        )
        return {r[0] for r in rows}

    async def custom_ids_match(self, submission_id: str, batch_id: str) -> bool:
        """True when the batch's stored results hold exactly the submission's custom_ids (both sides are unique
        per key, so equal counts plus a full join mean equal sets)."""
        row = await self._db.fetchone(
            "SELECT (SELECT count(*) FROM requests WHERE submission_id = ?1), "
            "(SELECT count(*) FROM results WHERE batch_key = b.key), "
            "(SELECT count(*) FROM results AS r JOIN requests AS q ON q.submission_id = ?1 "
            " AND q.custom_id = r.custom_id WHERE r.batch_key = b.key) "
            "FROM batches AS b WHERE b.id = ?2",
            (submission_id, batch_id),
        )
        if row is None:
            return False
        wanted, stored, common = row
        return wanted > 0 and wanted == stored == common

    async def mark_submission_unknown(self, submission_id: str, error: str) -> Submission:
        return await self._transition(submission_id, "unknown", "error = ?", (error,))

    async def get_submission(self, submission_id: str) -> Submission | None:
        row = await self._db.fetchone(f"SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE id = ?", (submission_id,))
        return submission_from_row(row) if row else None

    async def list_submissions(self) -> list[Submission]:
        """Newest first."""
        rows = await self._db.fetchall(
            f"SELECT {SUBMISSION_COLUMNS} FROM submissions ORDER BY created_at DESC, rowid DESC"
        )
        return [submission_from_row(r) for r in rows]

    async def unresolved_submissions(self) -> list[Submission]:
        """Sent (or being sent) with no known outcome: reconcile these before resubmitting anything. Oldest first."""
        rows = await self._db.fetchall(
            f"SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE state IN ('sending', 'unknown') "
            "ORDER BY created_at, rowid"
        )
        return [submission_from_row(r) for r in rows]

    async def submissions_in(self, *states: str) -> list[Submission]:
        """Submissions in any of `states`, oldest first."""
        marks = ", ".join("?" * len(states))
        rows = await self._db.fetchall(
            f"SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE state IN ({marks}) ORDER BY created_at, rowid", states
        )
        return [submission_from_row(r) for r in rows]

    async def _must_get_submission(self, submission_id: str) -> Submission:
        submission = await self.get_submission(submission_id)
        if submission is None:
            raise NotFoundError(f"no submission {submission_id!r} in the store")
        return submission

    async def _transition(
        self,
        submission_id: str,
        state: str,
        assignments: str,
        params: tuple[Any, ...],
        *,
        then: Any = None,
        batch_id: str | None = None,
    ) -> Submission:
        async with self._db.transaction(durable=True) as conn:
            rows = await conn.execute_fetchall("SELECT state, batch_id FROM submissions WHERE id = ?", (submission_id,))
            row = next(iter(rows), None)
            if row is None:
                raise NotFoundError(f"no submission {submission_id!r} in the store")
            current, current_batch = row
            if current not in _ALLOWED_FROM[state] or (current == "created" and current_batch != batch_id):
                raise InvalidTransitionError(f"submission {submission_id} is {current}; it cannot become {state}")
            # The lease goes with the state: taken (or renewed) by whoever records or sends, dropped once the
            # outcome is known or unknown (then reconcile may look at it from any process).
            leased = state in _LEASED_STATES
            lease = (self.lease_owner, self._lease_until()) if leased else (None, None)
            try:
                await execute(
                    conn,
                    f"UPDATE submissions SET state = ?, {assignments}, lease_owner = ?, lease_until = ? WHERE id = ?",
                    (state, *params, *lease, submission_id),
                )
            except sqlite3.IntegrityError as exc:  # submissions_by_batch: one submission per batch
                raise InvalidTransitionError(f"batch {batch_id} is already attached to another submission") from exc
            if then is not None:
                await then(conn)
        if leased:
            self._lease_taken(submission_id)
        else:
            self._lease_dropped(submission_id)
        return await self._must_get_submission(submission_id)
