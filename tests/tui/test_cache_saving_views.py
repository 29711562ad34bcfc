"""What prompt caching really saved, in the dashboard: the detail pane's counts column and the stats screen show the
figure priced from the usage; a batch that used no caching shows no such line."""

from __future__ import annotations

import pytest

from batchtui.core import fmt
from batchtui.core.inputs import SplitLimits
from batchtui.service.actions import ensure_results
from batchtui.service.auto_cache import AutoCache
from batchtui.service.group_submit import submit_source
from batchtui.service.session import Session
from batchtui.tui.screens.stats import StatsScreen
from tests.tui.app_support import SIZE, add_batch, settle
from tests.tui.test_create_auto_cache import shared

pytestmark = pytest.mark.emulator(error_rate=0.0, expire_rate=0.0)


async def test_the_detail_pane_and_the_stats_screen_show_what_caching_saved(
    make_app, tmp_path, cache_store, live_api, batch_emulator
):
    session = Session(cache_store, live_api)
    outcome = await submit_source(session, shared(tmp_path / "contract.jsonl"), SplitLimits(), auto_cache=AutoCache())
    batch_emulator.clock.advance(3600)
    batch = await ensure_results(session, outcome.batch.id)  # type: ignore[union-attr]
    assert batch.cache_saved_usd is not None and batch.cache_saved_usd > 0
    await add_batch(batch_emulator, 3, ago=7200, duration=60)  # no caching at all
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("r")
        await settle(pilot, app)
        counts = str(app.main_screen.query_one("#detail-counts").render())
        assert f"caching    saved {fmt.money(batch.cache_saved_usd)}" in counts
        await pilot.press("down")  # the batch that cached nothing
        await settle(pilot, app)
        assert "caching" not in str(app.main_screen.query_one("#detail-counts").render())
        await pilot.press("s")
        await settle(pilot, app)
        assert isinstance(app.screen, StatsScreen)
        cost = str(app.screen.query_one("#stats-cost").render())
        assert f"caching       saved {fmt.money(batch.cache_saved_usd)}" in cost
