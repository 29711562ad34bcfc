"""Cancel from the dashboard when a workflow carries the batch and Temporal cannot be reached (or is not installed):
the user is told why, and the batch is never canceled behind its workflow's back. Temporal being down does not
disturb anything else. (The signal itself, on the real dev server: tests/temporal/test_dashboard.py.)"""

from __future__ import annotations

import sys

from batchtui.core.config import TemporalSettings
from batchtui.temporal.names import EXTRA_MISSING
from batchtui.tui.app import BatchTuiApp
from batchtui.tui.screens.confirm import ConfirmScreen
from tests.tui.app_support import SIZE, add_batch, cell_text, emulator_clock, settle
from tests.tui.test_cancel_delete import confirm_text
from tests.tui.workflow_support import carry

DOWN = TemporalSettings("127.0.0.1:1")  # configured, and nothing listens there


def cancel_posts(app: BatchTuiApp) -> list[str]:
    return [call.path for call in app.activity if call.method == "POST" and call.path.endswith("/cancel")]


async def test_temporal_down_reports_and_never_cancels_the_workflows_batch(make_app, batch_emulator, cache_store):
    carried = await add_batch(batch_emulator, 3, ago=120, duration=3600)
    plain = await add_batch(batch_emulator, 2, ago=60, duration=3600)
    workflow_id = await carry(cache_store, carried, "tracking")
    app = make_app(temporal=DOWN)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        assert not app._notifications, "Temporal being down disturbs nothing"
        assert cell_text(app, carried, "workflow") == "tracking"  # the cache still knows

        await pilot.press("space", "down", "space", "c")
        assert isinstance(app.screen, ConfirmScreen)
        assert "1 of them is carried by a Temporal workflow: the cancel goes through the workflow" in confirm_text(app)
        await pilot.press("y")
        await settle(pilot, app)

        (error,) = [n for n in app._notifications if n.severity == "error"]
        assert error.title == "Could not cancel 1 batch"
        assert f"not canceled: its workflow {workflow_id} could not be signalled" in error.message
        assert "No Temporal server at 127.0.0.1:1 (connection refused)" in error.message
        assert "batchtui temporal dev" in error.message and "Nothing was sent to the API" in error.message
        (warning,) = [n for n in app._notifications if n.severity == "warning"]
        assert "none is known to this dashboard, so they were canceled through the API" in warning.message
        assert cancel_posts(app) == [f"/v1/messages/batches/{plain}/cancel"]  # the plain one only
        assert cell_text(app, carried, "status") == "in progress"
        assert cell_text(app, plain, "status") == "canceling"


async def test_without_the_temporal_extra_it_says_how_to_install_it(make_app, batch_emulator, cache_store, monkeypatch):
    carried = await add_batch(batch_emulator, 3, ago=120, duration=3600)
    await carry(cache_store, carried, "tracking")
    # What an install without `batchtui[temporal]` looks like to the import system (restored after the test).
    # `temporalio` itself always, whether or not an earlier test imported it (run alone, none has).
    for name in {"temporalio", *(m for m in sys.modules if m.startswith("temporalio."))}:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, "batchtui.temporal.client", raising=False)
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        await pilot.press("c", "y")
        await settle(pilot, app)
        (error,) = [n for n in app._notifications if n.severity == "error"]
        assert EXTRA_MISSING in error.message and not cancel_posts(app)
        assert cell_text(app, carried, "status") == "in progress"


async def test_offline_a_workflows_batch_can_still_be_canceled(cache_store, engine, batch_emulator):
    """No API key: cancel is greyed out for a plain batch, but a workflow's goes through Temporal, not the API."""
    carried = await add_batch(batch_emulator, 3, ago=120, duration=3600)
    plain = await add_batch(batch_emulator, 2, ago=60, duration=3600)
    await engine.refresh()
    await carry(cache_store, carried, "tracking")
    app = BatchTuiApp(store=cache_store, api=None, engine=None, poll=False, clock=emulator_clock(batch_emulator))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.main_screen.cursor_batch_id == plain
        assert app.main_screen.check_action("cancel", ()) is None
        await pilot.press("down")
        assert app.main_screen.check_action("cancel", ()) is True
