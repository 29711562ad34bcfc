"""The queue workflow's activities: cut pending chunks into part spools (one per batch), and drop chunks once their
requests are on their way (or cleared). Both are safe to run again: the cut is deterministic and rewrites the same
files under the same names; dropping a missing file is nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from temporalio import activity

from batchtui.core.inputs import SplitLimits
from batchtui.service.queue_chunks import build_parts, drop_chunk
from batchtui.temporal.activities import _unreadable, heartbeating
from batchtui.temporal.queue_models import BuildFlush, BuiltFlush, DropChunks, FlushPart


def part_submission_id(epoch: str, number: int, part: int) -> str:
    """Deterministic: the same flush of the same workflow chain names the same submissions on every attempt."""
    return f"q{epoch}-{number}-{part}"


class QueueActivities:
    def all(self) -> list[Any]:
        return [self.queue_build_flush, self.queue_drop_chunks]

    @activity.defn
    async def queue_build_flush(self, inp: BuildFlush) -> BuiltFlush:
        chunks = [Path(p) for p in inp.chunks]
        limits = SplitLimits(inp.max_requests, inp.max_body_bytes)

        def name(part: int) -> str:
            return part_submission_id(inp.epoch, inp.number, part)

        try:
            async with heartbeating():  # parts of 250 MB take a while to write: a dead worker is noticed anyway
                parts = await asyncio.to_thread(build_parts, chunks, chunks[0].parent, name, limits)
        except OSError as exc:
            raise _unreadable(str(getattr(exc, "filename", None) or chunks[0]), exc) from None
        return BuiltFlush(
            [FlushPart(p.submission_id, str(p.path), p.request_count, p.body_bytes, p.digest) for p in parts]
        )

    @activity.defn
    async def queue_drop_chunks(self, inp: DropChunks) -> None:
        for path in inp.paths:
            drop_chunk(Path(path))
