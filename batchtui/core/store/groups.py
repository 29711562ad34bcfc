"""Groups of batches made from one file (core/groups.py): the plan is recorded, durably, before any part is sent;
the parts' states come from their submissions, and their sums from their cached batches."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from batchtui.core.groups import GROUP_PREFIX, GroupPart, GroupRecord, GroupSummary, PartSpec, best_submission
from batchtui.core.models import BatchRecord, Submission, parse_time
from batchtui.core.store.base import StoreBase
from batchtui.core.store.batches import BATCH_COLUMNS, batch_from_row, wire_time
from batchtui.core.store.db import execute, executemany
from batchtui.core.store.reuse import ReuseRow, insert_reuses
from batchtui.core.store.submissions import SUBMISSION_COLUMNS, submission_from_row

_GROUP_COLUMNS = "id, name, source_file, digest, request_count, body_bytes, part_count, created_at"
_PART_COLUMNS = "group_id, part, request_count, body_bytes, params_digest, first_custom_id, last_custom_id"


def new_group_id() -> str:
    return GROUP_PREFIX + secrets.token_hex(12)


def _group_from_row(row: Sequence[Any]) -> GroupRecord:
    return GroupRecord(row[0], row[1], row[2], row[3], row[4], row[5], row[6], parse_time(row[7]))  # type: ignore[arg-type]


class GroupsMixin(StoreBase):
    async def record_group(
        self,
        *,
        name: str,
        source_file: str | None,
        digest: str,
        parts: Sequence[PartSpec],
        group_id: str | None = None,
        source_digest: str | None = None,
        reused: Iterable[ReuseRow] = (),
    ) -> GroupRecord:
        """The group and every part's plan, in one durable transaction, before any part is sent. `source_digest`:
        the file's requests as read, whatever was reused (service/reuse.py), to find the group again; `reused`: the
        answers it took from the cache, streamed in (its first part's batch shows them: core/store/reuse.py)."""
        group_id = group_id or new_group_id()
        now = wire_time(datetime.now(UTC))
        async with self._db.transaction(durable=True) as conn:
            await execute(
                conn,
                f"INSERT INTO groups ({_GROUP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (group_id, name, source_file, digest, sum(p.request_count for p in parts),
                 sum(p.body_bytes for p in parts), len(parts), now),
            )  # fmt: skip
            if source_digest is not None:
                await execute(conn, "UPDATE groups SET source_digest = ? WHERE id = ?", (source_digest, group_id))
            await insert_reuses(conn, group_id, reused)
            await executemany(
                conn,
                f"INSERT INTO group_parts ({_PART_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(group_id, p.part, p.request_count, p.body_bytes, p.params_digest, p.first_custom_id,
                  p.last_custom_id) for p in parts],
            )  # fmt: skip
        group = await self.get_group(group_id)
        assert group is not None
        return group.group

    async def get_group(self, group_id: str) -> GroupSummary | None:
        found = await self._summaries("WHERE id = ?", (group_id,))
        return found[0] if found else None

    async def list_groups(self) -> list[GroupSummary]:
        """Every group, newest first, with its parts, their submissions and their cached batches."""
        return await self._summaries("", ())

    async def unfinished_group(self, digest: str) -> GroupSummary | None:
        """The newest group of this plan with a part that has no batch yet: submitting the file again continues it."""
        for group in await self._summaries("WHERE digest = ?", (digest,)):
            if not group.complete:
                return group
        return None

    async def unfinished_group_of_source(self, source_digest: str) -> GroupSummary | None:
        """The newest unfinished group made from these very requests, however much of them it reused: the same file
        submitted again continues it as it was planned, whatever the cache answers now."""
        for group in await self._summaries("WHERE source_digest = ?", (source_digest,)):
            if not group.complete:
                return group
        return None

    async def _summaries(self, where: str, params: Sequence[Any]) -> list[GroupSummary]:
        rows = await self._db.fetchall(
            f"SELECT {_GROUP_COLUMNS} FROM groups {where} ORDER BY created_at DESC, rowid DESC", params
        )
        if not rows:
            return []
        groups = [_group_from_row(r) for r in rows]
        ids = json.dumps([g.id for g in groups])
        specs: dict[str, list[PartSpec]] = {g.id: [] for g in groups}
        for r in await self._db.fetchall(
            f"SELECT {_PART_COLUMNS} FROM group_parts WHERE group_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY group_id, part",
            (ids,),
        ):
            specs[r[0]].append(PartSpec(*r[1:]))
        subs: dict[tuple[str, int], list[Submission]] = {}
        for r in await self._db.fetchall(
            f"SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE group_id IN (SELECT value FROM json_each(?))",
            (ids,),
        ):
            sub = submission_from_row(r)
            subs.setdefault((sub.group_id, sub.group_part), []).append(sub)  # type: ignore[arg-type]
        best = {key: best_submission(found) for key, found in subs.items()}
        wanted = [s.batch_id or s.candidate_batch_id for s in best.values() if s is not None]
        batches = await self._batches_by_id([b for b in wanted if b])
        out = []
        for g in groups:
            parts = []
            for spec in specs[g.id]:
                sub = best.get((g.id, spec.part))
                batch_id = None if sub is None else sub.batch_id or sub.candidate_batch_id
                parts.append(GroupPart(spec, sub, batches.get(batch_id) if batch_id else None))
            out.append(GroupSummary(g, parts))
        return out

    async def _batches_by_id(self, batch_ids: list[str]) -> dict[str, BatchRecord]:
        if not batch_ids:
            return {}
        rows = await self._db.fetchall(
            f"SELECT {BATCH_COLUMNS} FROM batches WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(batch_ids),),
        )
        return {r[0]: batch_from_row(r) for r in rows}
