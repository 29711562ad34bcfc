"""`s`: the stats screen shows what `service.stats.collect` reads from the cache (totals, per day, error types) for
all time, 30 days and 7 days, says which costs are unknown or pending instead of guessing, and is in the palette."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import DataTable, Sparkline

from batchtui.core import fmt
from batchtui.service.session import Session
from batchtui.service.stats import collect
from batchtui.service.sync import sync_once
from batchtui.tui.commands import BatchCommands
from batchtui.tui.screens.main import MainScreen
from batchtui.tui.screens.stats import StatsScreen
from batchtui.tui.widgets.period_bar import PeriodBar
from batchtui.tui.widgets.plain_table import PlainTable
from batchtui.tui.widgets.stats_view import PERIODS, rate
from tests.tui.app_support import SIZE, add_batch, settle
from tests.tui.test_plain_table import cells_as_datatable_draws_them

DAY = 86400
pytestmark = pytest.mark.emulator(error_rate=0.2, expire_rate=0.1, seed=5)


@pytest.fixture
async def session(cache_store, live_api, engine, batch_emulator) -> Session:
    """Batches over six weeks: ended ones with their results downloaded (priced), an archived one whose results
    were never downloaded (cost unknown), and one still running (pending)."""
    for n, ago in ((30, 45 * DAY), (12, 10 * DAY), (20, 3 * DAY), (8, 3 * DAY + 600), (15, 2 * 3600)):
        await add_batch(batch_emulator, n, ago=ago, duration=600)
    session = Session(cache_store, live_api)
    session.engine = engine
    await sync_once(session)  # lists them all, downloads what can be
    await add_batch(batch_emulator, 5, ago=60, duration=3600)
    await engine.refresh()
    return session


def cells(table: DataTable, row: int) -> list[str]:
    return [str(cell) for cell in table.get_row_at(row)]


async def test_the_stats_screen_shows_what_collect_reads(make_app, session):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("s")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        for period in PERIODS:
            assert screen.period == period
            stats = await collect(session, period.since(app.clock()))
            t = stats.total
            ran, cost = (str(screen.query_one(f"#stats-{w}").render()) for w in ("ran", "cost"))
            assert f"batches       {t.batches}" in ran
            assert f"requests      {fmt.count(t.requests)}" in ran
            assert f"success rate  {rate(t.success_rate)} of {fmt.count(t.finished)}" in ran
            assert f"spent         {fmt.money(t.cost_usd)} at batch rates ({t.priced_batches} batch" in cost
            assert f"saved         {fmt.money(t.saved_usd)}" in cost
            assert f"standard API  {fmt.money(t.standard_cost_usd)}" in cost
            days = screen.query_one("#stats-days", DataTable)
            assert days.row_count == len(stats.days)
            for i, (day, f) in enumerate(reversed(stats.days.items())):  # newest first
                assert cells(days, i)[:3] == [day, fmt.count(f.batches), fmt.count(f.requests)]
            errors = screen.query_one("#stats-errors", DataTable)
            assert [cells(errors, i) for i in range(errors.row_count)] == [
                [kind, fmt.count(n)] for kind, n in stats.error_types.items()
            ]
            for table in (days, errors):  # drawn plain where they can be, exactly as DataTable draws them
                assert isinstance(table, PlainTable)
                assert cells_as_datatable_draws_them(table) >= table.row_count  # the figures at least
            chart = screen.query_one("#requests-chart", Sparkline)
            assert sum(chart.data or []) == t.requests  # every request is on the chart, on its day
            await pilot.press("p")  # the next period
            await settle(pilot, app)
        assert screen.period == PERIODS[0]  # round again
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_unknown_and_pending_costs_are_called_out_never_guessed(make_app, session):
    stats = await collect(session)
    assert stats.total.unknown_cost_batches == 1 and stats.total.pending_cost_batches == 1  # archived, running
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("s")
        await settle(pilot, app)
        cost = str(app.screen.query_one("#stats-cost").render())
        assert "unknown       1 batch: no known price, or results gone; never guessed" in cost
        assert "pending       1 batch: running, or results not downloaded yet" in cost
        days = app.screen.query_one("#stats-days", DataTable)
        oldest = cells(days, days.row_count - 1)
        assert oldest[8] == "unknown" and oldest[9] == "unknown"  # a day with no priced batch: no number


async def test_the_palette_opens_the_stats(make_app, session):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        names = [str(hit.text) async for hit in BatchCommands(app.screen).discover()]
        assert "view: stats (cost, saving, outcomes per day)" in names
        await pilot.press("ctrl+p")
        await pilot.press(*"view: stats", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, StatsScreen)


async def test_the_figures_are_there_when_the_screen_is_first_laid_out(make_app, session, monkeypatch):
    """A quick read is waited for: the screen's first layout (and drawing) already has the figures, not "Reading the
    cache…" to be replaced a moment later."""
    first: list[str] = []
    layout = StatsScreen._refresh_layout

    def recorded(screen, *args, **kwargs):
        if isinstance(screen, StatsScreen) and not first:
            first.append(str(screen.query_one("#stats-ran").render()))
        return layout(screen, *args, **kwargs)

    monkeypatch.setattr(StatsScreen, "_refresh_layout", recorded)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("s")
        await settle(pilot, app)
        total = (await collect(session)).total
        assert first and f"batches       {total.batches}" in first[0] and "Reading" not in first[0]


async def test_a_slow_read_shows_the_screen_at_once_and_the_figures_when_they_come(make_app, session, monkeypatch):
    import batchtui.tui.screens.stats as stats_screen
    from batchtui.tui import first_draw

    release = asyncio.Event()
    reads = []

    async def slow(session, since):
        reads.append(since)
        await release.wait()
        return await collect(session, since)

    monkeypatch.setattr(stats_screen, "collect", slow)
    monkeypatch.setattr(first_draw, "FIRST_READ_WAIT", 0.05)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("s")
        await pilot.pause(0.2)
        screen = app.screen
        assert isinstance(screen, StatsScreen) and reads == [None]
        assert str(screen.query_one("#stats-ran").render()) == "Reading the cache…"
        assert screen.query_one("#stats-days", DataTable).row_count == 0
        release.set()
        await settle(pilot, app)
        stats = await collect(session)
        assert f"batches       {stats.total.batches}" in str(screen.query_one("#stats-ran").render())
        assert screen.query_one("#stats-days", DataTable).row_count == len(stats.days)


async def test_the_period_bar_answers_keys_and_clicks_as_tabs_did(make_app, session):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("s")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        bar = screen.query_one(PeriodBar)
        assert app.focused is bar and [str(bar.render_line(0).text).split()[i] for i in (0, 2)] == ["All", "Last"]
        days = screen.query_one("#stats-days", DataTable)

        async def shown(period_index: int) -> None:
            await settle(pilot, app)
            assert screen.period == PERIODS[period_index] and bar.active == period_index
            stats = await collect(session, PERIODS[period_index].since(app.clock()))
            assert days.row_count == len(stats.days)  # the figures read again for it

        await pilot.press("right")
        await shown(1)
        await pilot.press("left", "left")  # wraps round
        await shown(2)
        start = bar.spans[1][0]
        await pilot.click(PeriodBar, offset=(start + 2, 0))  # on a label
        await shown(1)
        await pilot.click(PeriodBar, offset=(bar.spans[0][0] + 1, 1))  # on the bar under it
        await shown(0)
        await pilot.pause(0.4)  # the bar under the labels slides to the active one
        assert (bar.highlight_start, bar.highlight_end) == (bar.spans[0][0] + 1, bar.spans[0][1] - 1)
        await pilot.hover(PeriodBar, offset=(start + 2, 0))
        assert bar.hovered == 1
        await pilot.hover(PeriodBar, offset=(start + 2, 1))
        assert bar.hovered is None
