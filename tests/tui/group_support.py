"""Helpers for the group tests: a file sent as a group of batches on the real stack (service group submit, small
injected limits, the emulator), and reading the list's group rows."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from batchtui.core.client import BatchApi
from batchtui.core.inputs import SplitLimits
from batchtui.core.store import Store
from batchtui.core.sync import SyncEngine
from batchtui.emulator import Emulator
from batchtui.service.group_submit import GroupOutcome, submit_source
from batchtui.service.session import Session
from batchtui.tui.app import BatchTuiApp
from tests.tui.app_support import LONG_LIVED, requests, write_requests

FOUR = SplitLimits(max_requests=4)  # 10 requests make a group of 3 batches: 4, 4 and 2


async def send_group(
    store: Store, api: BatchApi, folder: Path, n: int = 10, *, label: str = "big run", limits: SplitLimits = FOUR
) -> GroupOutcome:
    """`n` requests sent from a file as a group, exactly as `batchtui submit` sends it; every part created."""
    stem = "".join(c if c.isalnum() else "-" for c in label)  # the label may be anything; the file name not
    path = write_requests(folder / f"{stem}.jsonl", requests(n, prefix="q"))
    outcome = await submit_source(Session(store, api), path, limits, label=label)
    assert isinstance(outcome, GroupOutcome) and outcome.complete, outcome
    return outcome


class Killed(BaseException):
    """The process dying at that point (not an Exception: nothing in batchtui may catch it)."""


async def send_group_until_killed(
    store: Store, api: BatchApi, folder: Path, monkeypatch, *, calls: int, n: int = 10, label: str = "big run"
) -> None:
    """Send `n` requests as a group, the process dying at the `calls`-th part submission recorded (so the parts
    before it have their batch and the rest are pending), as a crash leaves it."""
    real = store.record_submission
    seen: list[object] = []

    async def record(*args, **kwargs):
        seen.append(args)
        if len(seen) == calls:
            raise Killed()
        return await real(*args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(store, "record_submission", record)
        await send_group(store, api, folder, n, label=label)


async def settle_but_export(pilot: Pilot, app: BatchTuiApp) -> None:
    """`settle`, leaving out an export flow (it waits on dialogs the test has yet to answer) and a group being sent
    (it may wait for the queue)."""
    skip = {*LONG_LIVED, "export", "group-submit"}
    for _ in range(4):
        await pilot.pause()
        if short := [w for w in app.workers if w.group not in skip]:
            await app.workers.wait_for_complete(short)
        await pilot.pause()


async def ended_and_downloaded(emu: Emulator, engine: SyncEngine, batch_ids: list[str]) -> None:
    """Every part ends on the emulator (about 30 s each) and its results are in the cache."""
    emu.clock.advance(120)
    await engine.refresh()
    for batch_id in batch_ids:
        await engine.ensure_download(batch_id)
