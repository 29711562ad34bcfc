"""SVG snapshots of the dashboard's main states, on fixed data and a fixed clock (tests/tui/snapshot_apps/fixed.py).

Update after an intended visual change: `pytest tests/tui/test_snapshots_main.py --snapshot-update`, then look at
the new SVGs before committing them.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from batchtui.tui.launch import NO_KEY
from batchtui.tui.screens.create import CreateScreen
from tests.tui.snapshot_apps.fixed import BAD_REQUESTS, PLAN, FixedApp

SIZE = (160, 45)


@pytest.fixture(autouse=True)
def fixed_config_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    """The help screen shows where the config file lives: make that the same on every machine."""
    monkeypatch.setenv("HOME", "/home/user")
    monkeypatch.setenv("XDG_CONFIG_HOME", "/home/user/.config")


async def settled(pilot: Pilot) -> None:
    """Snapshots must not depend on timing: every load and validation worker done, every message handled."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def on_triage(pilot: Pilot) -> None:
    """The cursor on `support-triage` (ended, results stored): the detail pane shows the most fields."""
    await settled(pilot)
    pilot.app.main_screen.table.select_batch(PLAN[4][0])
    await settled(pilot)


def test_main_list_with_detail(snap_compare):
    assert snap_compare(FixedApp(), terminal_size=SIZE, run_before=on_triage)


def test_create_preview_with_errors(snap_compare):
    async def open_preview(pilot: Pilot) -> None:
        await settled(pilot)
        await pilot.app.push_screen(CreateScreen(BAD_REQUESTS))
        await settled(pilot)

    assert snap_compare(FixedApp(), terminal_size=SIZE, run_before=open_preview)


def test_cancel_confirm(snap_compare):
    async def mark_two_and_cancel(pilot: Pilot) -> None:
        await settled(pilot)
        await pilot.press("space", "down", "space", "c")
        await settled(pilot)

    assert snap_compare(FixedApp(), terminal_size=SIZE, run_before=mark_two_and_cancel)


def test_help(snap_compare):
    assert snap_compare(FixedApp(), terminal_size=SIZE, run_before=settled, press=["question_mark"])


def test_offline_no_key(snap_compare):
    app = FixedApp(online=False, offline_reason=NO_KEY)
    assert snap_compare(app, terminal_size=SIZE, run_before=on_triage)
