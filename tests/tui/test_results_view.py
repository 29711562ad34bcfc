"""The results view on a real store: rows, filters, search, the detail pane, copy, marks and navigation."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Input, ProgressBar, Select, Static

from batchtui.core.models import ResultFilter
from batchtui.tui.screens.results import ResultsScreen
from batchtui.tui.widgets.filter_bar import ErrorTypeBox, FilterBar, OutcomeBar
from batchtui.tui.widgets.result_detail import ResultDetail
from batchtui.tui.widgets.results_table import ResultsTable
from tests.tui.results_support import (
    BATCH_ID,
    ResultsHostApp,
    mixed_lines,
    request_params,
    screen_text,
    seed_batch,
    settle,
)

N = 400
SIZE = (120, 40)


@pytest.fixture
async def store(cache_store):
    prompts = {
        f"req-{i:06d}": request_params(f"Question {i}: please summarise ticket {i}.", system="You are a support lead.")
        for i in range(N)
    }
    await seed_batch(cache_store, mixed_lines(N), prompts=prompts)
    return cache_store


def table_of(app: ResultsHostApp) -> ResultsTable:
    return app.screen.query_one(ResultsTable)


def painted_rows(table: ResultsTable) -> list[str]:
    """The text of the table's lines as painted (header excluded)."""
    return [table.render_line(y).text for y in range(1, table.size.height)]


async def test_open_results_shows_rows_and_header(store):
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, ResultsScreen)
        table = table_of(app)
        assert table.row_count == N
        rows = painted_rows(table)
        assert rows[0].lstrip().startswith("req-000000")
        assert "succeeded" in rows[0] and "end_turn" in rows[0] and "Summary 0" in rows[0]
        assert "invalid_request_error" in rows[3]
        text = screen_text(app)
        assert "October support tickets" in text and BATCH_ID in text
        assert "1 all 400" in text and "3 errored 80" in text and "5 expired 20" in text
        assert "400 results" in text


async def test_the_first_layout_already_shows_the_rows_the_summary_and_the_prompt(store, monkeypatch):
    """Quick reads are waited for: the screen is first laid out (and drawn) with its rows, the batch's summary and
    the first row's prompt, not empty and then again as each arrives; the answers posted meanwhile change nothing
    when their turn comes."""
    first: list[tuple[int | None, str, dict[str | None, int | None], str]] = []
    layouts = [0]
    layout = ResultsScreen._refresh_layout

    def recorded(screen, *args, **kwargs):
        if isinstance(screen, ResultsScreen):
            layouts[0] += 1
            if not first:
                first.append(
                    (screen.table.row_count, str(screen.query_one("#results-header", Static).render()),
                     screen.query_one(OutcomeBar).counts,
                     str(screen.query_one("#detail-prompt", Static).render()))
                )  # fmt: skip
        return layout(screen, *args, **kwargs)

    monkeypatch.setattr(ResultsScreen, "_refresh_layout", recorded)
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        rows, header, outcomes, prompt = first[0]
        assert rows == N and "October support tickets" in header
        assert outcomes[None] == N and outcomes["errored"] == 80
        assert "Question 0: please summarise ticket 0." in prompt
        settled = layouts[0]
        shown = screen_text(app)
        await pilot.pause(0.3)
        assert layouts[0] == settled and screen_text(app) == shown  # nothing came late


async def test_a_slow_read_draws_the_screen_at_once_and_fills_it_when_the_answers_come(store, monkeypatch):
    from batchtui.tui import first_draw

    release = asyncio.Event()
    real = store.result_type_counts

    async def slow(batch_id):
        await release.wait()
        return await real(batch_id)

    monkeypatch.setattr(first_draw, "FIRST_READ_WAIT", 0.05)
    monkeypatch.setattr(store, "result_type_counts", slow)
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        assert isinstance(app.screen, ResultsScreen) and table_of(app).row_count == N  # the rows came in time
        assert "1 all 400" not in screen_text(app)  # the summary did not
        release.set()
        await settle(pilot, app)
        assert "1 all 400" in screen_text(app) and "October support tickets" in screen_text(app)


async def test_outcome_keys_filter_and_reset_paging(store):
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        table = table_of(app)
        await pilot.press("end")
        await settle(pilot, app)
        assert table.cursor == N - 1
        await pilot.press("3")
        await settle(pilot, app)
        assert table.filter == ResultFilter(types=frozenset({"errored"}))
        assert table.row_count == 80
        assert table.cursor == 0 and table.scroll_offset.y == 0
        assert all(" errored " in line for line in painted_rows(table) if line.strip())
        assert app.screen.query_one(OutcomeBar).selected == "errored"
        await pilot.press("4")
        await settle(pilot, app)
        assert table.row_count == 20
        assert table.cursor_row is not None and table.cursor_row.result_type == "canceled"
        await pilot.press("1")
        await settle(pilot, app)
        assert table.row_count == N


async def test_outcome_toggle_click(store):
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        bar = app.screen.query_one(OutcomeBar)
        await pilot.click(bar, offset=(bar.offset_of("expired"), 0))
        await settle(pilot, app)
        assert table_of(app).row_count == 20
        assert table_of(app).cursor_row.result_type == "expired"


async def test_error_type_select(store):
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert not app.screen.query(Select)  # a stand-in until the box is first used
        await pilot.press("t")
        await settle(pilot, app)
        select = app.screen.query_one("#error-type", Select)
        assert app.focused is select and not app.screen.query(ErrorTypeBox)
        # Choices come from error_type_counts, most frequent first, with their counts.
        labels = [str(prompt) for prompt, _ in select._options if _ is not Select.NULL]
        assert labels == ["invalid_request_error (40)", "overloaded_error (40)"]
        select.value = "overloaded_error"
        await settle(pilot, app)
        table = table_of(app)
        assert table.row_count == 40
        assert table.cursor_row.error_type == "overloaded_error"
        select.clear()
        await settle(pilot, app)
        assert table.row_count == N


async def test_custom_id_substring_filter(store):
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("c")
        assert isinstance(app.focused, Input) and app.focused.id == "custom-id"
        await pilot.press(*"00012")
        await pilot.pause(0.4)  # the box applies as you type, debounced
        await settle(pilot, app)
        table = table_of(app)
        assert table.filter.custom_id == "00012"
        assert table.row_count == 11  # req-000012 and req-000120 … req-000129
        assert all("00012" in line for line in painted_rows(table) if line.strip())


async def test_full_text_search_applies_on_enter(store, monkeypatch):
    warmed: list[str] = []
    build_index = store.ensure_search_index

    async def spy(batch_id: str) -> None:
        warmed.append(batch_id)
        await build_index(batch_id)

    monkeypatch.setattr(store, "ensure_search_index", spy)
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert warmed == []
        await pilot.press("slash")
        assert app.focused.id == "search"
        await settle(pilot, app)
        assert warmed == [BATCH_ID]  # the index is built while the query is typed
        await pilot.press(*"refund")
        await settle(pilot, app)
        table = table_of(app)
        assert table.filter.search is None  # not before Enter
        await pilot.press("enter")
        await settle(pilot, app)
        assert table.filter.search == "refund"
        assert table.row_count == N // 4  # every fourth answer is about a refund policy
        assert all("refund" in table.row_at(i).text for i in range(table.row_count))
        assert app.focused is table  # Enter applies, then back to the rows
        # Prompts are searched too: only request 123's prompt says "ticket 123."
        await pilot.press("slash", *["backspace"] * 6, *"ticket 123", "enter")
        await settle(pilot, app)
        assert table.row_count == 1
        assert table.cursor_row.custom_id == "req-000123"


async def test_a_cold_search_shows_its_first_rows_while_the_index_is_built(store, monkeypatch):
    """Before the batch's index is built, a search's first page comes from a scan (the same rows the index gives),
    counted as "200+" until the build finishes and gives the full count."""
    import asyncio

    release = asyncio.Event()
    build_index = store.ensure_search_index

    async def held(batch_id: str, **kwargs) -> None:
        await release.wait()
        await build_index(batch_id, **kwargs)

    monkeypatch.setattr(store, "ensure_search_index", held)
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        table = table_of(app)
        app.screen.filter_bar._search = "ticket"  # every prompt: more than a page of matches
        app.screen.filter_bar._apply()
        for _ in range(200):
            await pilot.pause(0.01)
            if table.row_count is not None:
                break
        assert table.filter.search == "ticket"
        assert table.partial and table.row_count == 200  # a page, found without the index
        assert [table.row_at(i).custom_id for i in range(3)] == ["req-000000", "req-000001", "req-000002"]
        assert "200+ results" in screen_text(app) and "searching…" in screen_text(app)
        release.set()
        await settle(pilot, app)
        assert not table.partial and table.row_count == N
        assert f"{N} of {N} results" in screen_text(app)


async def test_the_index_can_be_built_as_the_view_opens(store, monkeypatch):
    """INDEX_ON_OPEN (off by default): a batch up to that size starts its index once its rows show, and only once."""
    import batchtui.tui.screens.results as results_screen

    warmed: list[str] = []
    build_index = store.ensure_search_index

    async def spy(batch_id: str) -> None:
        warmed.append(batch_id)
        await build_index(batch_id)

    monkeypatch.setattr(store, "ensure_search_index", spy)
    monkeypatch.setattr(results_screen, "INDEX_ON_OPEN", N)
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert warmed == [BATCH_ID]  # before any query is typed
        assert await store.is_search_indexed(BATCH_ID)
        await pilot.press("slash")
        await settle(pilot, app)
        assert warmed == [BATCH_ID]  # the search box does not start it again


async def test_detail_shows_prompt_beside_response_and_usage(store):
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("down", "down")
        await settle(pilot, app)
        detail = app.screen.query_one(ResultDetail)
        assert detail.row.custom_id == "req-000002"
        prompt = str(detail.query_one("#detail-prompt", Static).content)
        assert "SYSTEM\nYou are a support lead." in prompt
        assert "USER\nQuestion 2: please summarise ticket 2." in prompt
        assert detail.response_text == "Summary 2: the customer asks about a refund policy."
        prompt_pane = detail.query_one("#detail-prompt-pane")
        response_pane = detail.query_one("#detail-response-pane")
        assert prompt_pane.region.y == response_pane.region.y and prompt_pane.region.x < response_pane.region.x
        usage = str(detail.query_one("#detail-usage", Static).content)
        assert "in 102" in usage and "out 48" in usage and "cache read 0" in usage and "cost $" in usage


async def test_detail_shows_error_details(store):
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("down", "down", "down")
        await settle(pilot, app)
        detail = app.screen.query_one(ResultDetail)
        assert detail.has_class("-errored")
        error = str(detail.query_one("#detail-error", Static).content)
        assert error == "error invalid_request_error\nmax_tokens: field required (request 3)"
        assert detail.query_one("#detail-error").display
        assert "errored" in detail.response_text


async def test_copy_custom_id(store):
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("down", "y")
        await pilot.pause()
        assert app.clipboard == "req-000001"
        assert any(n.message == "Copied req-000001" for n in app._notifications)


async def test_marks_toggle_show_and_clear(store):
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        table = table_of(app)
        await pilot.press("space", "space", "down", "space")
        await settle(pilot, app)
        assert table.marked == {"req-000000", "req-000001", "req-000003"}
        rows = painted_rows(table)
        assert [line.startswith("●") for line in rows[:4]] == [True, True, False, True]
        assert "3 marked" in screen_text(app)
        await pilot.press("up", "space")  # unmark
        assert table.marked == {"req-000000", "req-000001"}
        await pilot.press("u")
        await pilot.pause()
        assert table.marked == set()
        assert "marked" not in screen_text(app)


async def test_click_selects_row(store):
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        table = table_of(app)
        await pilot.click(ResultsTable, offset=(5, 6))  # line 0 is the header
        await settle(pilot, app)
        assert table.cursor == 5
        assert app.screen.query_one(ResultDetail).row.custom_id == "req-000005"


async def test_keyboard_paging_and_escape(store):
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        table = table_of(app)
        await pilot.press("pagedown")
        assert table.cursor == table.size.height - 1
        await pilot.press("end")
        await settle(pilot, app)
        assert table.cursor == N - 1
        assert painted_rows(table)[-1].lstrip().startswith(f"req-{N - 1:06d}")
        await pilot.press("home")
        assert table.cursor == 0 and table.scroll_offset.y == 0
        await pilot.press("slash")
        await pilot.press("escape")  # leaves the search box first
        assert app.focused is table
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ResultsScreen)


async def test_the_results_screen_is_reused_for_the_next_batch_as_if_new(store):
    """app.open_results keeps one results screen installed and switches it to the batch opened: nothing of the
    batch shown before (filter, marks, cursor, counts, detail) carries over."""
    from batchtui.tui.screens.results import results_screen

    other = "msgbatch_01OtherBatch0000000000000"
    await seed_batch(store, mixed_lines(30), batch_id=other, label="Another batch")

    class ReusingApp(ResultsHostApp):
        def open_results(self, batch_id: str) -> None:
            self.push_screen(results_screen(self, batch_id))

    app = ReusingApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        first = app.screen
        await pilot.press("down", "down", "space", "2")  # a mark, the cursor moved, succeeded only
        await settle(pilot, app)
        assert table_of(app).marked and table_of(app).filter.types
        await pilot.press("escape", "escape")  # the filter cleared, then back
        await settle(pilot, app)
        app.open_results(other)
        await settle(pilot, app)
        assert app.screen is first  # the same screen, switched
        table = table_of(app)
        assert table.batch_id == other and table.row_count == 30 and table.cursor == 0 and not table.marked
        assert table.row_at(0).batch_id == other
        assert "Another batch" in screen_text(app) and "October support tickets" not in screen_text(app)
        assert "30 results" in screen_text(app)
        assert app.screen.query_one(ResultDetail).row.batch_id == other
        await pilot.press("escape")
        await settle(pilot, app)
        app.open_results(BATCH_ID)
        await settle(pilot, app)
        assert app.screen is first and table_of(app).row_count == N and table_of(app).row_at(0).batch_id == BATCH_ID
        assert f"{N} results" in screen_text(app)


async def test_download_progress_bar_is_made_when_a_download_shows(store):
    """A stored batch's view has no progress bar; the first progress shown mounts one between the notice and the
    count, and hiding keeps it for the next download."""
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, ResultsScreen)
        assert not screen.query(ProgressBar)
        screen._hide_progress()  # nothing to hide: no error
        screen._show_progress(10, 100)
        await pilot.pause()
        bar = screen.query_one("#download-progress", ProgressBar)
        assert bar.has_class("-shown") and bar.display and bar.region.width == 40
        assert (bar.progress, bar.total) == (10, 100)
        ids = [w.id for w in screen.query_one("#results-statusbar").children]
        assert ids == ["results-notice", "download-progress", "results-count"]
        assert "Downloading results… 10 of 100" in str(screen.query_one("#results-notice", Static).content)
        screen._hide_progress()
        await pilot.pause()
        assert not bar.display
        screen._show_progress(60, 100)
        await pilot.pause()
        assert screen.query_one(ProgressBar) is bar and bar.display and bar.progress == 60


async def test_error_type_box_becomes_the_select_when_used(store):
    """Clicked, the stand-in is replaced by the Select, opened, with the choices counted before it existed; Tab
    back from the custom_id box focuses it as it did the Select; a clear with no Select yet is fine."""
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        bar = app.screen.query_one(FilterBar)
        bar.clear()
        assert bar.error_select is None
        await pilot.click(ErrorTypeBox)
        await settle(pilot, app)
        select = bar.error_select
        assert select is not None and select.expanded and app.focused is not None
        assert next(str(p) for p, _ in select._options if _ is not Select.NULL) == "invalid_request_error (40)"
        await pilot.press("down", "down", "enter")  # past the prompt (no filter), as on a clicked Select
        await settle(pilot, app)
        assert table_of(app).filter.error_type == "invalid_request_error"
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert isinstance(app.focused, ResultsTable)
        await pilot.press("c", "shift+tab")  # from the custom_id box, back to the one before it
        await settle(pilot, app)
        assert isinstance(app.focused, Select) and app.focused.id == "error-type"
        assert not app.focused.expanded
        await pilot.press("tab")
        assert app.focused.id == "custom-id"
