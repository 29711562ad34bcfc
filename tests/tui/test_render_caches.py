"""The dashboard's render shortcuts draw exactly what Textual would: the batch list's cells kept across DataTable's
cache resets (a clock tick, a resize, a focus change). (The key bar's: tests/tui/test_key_footer.py.)

No timing is asserted here: speed is measured by benchmarks/first_paint.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.strip import Strip
from textual.widgets import DataTable

from batchtui.tui.app import BatchTuiApp
from batchtui.tui.widgets.batch_table import BatchTable
from tests.tui.app_support import settle, table_of
from tests.tui.test_batch_table_scale import wire

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def drawn_as_textual_would(table: BatchTable) -> None:
    """Every visible cell as BatchTable draws it, against DataTable's own drawing of it now."""
    top = round(table.scroll_offset.y)
    rows = range(top, min(table.row_count, top + table.size.height))
    assert rows
    cursor = table.cursor_coordinate
    for row_index in rows:
        base = table._get_row_style(row_index, table.rich_style)
        for column_index, column in enumerate(table.ordered_columns):
            width = column.get_render_width(table)
            on_cursor = row_index == cursor.row
            ours = table._render_cell(row_index, column_index, base, width, cursor=on_cursor)
            theirs = DataTable._render_cell(table, row_index, column_index, base, width, cursor=on_cursor)
            assert ours == theirs, (row_index, column.key.value)


async def test_list_cells_drawn_across_ticks_resizes_focus_and_cursor_moves(cache_store):
    await cache_store.upsert_batches([wire(i) for i in range(120)], synced_at=START)
    now = [START]
    app = BatchTuiApp(store=cache_store, api=None, engine=None, clock=lambda: now[0], poll=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        table = table_of(app)
        drawn_as_textual_would(table)
        for step in range(3):  # ticks: the running batches' elapsed cells change, the others stay
            now[0] += timedelta(seconds=7 + step * 3600)
            app.main_screen.tick()
            await settle(pilot, app)
            drawn_as_textual_would(table)
        for key in ("down", "down", "pagedown", "up", "slash", "escape", "space", "escape", "end", "home"):
            # moves, the filter box (it takes focus and a line: the list is resized and blurred), marks
            await pilot.press(key)
            await settle(pilot, app)
            drawn_as_textual_would(table)
        await pilot.resize_terminal(100, 30)  # fewer columns
        await settle(pilot, app)
        drawn_as_textual_would(table)
        await pilot.resize_terminal(60, 30)  # the label column narrows: the same cells, drawn narrower
        await settle(pilot, app)
        assert table.column_layout is not None and table.column_layout.name_width < 26
        drawn_as_textual_would(table)
        await pilot.press("down")
        await settle(pilot, app)
        drawn_as_textual_would(table)


def test_dialog_backdrop_tints_as_textual_does() -> None:
    """Each segment of the screen beneath comes out as Textual's BackgroundScreen makes it (tint, links and meta
    stripped, control segments as they are), whichever tint and styles, kept tints reused or not."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from rich.segment import Segment
    from rich.style import Style
    from textual.color import Color
    from textual.renderables.background_screen import BackgroundScreen

    from batchtui.tui.backdrop import TintedBackdrop

    colors = st.one_of(st.none(), st.sampled_from(["red", "green", "#102030", "bright_blue", "default", "grey50"]))
    styles = st.one_of(
        st.none(),
        st.builds(
            lambda fg, bg, bold, link, meta: (
                Style(color=fg, bgcolor=bg, bold=bold, link=link)
                + (Style.from_meta({"row": meta}) if meta is not None else Style())
            ),
            colors,
            colors,
            st.booleans(),
            st.one_of(st.none(), st.just("https://example.com")),
            st.one_of(st.none(), st.integers(0, 3)),
        ),
    )
    segments = st.lists(
        st.one_of(
            st.builds(Segment, st.text(max_size=5), styles),
            st.just(Segment("", None, [(1,)])),  # a control segment
        ),
        max_size=12,
    )
    tints = st.builds(
        Color, st.integers(0, 255), st.integers(0, 255), st.integers(0, 255), st.sampled_from([0, 0.3, 0.6])
    )

    @settings(max_examples=200, deadline=None)
    @given(segments, tints)
    def check(line: list[Segment], tint: Color) -> None:
        for _ in range(2):  # the second time from the kept tints
            ours = list(TintedBackdrop.process_segments(line, tint))
            theirs = list(BackgroundScreen.process_segments(line, tint))
            assert ours == theirs
            assert [s.style for s in ours] == [s.style for s in theirs]
            assert [s.style._link_id if s.style else None for s in ours] == [
                s.style._link_id if s.style else None for s in theirs
            ]

    check()


async def test_dialog_backdrop_lines_are_textuals_as_the_screen_beneath_changes(cache_store):
    """The backdrop drawn from kept lines is what Textual's own RichVisual of a BackgroundScreen draws, the first
    time, from the kept lines, and after the screen beneath changed (a tick moved its times, the cursor moved)."""
    from textual.renderables.background_screen import BackgroundScreen
    from textual.visual import RichVisual, Visual

    from batchtui.tui.backdrop import Backdrop
    from batchtui.tui.screens.help import HelpScreen

    await cache_store.upsert_batches([wire(i) for i in range(40)], synced_at=START)
    now = [START]
    app = BatchTuiApp(store=cache_store, api=None, engine=None, clock=lambda: now[0], poll=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await settle(pilot, app)
        dialog = app.screen
        assert isinstance(dialog, HelpScreen)
        beneath, tint = app.main_screen, dialog.styles.background
        width, height = dialog.size

        def drawn() -> list[Strip]:
            ours = Visual.to_strips(dialog, Backdrop(beneath, tint), width, height, dialog.visual_style)
            theirs = Visual.to_strips(
                dialog, RichVisual(dialog, BackgroundScreen(beneath, tint)), width, height, dialog.visual_style
            )
            assert [list(line) for line in ours] == [list(line) for line in theirs]
            assert len(ours) == height and {line.cell_length for line in ours} == {width}
            return ours

        first = drawn()
        assert drawn() == first  # from the kept lines
        table_of(app).move_cursor(row=5)  # the list and the detail beneath change
        now[0] += timedelta(hours=3)
        app.main_screen.render_list(bindings=False)
        app.main_screen.show_detail()
        await settle(pilot, app)
        assert drawn() != first


def test_row_measures_equal_measure_rows_as_rows_come_and_go() -> None:
    """BatchTable's remembered measures give measure_rows' figures for every list, rows kept, changed or new."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from rich.text import Text

    from batchtui.tui.widgets.batch_table import COLUMNS, RowMeasures, measure_rows

    cell = st.sampled_from(["", "0", "7", "1,234", "tracking", "$0.0012", "—", "downloading", "12 ok 3 err"])
    row = st.lists(cell, min_size=len(COLUMNS), max_size=len(COLUMNS)).map(lambda v: tuple(Text(x) for x in v))

    @settings(max_examples=150, deadline=None)
    @given(st.lists(st.lists(row, max_size=8), min_size=1, max_size=5), st.data())
    def check(lists: list[list[tuple[Text, ...]]], data: st.DataObject) -> None:
        measures = RowMeasures()
        previous: list[tuple[Text, ...]] = []
        for rows in lists:
            kept = data.draw(st.lists(st.sampled_from(previous), max_size=4)) if previous else []
            shown = kept + rows  # some rows are the very tuples measured last time
            assert measures(shown) == measure_rows(shown)
            previous = shown

    check()
