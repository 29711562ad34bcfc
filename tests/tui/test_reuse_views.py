"""Reused answers in the dashboard: the detail pane and the stats screen count them and what they saved; in the
batch's results they read `reused` instead of a cost, and the selected one says which batch and custom_id it came
from; a local batch (every answer reused) says nothing was sent."""

from __future__ import annotations

import pytest

from batchtui.core import fmt
from batchtui.core.inputs import SplitLimits
from batchtui.service.actions import ensure_results
from batchtui.service.group_submit import submit_source
from batchtui.service.reuse import Reuse
from batchtui.service.session import Session
from batchtui.tui.screens.results import ResultsScreen
from batchtui.tui.screens.stats import StatsScreen
from tests.tui.app_support import SIZE, requests, screen_text, settle, write_requests

pytestmark = pytest.mark.emulator(batch_seconds=10, error_rate=0.0, expire_rate=0.0)


async def test_reused_answers_are_counted_and_say_where_they_came_from(
    make_app, tmp_path, cache_store, live_api, batch_emulator
):
    session = Session(cache_store, live_api)
    batch_emulator.clock.advance(-7200)
    first = await submit_source(session, write_requests(tmp_path / "a.jsonl", requests(3)), SplitLimits())
    batch_emulator.clock.advance(3600)
    await ensure_results(session, first.batch.id)  # type: ignore[union-attr]
    batch_emulator.clock.advance(3600)
    second = await submit_source(session, write_requests(tmp_path / "b.jsonl", requests(5)), SplitLimits(),
                                 reuse=Reuse())  # fmt: skip
    assert second.reuse is not None and second.reuse.reused == 3 and second.batch is not None
    saved = fmt.money(second.reuse.tally.saved_usd)

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        counts = str(app.main_screen.query_one("#detail-counts").render())  # the newest batch: the second
        assert f"reused     3 answers, saved {saved}" in counts
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ResultsScreen)
        text = screen_text(app)
        assert text.count("reused") >= 3  # the cost column of each reused row (the rest: not ended yet)
        usage = str(app.screen.query_one("#detail-usage").render())  # the first row, req-0000: reused
        assert f"reused from {first.batch.id} · req-0000  not sent again: saved $" in usage  # type: ignore[union-attr]
        await pilot.press("escape")
        await settle(pilot, app)
        await pilot.press("s")
        await settle(pilot, app)
        assert isinstance(app.screen, StatsScreen)
        assert f"reused        3 answers, saved {saved}" in str(app.screen.query_one("#stats-cost").render())


async def test_a_local_batch_says_nothing_was_sent(make_app, tmp_path, cache_store, live_api, batch_emulator):
    session = Session(cache_store, live_api)
    path = write_requests(tmp_path / "a.jsonl", requests(2))
    batch_emulator.clock.advance(-7200)
    first = await submit_source(session, path, SplitLimits())
    batch_emulator.clock.advance(3600)
    await ensure_results(session, first.batch.id)  # type: ignore[union-attr]
    batch_emulator.clock.advance(3600)
    again = await submit_source(session, path, SplitLimits(), reuse=Reuse())
    assert again.batch is not None and again.batch.local
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("r")  # a full refresh: the local batch stays, never taken for deleted
        await settle(pilot, app)
        counts = str(app.main_screen.query_one("#detail-counts").render())
        assert "2 answers, saved" in counts and "nothing was sent" in counts
