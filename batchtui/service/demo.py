"""`--demo`: an embedded, seeded emulator with its own state and cache, so everything works with no key.

A fresh demo records each seeded batch as a submission of this cache (so it is listed with its label), lists them
once so the first paint has something to show, then copies their prompts in behind that paint.

Demo batches take demo time: every batch in flight (seeded, or submitted in the demo) ends within about
`batch_seconds` (`--batch-seconds`, default DEMO_BATCH_SECONDS), not the hours a real batch may take. A relaunch
decides from the demo's state what already exists: it starts new live batches only when nothing is in flight and
nothing was created for a while (seed.LIVE_REST), so running commands with `--demo` does not pile up batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from batchtui.core.config import demo_dir
from batchtui.emulator import Emulator, EmulatorConfig, serve_emulator
from batchtui.emulator.seed import SeededBatch, seed_launch

if TYPE_CHECKING:
    from batchtui.service.session import Session

DEMO_BATCH_SECONDS = 30.0


def demo_config(batch_seconds: float = DEMO_BATCH_SECONDS) -> EmulatorConfig:
    return EmulatorConfig(port=0, batch_seconds=batch_seconds, error_rate=0.02, expire_rate=0.005)


@dataclass
class DemoServer:
    emulator: Emulator
    seeded: list[SeededBatch]  # batches created on this start (labels to apply to the cache)

    @property
    def base_url(self) -> str:
        return self.emulator.base_url

    @contextlib.asynccontextmanager
    async def attach(self, session: Session) -> AsyncIterator[None]:
        """Give the seeded batches their labels and prompts in `session`'s cache; waits for the prompt copy on
        the way out."""
        if not self.seeded:
            yield
            return
        submissions = await _record_seeded(session, self.seeded)
        await session.engine.refresh(full=True)  # a fresh demo has nothing cached to paint: list its batches first
        # Their prompts go in behind the first paint (started only now, so they do not slow the SDK import).
        task = asyncio.create_task(_import_seeded_requests(session, self, submissions))
        try:
            yield
        finally:
            await asyncio.gather(task, return_exceptions=True)


@contextlib.asynccontextmanager
async def demo_server(
    state_dir: Path | None = None, *, batch_seconds: float | None = None
) -> AsyncIterator[DemoServer]:
    state_dir = state_dir or demo_dir()
    seconds = batch_seconds or DEMO_BATCH_SECONDS
    async with serve_emulator(demo_config(seconds), state_path=state_dir / "emulator.sqlite3") as emu:
        seeded = await seed_launch(emu.state, batch_seconds=seconds)
        yield DemoServer(emu, seeded)


async def _record_seeded(session: Session, seeded: list[SeededBatch]) -> list[tuple[str, str]]:
    """Record each demo batch as a created submission, as if it had been submitted from this cache: it gets its
    label and source file when it is first listed. Returns (submission id, batch id) pairs."""
    store = session.store
    out = []
    for batch in seeded:
        sub = await store.record_submission(
            source_file=batch.source_file,
            label=batch.label,
            request_count=0,
            body_bytes=0,
            params_digest=hashlib.sha256(batch.batch_id.encode()).hexdigest(),
        )
        await store.mark_submission_sending(sub.id)
        await store.mark_submission_created(sub.id, batch.batch_id)
        out.append((sub.id, batch.batch_id))
    return out


async def _import_seeded_requests(session: Session, server: DemoServer, submissions: list[tuple[str, str]]) -> None:
    """Copy the demo batches' requests from the emulator, so the results view shows each prompt beside its answer
    (and a search finds words of the prompts: add_requests drops any index built before they arrived)."""
    for submission_id, batch_id in submissions:
        rows = await server.emulator.state.request_params(batch_id)
        await session.store.add_requests(submission_id, rows)
