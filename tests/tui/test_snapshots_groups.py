"""SVG snapshots of groups (files sent as several batches) on the fixed data and clock of
tests/tui/snapshot_apps/fixed.py: the list with a group expanded and its detail pane, an unfinished group's detail
pane (what to do), and the create preview of a file that goes as a group.

Update after an intended visual change: `pytest tests/tui/test_snapshots_groups.py --snapshot-update`, then look
at the new SVGs before committing them.
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from batchtui.core.inputs import SplitLimits
from batchtui.tui.screens.create import CreateScreen
from tests.tui.snapshot_apps.fixed import DATA, EVAL_GROUP, TICKETS_GROUP, FixedApp

SIZE = (172, 45)  # a group's sums are wide: every column, the cost included, in view


async def settled(pilot: Pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def test_list_with_an_expanded_group_and_its_detail(snap_compare):
    async def expand(pilot: Pilot) -> None:
        await settled(pilot)
        pilot.app.main_screen.table.select_batch(TICKETS_GROUP)
        await pilot.press("p")
        await settled(pilot)

    assert snap_compare(FixedApp(groups=True), terminal_size=SIZE, run_before=expand)


def test_unfinished_group_detail(snap_compare):
    async def select(pilot: Pilot) -> None:
        await settled(pilot)
        pilot.app.main_screen.table.select_batch(EVAL_GROUP)
        await settled(pilot)

    assert snap_compare(FixedApp(groups=True), terminal_size=SIZE, run_before=select)


def test_create_preview_of_a_group(snap_compare):
    path = DATA / "group_requests.jsonl"  # 10 requests; one batch holds 4 here

    async def preview(pilot: Pilot) -> None:
        await settled(pilot)
        await pilot.app.push_screen(CreateScreen(Path(path), limits=SplitLimits(max_requests=4)))
        await settled(pilot)

    assert snap_compare(FixedApp(), terminal_size=SIZE, run_before=preview)
