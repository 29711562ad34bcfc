"""SVG snapshots of the results view on fixed data and a fixed clock: list + detail, a filter active, an error.

Update after an intended visual change: `pytest tests/tui/test_snapshots_results.py --snapshot-update`, then look
at the new SVGs before committing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.tui.results_support import ResultsHostApp, mixed_lines, request_params, seed_file, settle

SIZE = (130, 36)
N = 60


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    prompts = {
        f"req-{i:06d}": request_params(
            f"Ticket {i}: the customer writes that the parcel is late and asks what to do next.",
            system="You are a support lead. Answer in one short paragraph.",
        )
        for i in range(N)
    }
    return seed_file(tmp_path / "cache.sqlite3", mixed_lines(N), prompts=prompts)


def press_then_settle(*keys: str):
    async def run(pilot: Pilot) -> None:
        await settle(pilot, pilot.app)
        await pilot.press(*keys)
        await settle(pilot, pilot.app)

    return run


def test_results_list_and_detail(snap_compare, db_path):
    app = ResultsHostApp(db_path=db_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=press_then_settle("down", "down", "space", "space"))


def test_results_filter_active(snap_compare, db_path):
    app = ResultsHostApp(db_path=db_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=press_then_settle("2", "slash", *"refund", "enter"))


def test_results_error_detail(snap_compare, db_path):
    app = ResultsHostApp(db_path=db_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=press_then_settle("3", "down"))
