"""Metadata of submitted requests (the extra columns of a CSV row, the extra keys of a simple JSON item): a JSON
object per request in `requests.metadata`, kept locally and exported beside the request's result; never sent."""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import islice
from typing import Any

from batchtui.core.store.base import StoreBase
from batchtui.core.store.db import executemany

METADATA_CHUNK = 2000


class RequestMetadataMixin(StoreBase):
    async def add_request_metadata(self, submission_id: str, rows: Iterable[tuple[str, str]]) -> int:
        """Attach (custom_id, metadata JSON object) rows to requests already stored by `add_requests`, in one
        transaction, reading `rows` a chunk at a time. Returns how many were attached."""
        total = 0
        source = iter(rows)
        async with self._db.transaction() as conn:
            while chunk := list(islice(source, METADATA_CHUNK)):
                await executemany(
                    conn,
                    "UPDATE requests SET metadata = ? WHERE submission_id = ? AND custom_id = ?",
                    ((metadata, submission_id, custom_id) for custom_id, metadata in chunk),
                )
                total += len(chunk)
        return total

    async def request_metadata(self, batch_id: str, custom_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """custom_id → metadata, for those of `custom_ids` submitted as this batch with metadata."""
        rows = await self._db.fetchall(
            "SELECT r.custom_id, r.metadata FROM submissions AS s JOIN requests AS r ON r.submission_id = s.id "
            "WHERE s.batch_id = ? AND r.metadata IS NOT NULL AND r.custom_id IN (SELECT value FROM json_each(?))",
            (batch_id, json.dumps(list(custom_ids))),
        )
        out: dict[str, dict[str, Any]] = {}
        for custom_id, text in rows:
            value = json.loads(text)
            if isinstance(value, dict):
                out[custom_id] = value
        return out

    async def metadata_keys(self, batch_ids: Iterable[str]) -> list[str]:
        """Every metadata key of these batches' requests: batch by batch, in the order a request lists them (a
        CSV's column order), then by name."""
        keys: dict[str, None] = {}
        for batch_id in batch_ids:
            rows = await self._db.fetchall(
                "SELECT j.key FROM submissions AS s JOIN requests AS r ON r.submission_id = s.id, "
                "json_each(r.metadata) AS j WHERE s.batch_id = ? AND r.metadata IS NOT NULL "
                "GROUP BY j.key ORDER BY min(j.id), j.key",
                (batch_id,),
            )
            keys.update(dict.fromkeys(r[0] for r in rows))
        return list(keys)
