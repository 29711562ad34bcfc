"""The dashboard's render shortcuts draw exactly what Textual would: the batch list's cells kept across DataTable's
cache resets (a clock tick, a resize, a focus change), and the footer updated in place instead of recomposed.

No timing is asserted here: speed is measured by benchmarks/first_paint.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from batchtui.tui.app import BatchTuiApp
from batchtui.tui.widgets.batch_table import BatchTable
from batchtui.tui.widgets.key_footer import KeyFooter, KeySpec
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


def footer_specs(footer: KeyFooter) -> tuple[KeySpec, ...]:
    """What the footer's keys show now, read from the widgets."""
    return tuple(
        KeySpec(
            key.key,
            key.key_display,
            key.description,
            key.action,
            key.has_class("-disabled"),
            str(key.tooltip or ""),
            "-command-palette" if key.has_class("-command-palette") else "",
        )
        for key in footer.query_children(FooterKey)
    )


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


async def test_footer_updated_in_place_shows_what_a_recompose_would(cache_store):
    await cache_store.upsert_batches([wire(i) for i in range(5)], synced_at=START)
    app = BatchTuiApp(store=cache_store, api=None, engine=None, clock=lambda: START, poll=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        footer = app.main_screen.query_one(KeyFooter)
        seen = set()
        # Batch 0 runs (cancel applies), batch 1 has ended; marks and the filter box change the keys too.
        for keys in (("down",), ("up",), ("space",), ("escape",), ("slash",), ("escape",), ("down", "space")):
            await pilot.press(*keys)
            await settle(pilot, app)
            shown = footer_specs(footer)
            assert shown == footer.plan()
            seen.add(shown)
        assert len(seen) > 1  # the keys did change along the way
        assert any(spec.disabled for spec in footer.plan())  # some are greyed out (offline)
        wide = footer_specs(footer)
        await pilot.resize_terminal(80, 24)  # fewer keys fit: the last ones give way, ? and q stay
        await settle(pilot, app)
        narrow = footer_specs(footer)
        assert narrow == footer.plan() and len(narrow) < len(wide)
        assert {"help", "quit"} <= {spec.action for spec in narrow}
        await pilot.resize_terminal(160, 40)
        await settle(pilot, app)
        assert footer_specs(footer) == footer.plan() == wide


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


async def test_footer_keys_changed_in_place_and_born_in_their_final_look(cache_store):
    """The keys already mounted are kept when the keys shown change (only the difference in number is mounted or
    removed), and each key is made with the compact class Footer's binding would give it (the palette key compact,
    the others as the footer), so no key is restyled after it is made."""
    await cache_store.upsert_batches([wire(i) for i in range(5)], synced_at=START)
    app = BatchTuiApp(store=cache_store, api=None, engine=None, clock=lambda: START, poll=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        footer = app.main_screen.query_one(KeyFooter)
        before = footer_specs(footer)
        widgets = list(footer.query_children(FooterKey))
        await pilot.press("slash")  # the filter box takes focus: other keys
        await settle(pilot, app)
        after = footer_specs(footer)
        assert after != before and after == footer.plan()
        now = list(footer.query_children(FooterKey))
        kept = min(len(widgets), len(now)) - 1  # the palette key (last) aside
        assert kept > 0 and now[:kept] == widgets[:kept]  # the same widgets, showing other keys
        assert now[-1] is widgets[-1] and now[-1].has_class("-command-palette")
        for key in now:
            palette = key.has_class("-command-palette")
            assert key.compact is (True if palette else footer.compact)
            assert key.has_class("-compact") is key.compact


async def test_a_pushed_screen_has_its_keys_when_it_is_mounted(cache_store):
    """A new screen's footer is composed with the screen's keys (Footer composes none until the screen signals its
    bindings, then mounts every key and lays the screen out again): they are there once the screen is mounted,
    and then they are the keys the screen's focused widget gives."""
    from batchtui.tui.screens.stats import StatsScreen

    await cache_store.upsert_batches([wire(i) for i in range(5)], synced_at=START)
    app = BatchTuiApp(store=cache_store, api=None, engine=None, clock=lambda: START, poll=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        screen = StatsScreen()
        await app.push_screen(screen)
        footer = screen.query_one(KeyFooter)
        assert {"close", "help"} <= {key.action for key in footer.query_children(FooterKey)}
        await settle(pilot, app)
        assert footer_specs(footer) == footer.plan()
        assert {"close", "help"} <= {spec.action for spec in footer.plan()}
