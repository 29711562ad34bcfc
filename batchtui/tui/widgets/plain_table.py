"""A DataTable whose plain one-line cells are drawn without going through Rich's layout.

DataTable draws each cell by rendering it through Rich (the cell padded, styled, laid out on a line, cropped and
split into lines): some 60 µs a cell, so a screen of a dozen columns of figures took 20-30 ms on its first draw.
A cell that is a Text of one line without spans, justified left or right, that fits its column comes out of that as
three segments (the padding, the text padded to the column, the padding) in styles worked out the same way; such a
cell is built directly, anything else is left to DataTable.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.render import measure
from textual.widgets import DataTable
from textual.widgets._data_table import RowKey, default_cell_formatter

if TYPE_CHECKING:
    from textual._types import SegmentLines


def plain_line(cell: object, inner: int) -> str | None:
    """The text of `cell` padded to `inner` cells as Rich lays it out, or None when Rich is needed (not a plain
    one-line Text justified left or right, or too wide)."""
    if type(cell) is not Text or cell.spans or cell.justify not in ("left", "right") or cell.end != "\n":
        return None
    plain = cell.plain
    if "\n" in plain or "\t" in plain or not plain.isprintable():
        return None
    plain = plain.rstrip()  # Rich strips the line's end before justifying it
    width = cell_len(plain)
    if not plain or width > inner:  # (an empty cell: Rich gives an empty segment and the fill apart)
        return None
    fill = " " * (inner - width)
    return plain + fill if cell.justify == "left" else fill + plain


def measure_new_rows(table: DataTable[Any], new_rows: Iterable[RowKey]) -> None:
    """DataTable._update_dimensions for rows one line high and unlabelled: DataTable's own measures every cell of
    every new row through Rich (`console.options` and `Text.__rich_measure__` per cell, on the event loop). A Text
    cell's width is its longest line's cell length: the same figure, at a fraction of the cost. Anything else is
    measured the usual way."""
    console = table.app.console
    columns = table.ordered_columns
    for row_key in new_rows:
        cells = table._data.get(row_key) if row_key in table._row_locations else None
        if cells is None:  # removed before the table went idle
            continue
        for column in columns:
            cell = cells.get(column.key)
            if isinstance(cell, Text):
                plain = cell.plain
                # Text.__rich_measure__'s maximum (its lines: str.splitlines, whose breaks are all unprintable)
                width = cell_len(plain) if plain.isprintable() else max(map(cell_len, plain.splitlines()), default=0)
            elif cell is None:
                width = 0
            else:
                # as DataTable formats a cell of a row one line high (a string cut at its first line break)
                width = measure(console, default_cell_formatter(cell, wrap=False, height=1) or "", 1)
            if width > column.content_width:
                column.content_width = width
    width = sum(column.get_render_width(table) for column in table.columns.values())
    header_height = table.header_height if table.show_header else 0
    table.virtual_size = Size(width + table._row_label_column_width, table._total_row_height + header_height)


class PlainTable(DataTable[Text]):
    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Rows measured by `measure_new_rows` (the stats screen's daily table: a row a day, all measured on the
        screen's first draw); a labelled row or one of automatic height is left to DataTable."""
        new_rows = list(new_rows)
        rows = [row for key in new_rows if (row := self.rows.get(key)) is not None]
        if any(row.label is not None or row.height != 1 for row in rows):
            super()._update_dimensions(new_rows)
        else:
            measure_new_rows(self, new_rows)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        if row_index < self.fixed_rows or column_index < self.fixed_columns:  # header, labels, fixed cells
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        row = self.rows.get(row_key) if row_key is not None else None
        if row is None or row.height != 1 or column_key is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cell = self._data[row_key].get(column_key)
        pad = self.cell_padding
        text = plain_line(cell, width - 2 * pad) if pad else None  # (no padding: Rich gives no padding segments)
        if text is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        assert isinstance(cell, Text)
        # As DataTable._render_cell: the row and column meta, then the component style before the cell's own
        # style and the post style after it (textual's Styled: Segment.apply_style).
        base_style += Style.from_meta({"row": row_index, "column": column_index})
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        pre = base_style + component_style
        console = self.app.console
        own = console.get_style(cell.style, default=Style.null())
        padding = pre + post_style if post_style else pre
        styled = pre + own
        styled = styled + post_style if post_style else styled
        return [[Segment(" " * pad, padding), Segment(text, styled), Segment(" " * pad, padding)]]
