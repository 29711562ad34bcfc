"""SVG snapshots of the stats screen, the retry dialog and the label dialog, on the fixed data and clock of
tests/tui/snapshot_apps/fixed.py.

Update after an intended visual change: `pytest tests/tui/test_snapshots_stats_retry.py --snapshot-update`, then
look at the new SVGs before committing them.
"""

from __future__ import annotations

from textual.pilot import Pilot

from tests.tui.snapshot_apps.fixed import TRIAGE, FixedApp

SIZE = (160, 45)


async def settled(pilot: Pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def on_triage_then(*keys: str):
    async def run(pilot: Pilot) -> None:
        await settled(pilot)
        pilot.app.main_screen.table.select_batch(TRIAGE)
        await settled(pilot)
        await pilot.press(*keys)
        await settled(pilot)

    return run


def test_stats_screen(snap_compare):
    assert snap_compare(FixedApp(), terminal_size=SIZE, run_before=on_triage_then("s"))


def test_retry_confirm(snap_compare):
    assert snap_compare(FixedApp(), terminal_size=SIZE, run_before=on_triage_then("R"))


def test_retry_confirm_with_invalid_included(snap_compare):
    assert snap_compare(FixedApp(), terminal_size=SIZE, run_before=on_triage_then("R", "i"))


def test_label_dialog(snap_compare):
    assert snap_compare(FixedApp(), terminal_size=SIZE, run_before=on_triage_then("l"))
