"""The main screen and the results view at 80×24 (what a default terminal gives) and at 200×50: the list keeps
label, status, the non-zero counts, total and cost whole; the footer keeps ? and q; results keep outcome, custom_id
and a readable cost.

Update after an intended visual change: `pytest tests/tui/test_snapshots_sizes.py --snapshot-update`, then look at
the new SVGs before committing them.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tests.tui.snapshot_apps.fixed import TRIAGE, FixedApp
from tests.tui.test_snapshots_main import on_triage, settled

SIZES = {"80x24": (80, 24), "200x50": (200, 50)}


@pytest.fixture(autouse=True)
def fixed_config_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/user")
    monkeypatch.setenv("XDG_CONFIG_HOME", "/home/user/.config")


@pytest.mark.parametrize("size", SIZES)
def test_main(snap_compare, size):
    assert snap_compare(FixedApp(), terminal_size=SIZES[size], run_before=on_triage)


@pytest.mark.parametrize("size", SIZES)
def test_results(snap_compare, size):
    async def open_triage(pilot: Pilot) -> None:
        await settled(pilot)
        pilot.app.open_results(TRIAGE)
        await settled(pilot)

    assert snap_compare(FixedApp(), terminal_size=SIZES[size], run_before=open_triage)
