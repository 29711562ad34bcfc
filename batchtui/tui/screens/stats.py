"""`s`: what the Batch API did for you, from the cache: totals (batches, requests, outcomes, success rate, spent,
the standard-API price and the saving, with the batches whose cost is unknown or pending counted apart), requests
and spend per day as charts, a per-day table, and errored results by type; for all time, 30 or 7 days.

A worker reads the figures (`service.stats.collect`, a few queries over the cache) and posts them; the handler
alone fills the widgets. The figures are read again when the period changes or a sync changes the cache. On
opening, the screen waits for the first figures (up to first_draw.FIRST_READ_WAIT) before it is first laid out and
drawn, so it is drawn once, full, rather than empty and then again; a slower read shows "Reading the cache…" until
they come.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Sparkline, Static

from batchtui.core.events import BatchesUpdated, ResultsComplete
from batchtui.service.stats import Stats, collect
from batchtui.tui.first_draw import Answer, deadline
from batchtui.tui.host import session_of
from batchtui.tui.messages import SyncEventMessage
from batchtui.tui.widgets.key_footer import KeyFooter
from batchtui.tui.widgets.period_bar import PeriodBar
from batchtui.tui.widgets.plain_table import PlainTable
from batchtui.tui.widgets.stats_view import (
    DAY_COLUMNS,
    PERIODS,
    Period,
    day_rows,
    day_span,
    error_rows,
    peak_text,
    series,
    totals_columns,
)
from batchtui.tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from datetime import datetime


class StatsScreen(Screen[None]):
    TITLE = "Stats"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="stats.back", tooltip="Back to the batches"),
        Binding("p", "next_period", "Period", id="stats.period", tooltip="All time, the last 30 days, the last 7"),
    ]
    DEFAULT_CSS = """
    StatsScreen {
        #stats-tabs { height: 2; }
        #stats-totals { height: auto; padding: 1 1 0 1; }
        #stats-ran { width: 50; height: auto; }
        #stats-cost { width: 72; height: auto; }
        #stats-errors { width: 1fr; height: auto; max-height: 8; }
        .stats-chart-title { height: 1; padding: 0 1; margin-top: 1; }
        Sparkline { height: 3; margin: 0 1; }
        #stats-days { height: 1fr; margin-top: 1; }
        #stats-empty { display: none; padding: 1; color: $text-muted; }
    }
    """

    class Loaded(Message):
        def __init__(self, period: Period, stats: Stats | None, error: str | None = None) -> None:
            super().__init__()
            self.period = period
            self.stats = stats
            self.error = error

    def __init__(self) -> None:
        super().__init__()
        self.period = PERIODS[0]
        self.stats: Stats | None = None
        self.answer: Answer[StatsScreen.Loaded] = Answer()

    def compose(self) -> ComposeResult:
        yield TitleBar(icon="≡")
        yield PeriodBar([p.title for p in PERIODS], id="stats-tabs")
        with Horizontal(id="stats-totals"):
            yield Static(Content.styled("Reading the cache…", "dim"), id="stats-ran")
            yield Static(id="stats-cost")
            yield PlainTable(id="stats-errors", cursor_type="none", show_cursor=False)
        yield Static(id="stats-empty")
        yield Static(id="requests-title", classes="stats-chart-title")
        yield Sparkline([], id="requests-chart")
        yield Static(id="spent-title", classes="stats-chart-title")
        yield Sparkline([], id="spent-chart")
        yield PlainTable(id="stats-days", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    async def on_mount(self) -> None:
        days = self.query_one("#stats-days", PlainTable)
        for title, right in DAY_COLUMNS:
            days.add_column(Text(title, justify="right" if right else "left"), key=title)
        errors = self.query_one("#stats-errors", PlainTable)
        errors.add_column("Errored results by type", key="type")
        errors.add_column(Text("Results", justify="right"), key="n")
        self.load()
        # The screen is first laid out and drawn once this returns: filled now, it is drawn once instead of twice.
        if (first := await self.answer.wait(deadline())) is not None:
            self.loaded(first)

    @property
    def now(self) -> datetime:
        return self.app.clock()  # type: ignore[attr-defined]

    # -- worker -----------------------------------------------------------------------------------------------

    @work(exclusive=True, group="stats", exit_on_error=False)
    async def load(self) -> None:
        period = self.period
        try:
            message = self.Loaded(period, await collect(session_of(self.app), period.since(self.now)))
        except Exception as exc:  # a busy or closing store: say so, keep the screen
            message = self.Loaded(period, None, f"Could not read the cache: {exc}")
        self.post_message(self.answer.post(message))

    # -- handlers ---------------------------------------------------------------------------------------------

    @on(Loaded)
    def loaded(self, message: Loaded) -> None:
        if message.period != self.period or not self.answer.unseen(message):
            return  # an answer for a period no longer shown, or one shown already
        self.stats = stats = message.stats
        empty = self.query_one("#stats-empty", Static)
        if stats is None or not stats.total.batches:
            empty.display = True
            empty.update(Content(message.error or f"No batches in the cache for {self.period.title.lower()}."))
        else:
            empty.display = False
        if stats is None:
            return
        ran, cost = totals_columns(stats)
        self.query_one("#stats-ran", Static).update(ran)
        self.query_one("#stats-cost", Static).update(cost)
        days = day_span(stats, self.period.since(self.now), self.now.date())
        requests, spent = series(stats, days)
        self.query_one("#requests-title", Static).update(peak_text("Requests per day", days, requests))
        self.query_one("#requests-chart", Sparkline).data = requests
        self.query_one("#spent-title", Static).update(peak_text("Spent per day (known costs)", days, spent, True))
        self.query_one("#spent-chart", Sparkline).data = spent
        table = self.query_one("#stats-days", PlainTable)
        table.clear()
        for day, cells in day_rows(stats):
            table.add_row(*cells, key=day)
        errors = self.query_one("#stats-errors", PlainTable)
        errors.clear()
        for kind, count in error_rows(stats):
            errors.add_row(kind, count)

    @on(PeriodBar.Changed, "#stats-tabs")
    def period_changed(self, event: PeriodBar.Changed) -> None:
        period = PERIODS[event.index]
        if period != self.period:
            self.period = period
            self.load()

    def on_sync_event_message(self, message: SyncEventMessage) -> None:
        if isinstance(message.event, BatchesUpdated | ResultsComplete):  # the cache changed under the figures
            self.load()

    # -- actions ----------------------------------------------------------------------------------------------

    def action_next_period(self) -> None:
        self.query_one(PeriodBar).action_move(1)

    def action_close(self) -> None:
        self.dismiss()
