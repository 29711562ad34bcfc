"""Batch metadata: upserts from the API (never touching local fields) and local annotations."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from batchtui.core.models import BatchChange, BatchRecord, RequestCounts, format_time, parse_time
from batchtui.core.store.base import StoreBase
from batchtui.core.store.db import execute, executemany
from batchtui.core.store.errors import NotFoundError

RESULTS_STATES = frozenset({"none", "pending", "downloading", "complete", "unavailable", "failed"})
_NEEDS_RESULTS = ("none", "pending", "downloading", "failed")

BATCH_COLUMNS = (
    "id, processing_status, count_processing, count_succeeded, count_errored, count_canceled, count_expired, "
    "created_at, expires_at, ended_at, cancel_initiated_at, archived_at, results_url, label, source_file, "
    "submission_id, parent_batch_id, results_state, results_rows, cost_usd, last_synced_at, last_request_id, "
    "deleted_remotely, results_error, group_id, group_part, cache_saved_usd, local, reused_rows, reuse_saved_usd, "
    "reuse_unpriced"
)

# The API's fields are replaced; local ones are only filled on insert, from a submission already linked to this
# batch id (mark_submission_created may run before the batch is first seen).
_UPSERT = """
INSERT INTO batches (
    id, processing_status, count_processing, count_succeeded, count_errored, count_canceled, count_expired,
    created_at, expires_at, ended_at, cancel_initiated_at, archived_at, results_url,
    results_state, last_synced_at, last_request_id, label, source_file, submission_id, parent_batch_id,
    group_id, group_part
)
SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
       s.label, s.source_file, s.id, s.parent_batch_id, s.group_id, s.group_part
FROM (SELECT 1) LEFT JOIN submissions AS s ON s.batch_id = ?1
WHERE true  -- disambiguates ON CONFLICT from the join's ON
ON CONFLICT (id) DO UPDATE SET
    processing_status = excluded.processing_status,
    count_processing = excluded.count_processing,
    count_succeeded = excluded.count_succeeded,
    count_errored = excluded.count_errored,
    count_canceled = excluded.count_canceled,
    count_expired = excluded.count_expired,
    created_at = excluded.created_at,
    expires_at = excluded.expires_at,
    ended_at = excluded.ended_at,
    cancel_initiated_at = excluded.cancel_initiated_at,
    archived_at = excluded.archived_at,
    results_url = excluded.results_url,
    results_state = excluded.results_state,
    last_synced_at = excluded.last_synced_at,
    last_request_id = coalesce(excluded.last_request_id, batches.last_request_id)
"""

_UNSET: Any = object()


def wire_time(value: str | datetime | None) -> str | None:
    """Any RFC 3339 text or datetime to the canonical stored form (microseconds, `Z`), so text order = time order."""
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) == 27 and value[10] == "T" and value[-1] == "Z":
            return value  # already canonical: the API's own form, the common case, skip the parse
        return format_time(parse_time(value))
    if isinstance(value, datetime):
        return format_time(value if value.tzinfo else value.replace(tzinfo=UTC))
    raise ValueError(f"not a timestamp: {value!r}")


def batch_from_row(row: Sequence[Any]) -> BatchRecord:
    """A row of BATCH_COLUMNS as a BatchRecord. Made without the frozen dataclasses' __init__ (one
    object.__setattr__ per field, twice as slow): the dashboard reads every cached batch this way on each reload
    (10,000 batches: about 95 -> 40 ms of the UI's loop). tests/core/test_store_batches.py holds it to the
    constructor, field for field. Each field is written out: a dict built by zipping the column names costs as
    much as the constructor."""
    counts = _new(RequestCounts)
    tally = counts.__dict__
    tally["processing"], tally["succeeded"], tally["errored"], tally["canceled"], tally["expired"] = row[2:7]
    record = _new(BatchRecord)
    fields = record.__dict__
    fields["id"] = row[0]
    fields["processing_status"] = row[1]
    fields["request_counts"] = counts
    fields["created_at"] = parse_time(row[7])
    fields["expires_at"] = parse_time(row[8])
    fields["ended_at"] = parse_time(row[9])
    fields["cancel_initiated_at"] = parse_time(row[10])
    fields["archived_at"] = parse_time(row[11])
    fields["results_url"] = row[12]
    fields["label"] = row[13]
    fields["source_file"] = row[14]
    fields["submission_id"] = row[15]
    fields["parent_batch_id"] = row[16]
    fields["results_state"] = row[17]
    fields["results_rows"] = row[18]
    fields["cost_usd"] = row[19]
    fields["last_synced_at"] = parse_time(row[20])
    fields["last_request_id"] = row[21]
    fields["deleted_remotely"] = bool(row[22])
    fields["results_error"] = row[23]
    fields["group_id"] = row[24]
    fields["group_part"] = row[25]
    fields["cache_saved_usd"] = row[26]
    fields["local"] = bool(row[27])
    fields["reused_rows"] = row[28]
    fields["reuse_saved_usd"] = row[29]
    fields["reuse_unpriced"] = row[30]
    return record


_new = object.__new__


def _api_fields(batch: Mapping[str, Any]) -> tuple[Any, ...]:
    try:
        counts = RequestCounts.from_api(batch["request_counts"])
        return (
            batch["id"],
            batch["processing_status"],
            counts.processing,
            counts.succeeded,
            counts.errored,
            counts.canceled,
            counts.expired,
            wire_time(batch["created_at"]),
            wire_time(batch.get("expires_at")),
            wire_time(batch.get("ended_at")),
            wire_time(batch.get("cancel_initiated_at")),
            wire_time(batch.get("archived_at")),
            batch.get("results_url"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a MessageBatch object ({exc!r}): {str(batch)[:200]}") from exc


def _next_results_state(old: tuple[Any, ...] | None, status: str, archived: bool) -> str:
    state = old[-1] if old else "none"
    if state == "complete":
        return state
    if archived:
        return "unavailable"  # the API no longer serves the results; whatever we have is all there will be
    just_ended = status == "ended" and (old is None or old[0] != "ended")
    return "pending" if just_ended else state


class BatchesMixin(StoreBase):
    async def upsert_batches(
        self, batches: Sequence[Mapping[str, Any]], *, synced_at: datetime, request_id: str | None = None
    ) -> list[BatchChange]:
        """Insert or refresh batches as the API returned them (wire dicts or SDK `model_dump()`), in one
        transaction. Local fields are never overwritten. Returns a change for each batch that is new or whose
        status or counts moved."""
        if not batches:
            return []
        fields = [_api_fields(b) for b in batches]
        synced = wire_time(synced_at)
        changes: list[BatchChange] = []
        ended: list[tuple[str, str]] = []  # seen running, now ended: logged for the completion hooks
        params = []
        async with self._db.transaction() as conn:
            old_rows = await conn.execute_fetchall(
                "SELECT id, processing_status, count_processing, count_succeeded, count_errored, count_canceled, "
                "count_expired, results_state FROM batches WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps([f[0] for f in fields]),),
            )
            old_by_id = {row[0]: tuple(row[1:]) for row in old_rows}
            for f in fields:
                batch_id, status, counts = f[0], f[1], f[2:7]
                old = old_by_id.get(batch_id)
                state = _next_results_state(old, status, archived=f[11] is not None)
                counts_changed = old is None or tuple(old[1:6]) != counts
                if old is None or old[0] != status or counts_changed:
                    changes.append(BatchChange(batch_id, old[0] if old else None, status, counts_changed))
                if old is not None and old[0] in ("in_progress", "canceling") and status == "ended":
                    ended.append((batch_id, synced))
                # Keep the new state for a later duplicate of the same id in this call.
                old_by_id[batch_id] = (status, *counts, state)
                params.append((*f, state, synced, request_id))
            await executemany(conn, _UPSERT, params)
            if ended:  # in the same transaction as the status change: a crash cannot lose an end
                await executemany(conn, "INSERT INTO batch_events (batch_id, kind, at) VALUES (?, 'ended', ?)", ended)
        return changes

    async def get_batch(self, batch_id: str) -> BatchRecord | None:
        row = await self._db.fetchone(f"SELECT {BATCH_COLUMNS} FROM batches WHERE id = ?", (batch_id,))
        return batch_from_row(row) if row else None

    async def list_batches(self, *, include_deleted: bool = True) -> list[BatchRecord]:
        """Newest first."""
        where = "" if include_deleted else "WHERE deleted_remotely = 0"
        rows = await self._db.fetchall(f"SELECT {BATCH_COLUMNS} FROM batches {where} ORDER BY created_at DESC, id")
        return [batch_from_row(r) for r in rows]

    async def sync_view(self) -> dict[str, tuple[str, datetime, bool]]:
        """id -> (processing_status, created_at, deleted_remotely) of every cached batch: what a refresh needs to
        decide how far to page, without building a full BatchRecord per batch on every poll."""
        # A local batch (every answer reused) is never listed by the API: a full refresh must not call it deleted.
        rows = await self._db.fetchall(
            "SELECT id, processing_status, created_at, deleted_remotely FROM batches WHERE local = 0"
        )
        return {r[0]: (r[1], parse_time(r[2]), bool(r[3])) for r in rows}  # type: ignore[misc]

    async def in_flight_ids(self) -> list[str]:
        rows = await self._db.fetchall(
            "SELECT id FROM batches WHERE processing_status IN ('in_progress', 'canceling') AND deleted_remotely = 0 "
            "ORDER BY created_at DESC, id"
        )
        return [r[0] for r in rows]

    async def batches_needing_results(self) -> list[BatchRecord]:
        """Ended, still downloadable, and without complete local results."""
        marks = ", ".join("?" * len(_NEEDS_RESULTS))
        rows = await self._db.fetchall(
            f"SELECT {BATCH_COLUMNS} FROM batches WHERE processing_status = 'ended' AND archived_at IS NULL "
            f"AND deleted_remotely = 0 AND results_state IN ({marks}) ORDER BY created_at DESC, id",
            _NEEDS_RESULTS,
        )
        return [batch_from_row(r) for r in rows]

    async def set_label(self, batch_id: str, label: str | None) -> None:
        await self._update_batch(batch_id, "label = ?", (label,))

    async def set_local(
        self,
        batch_id: str,
        *,
        source_file: str | None = _UNSET,
        submission_id: str | None = _UNSET,
        parent_batch_id: str | None = _UNSET,
    ) -> None:
        """Set only the local fields given (None clears one)."""
        given = {
            name: value
            for name, value in (
                ("source_file", source_file),
                ("submission_id", submission_id),
                ("parent_batch_id", parent_batch_id),
            )
            if value is not _UNSET
        }
        if given:
            await self._update_batch(batch_id, ", ".join(f"{n} = ?" for n in given), tuple(given.values()))

    async def mark_deleted(self, batch_id: str) -> None:
        """Deleted on the API (or gone from it): the local copy and its results stay."""
        await self._update_batch(batch_id, "deleted_remotely = 1", ())

    async def set_results_state(self, batch_id: str, state: str, *, error: str | None = None) -> None:
        if state not in RESULTS_STATES:
            raise ValueError(f"unknown results state {state!r}; expected one of {sorted(RESULTS_STATES)}")
        await self._update_batch(batch_id, "results_state = ?, results_error = ?", (state, error))

    async def _update_batch(self, batch_id: str, assignments: str, params: tuple[Any, ...]) -> None:
        async with self._db.transaction() as conn:
            if not await execute(conn, f"UPDATE batches SET {assignments} WHERE id = ?", (*params, batch_id)):
                raise NotFoundError(f"no batch {batch_id!r} in the store")
