"""PlainTable draws its plain cells exactly as DataTable does (segments and styles), whatever the text, its
justification and style, the column's width, and the cursor, hover, focus and zebra styles the cell is drawn in;
other cells are left to DataTable."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from batchtui.tui.widgets.plain_table import PlainTable, plain_line

texts = st.text(alphabet=st.sampled_from("ab 1,.$%→—é漢\t\n"), max_size=14)
styles = st.sampled_from(["", "red", "bold green", "dim", "on blue"])
justify = st.sampled_from(["left", "right", "center", None])


class Tables(App[None]):
    def compose(self) -> ComposeResult:
        yield PlainTable(id="ours", zebra_stripes=True)


def cells_as_datatable_draws_them(table: PlainTable) -> int:
    """Each cell, in each style it may be drawn in, against DataTable's own drawing; how many were drawn plain."""
    plain = 0
    for row_index in range(table.row_count):
        base = table._get_row_style(row_index, table.rich_style)
        for column_index, column in enumerate(table.ordered_columns):
            width = column.get_render_width(table)
            for cursor in (False, True):
                for hover in (False, True):
                    ours = table._render_cell(row_index, column_index, base, width, cursor, hover)
                    theirs = DataTable._render_cell(table, row_index, column_index, base, width, cursor, hover)
                    assert ours == theirs, (row_index, column_index, cursor, hover)
                    assert [[s.style for s in line] for line in ours] == [[s.style for s in line] for line in theirs]
        row = table.get_row_at(row_index)
        plain += sum(plain_line(cell, 1000) is not None for cell in row)
    return plain


async def test_cells_drawn_as_datatable_draws_them() -> None:
    app = Tables()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(PlainTable)

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.lists(st.tuples(texts, styles, justify), min_size=9, max_size=9), st.integers(0, 8))
        def check(cells: list[tuple[str, str, str | None]], width: int) -> None:
            table.clear(columns=True)
            table.add_column("a", key="a")
            table.add_column(Text("b", justify="right"), key="b", width=width or None)
            table.add_column("c", key="c", width=6)
            for i in range(3):
                table.add_row(*(Text(t, style=s, justify=j) for t, s, j in cells[i * 3 : i * 3 + 3]), key=str(i))
            cells_as_datatable_draws_them(table)

        table.add_column("x")  # (replaced in check)
        check()
        await pilot.pause()


async def test_plain_figures_are_drawn_plain_focused_or_not() -> None:
    app = Tables()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(PlainTable)
        table.add_column("Day", key="day")
        table.add_column(Text("Count", justify="right"), key="n")
        for i in range(6):
            table.add_row(Text(f"2026-11-{i + 10}", justify="left"), Text(f"{i * 1234:,}", justify="right"))
        table.add_row(Text("spans", justify="left").append("!", "bold"), Text("tab\there", justify="right"))
        await pilot.pause()
        assert cells_as_datatable_draws_them(table) == 12  # the figures, not the last row's two
        table.focus()
        table.move_cursor(row=3)
        await pilot.pause()
        cells_as_datatable_draws_them(table)


async def test_columns_measured_as_datatable_measures_them() -> None:
    """PlainTable measures its new rows by their cells' lengths: the widths and the table's size come out as
    DataTable's own measure through Rich gives them, whatever the cells (Text of any lines, markup, numbers)."""
    app = Tables()
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(PlainTable)

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.lists(st.one_of(texts.map(Text), texts, st.integers(-(10**9), 10**9)), min_size=6, max_size=6))
        def check(cells: list[object]) -> None:
            widths = []
            for measure in (PlainTable._update_dimensions, DataTable._update_dimensions):
                table.clear(columns=True)
                table.add_column("a", key="a")
                table.add_column(Text("b", justify="right"), key="b")
                for i in range(3):
                    table.add_row(*cells[i * 2 : i * 2 + 2], key=str(i))
                measure(table, list(table.rows))
                widths.append(([c.content_width for c in table.ordered_columns], table.virtual_size))
            assert widths[0] == widths[1]

        check()
        await pilot.pause()
