"""Waiting on several asyncio events at once (the hook runner and the queue flusher sleep until woken or stopped)."""

from __future__ import annotations

import asyncio


async def first_of(*events: asyncio.Event) -> None:
    """Return as soon as any of `events` is set; the waits left over are cancelled."""
    waits = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
