"""The dashboard for a person at 80×24: the list keeps label, status, the counts that are not zero, total and cost
(columns drop by priority, whole, and come back on a wider terminal); the footer keeps `?` and `q`; the results
view keeps outcome, custom_id and a readable cost. And the small things: a greyed-out key says why, the empty list
says how to start without a key, Home/End, Escape clears a results filter before leaving, the results header
words the status as the list does."""

from __future__ import annotations

from textual.pilot import Pilot

from batchtui.tui.app import BatchTuiApp
from batchtui.tui.launch import NO_KEY
from batchtui.tui.screens.results import ResultsScreen
from batchtui.tui.widgets.batch_table import BatchTable, choose_layout
from batchtui.tui.widgets.key_footer import KeyFooter
from batchtui.tui.widgets.results_table import ResultsTable, column_widths
from tests.tui.app_support import screen_text
from tests.tui.results_support import wait_for
from tests.tui.snapshot_apps.fixed import PLAN, TRIAGE, FixedApp

NARROW, WIDE = (80, 24), (200, 50)


async def settled(pilot: Pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def columns(app: BatchTuiApp) -> tuple[str, ...]:
    return tuple(str(key.value) for key in app.main_screen.query_one(BatchTable).columns)


def footer_keys(app: BatchTuiApp) -> list[str]:
    return [spec.key for spec in app.screen.query_one(KeyFooter).shown]


async def test_at_80_columns_the_list_keeps_what_matters_whole_and_a_wider_terminal_brings_the_rest_back():
    app = FixedApp()
    async with app.run_test(size=NARROW) as pilot:
        await settled(pilot)
        # A loaded machine may paint the rows after the workers settle: wait for them (then check every value).
        await wait_for(pilot, lambda: "228 ok" in screen_text(app), within=20, what="the list's rows")
        shown = columns(app)
        assert {"name", "status", "counts", "total", "cost"} <= set(shown)
        assert not {"created", "when", "bar"} & set(shown)  # dropped first
        text = screen_text(app)
        # Every value of a kept column whole: the non-zero counts with their words, totals and costs.
        assert "228 ok 11 err 1 exp" in text and "$0.0433" in text and "12,000" in text
        assert "183 ok 3 err 412 canc 2 exp" in text  # a zero count is left out
        assert all(len(line) <= 80 for line in text.splitlines())
        # The footer keeps help and quit.
        assert {"question_mark", "q"} <= set(footer_keys(app))
        await pilot.resize_terminal(*WIDE)
        await settled(pilot)
        assert {"created", "when", "bar", "succeeded", "errored"} <= set(columns(app))  # on_resize
        assert "counts" not in columns(app)  # one column per count again
        assert "2 hours ago" in screen_text(app)
        await pilot.resize_terminal(*NARROW)
        await settled(pilot)
        assert "created" not in columns(app)


def test_columns_drop_by_priority_never_the_kept_ones():
    content = {"processing": 5, "succeeded": 6, "errored": 4, "canceled": 5, "expired": 4}
    content |= {"workflow": 9, "counts": 23, "total": 6, "cost": 7}
    every = set(content) - {"counts"}
    wide = choose_layout(300, content, every, workflows=True)
    assert "counts" not in wide.keys and {"created", "when", "elapsed", "bar"} <= set(wide.keys)
    narrow = choose_layout(79, content, every, workflows=True)
    assert set(narrow.keys) == {"mark", "name", "status", "counts", "total", "cost"}
    assert narrow.name_width < 26  # what is left after the kept columns: the label's "…" comes sooner
    # Count columns that are all zero go before the optional ones.
    some = choose_layout(136, content, {"processing", "succeeded"}, workflows=False)
    assert {"processing", "succeeded", "bar", "created"} <= set(some.keys)
    assert not {"errored", "canceled", "expired"} & set(some.keys)
    assert "workflow" not in some.keys  # no workflow in view: no empty column for it


async def test_results_at_80_columns_keep_outcome_id_and_a_readable_cost():
    app = FixedApp()
    async with app.run_test(size=NARROW) as pilot:
        await settled(pilot)
        app.open_results(TRIAGE)
        await settled(pilot)
        table = app.screen.query_one(ResultsTable)
        row = table.row_at(0)
        line = table.render_line(1).text
        assert row.custom_id in line and row.result_type in line
        assert line.rstrip().endswith("$0.0002")  # whole, not "$0."
        assert {"question_mark", "q"} <= set(footer_keys(app))
    widths = column_widths(79)
    assert all(widths[i] for i in (1, 2, 6))  # custom_id, type, cost


async def test_a_greyed_out_key_says_why():
    app = FixedApp()
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await settled(pilot)
        app.main_screen.table.select_batch(PLAN[0][0])  # in progress: cannot be deleted
        await settled(pilot)
        await pilot.press("d")
        await settled(pilot)
        assert [n.message for n in app._notifications][-1] == "Only ended batches can be deleted."
        app.main_screen.table.select_batch(TRIAGE)  # ended: cannot be canceled
        await settled(pilot)
        await pilot.press("c")
        await settled(pilot)
        assert [n.message for n in app._notifications][-1] == "Only batches in progress can be canceled."


async def test_without_a_key_n_says_why_and_the_empty_list_says_how_to_start(cache_store):
    app = BatchTuiApp(store=cache_store, api=None, engine=None, offline_reason=NO_KEY, poll=False)
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        await settled(pilot)
        text = screen_text(app).replace("\n", " ")
        assert "No batches yet." in text and "batchtui --demo" in text and "Press n" not in text
        await pilot.press("n")
        await settled(pilot)
        assert app._notifications and "Creating a batch needs the API" in list(app._notifications)[-1].message


async def test_home_and_end_in_the_list():
    app = FixedApp()
    async with app.run_test(size=(160, 45)) as pilot:
        await settled(pilot)
        table = app.main_screen.table
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("home")
        assert table.cursor_row == 0


async def test_escape_in_the_results_view_clears_the_filter_before_leaving():
    app = FixedApp()
    async with app.run_test(size=(160, 45)) as pilot:
        await settled(pilot)
        app.open_results(TRIAGE)
        await settled(pilot)
        screen = app.screen
        await pilot.press("3")  # errored only
        await settled(pilot)
        assert screen.query_one(ResultsTable).row_count == 11
        await pilot.press("escape")
        await settled(pilot)
        assert app.screen is screen  # still here, the filter gone
        assert screen.filter_bar.filter.is_empty and screen.query_one(ResultsTable).row_count == 240
        await pilot.press("escape")
        await settled(pilot)
        assert not isinstance(app.screen, ResultsScreen)


async def test_the_results_header_words_the_status_as_the_list_does():
    app = FixedApp()
    async with app.run_test(size=(160, 45)) as pilot:
        await settled(pilot)
        app.open_results(PLAN[1][0])  # in progress
        await settled(pilot)
        assert "in progress" in screen_text(app) and "in_progress" not in screen_text(app)
        app.screen.dismiss()
        await settled(pilot)
        app.open_results(PLAN[8][0])  # archived: the list says so, not "ended"
        await settled(pilot)
        header = screen_text(app).splitlines()[1]
        assert header.lstrip().startswith("archived")
