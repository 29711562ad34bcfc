"""The screen's title line, drawn as Textual's Header draws it, by one widget instead of four (Header, its icon, its
title and the clock's space): each new screen made, styled and laid them out (~10 ms of every `s`).
tests/tui/test_title_bar.py holds it to Header, cell for cell: the icon (hovered or not), the title and sub-title
centred between the icon and the clock's space, cut with an ellipsis when too long, and the tall form a click gives.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.content import Content
from textual.strip import Strip
from textual.widget import Widget

_PAD = Style(reverse=False)  # what Textual's alignment pads a content area with (a screenshot tells it apart)
ICON_WIDTH = 8  # HeaderIcon: docked left, a cell of padding either side
CLOCK_WIDTH = 10  # HeaderClockSpace: docked right, blank


class TitleBar(Widget):
    """`icon`, then the screen's title (the app's if it has none) and sub-title, centred. A click on the icon opens
    the command palette; a click elsewhere makes the bar three lines tall, or one again (as Header's)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"title-bar--icon-hover"}
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        background: $panel;
        color: $foreground;
        height: 1;
        &.-tall { height: 3; }
        & > .title-bar--icon-hover { background: $foreground 10%; }
    }
    """

    def __init__(self, icon: str = "⭘", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.icon = icon
        self._hover_icon = False
        self._lines: tuple[tuple[int, int], list[Strip]] | None = None  # (size, lines) drawn until a title changes

    def on_mount(self) -> None:
        for node in (self.app, self.screen):
            for name in ("title", "sub_title"):
                self.watch(node, name, self._title_changed, init=False)

    def _title_changed(self) -> None:
        self._lines = None
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines = None

    @property
    def title(self) -> Content:
        screen = self.screen
        title = screen.title if screen.title is not None else self.app.title
        sub_title = screen.sub_title if screen.sub_title is not None else self.app.sub_title
        return self.app.format_title(title, sub_title)

    # -- drawing ------------------------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        size = (self.size.width, self.size.height)
        if self._lines is None or self._lines[0] != size:
            self._lines = (size, self._draw(*size))
        lines = self._lines[1]
        return lines[y] if y < len(lines) else Strip.blank(size[0], self._blank)

    @property
    def _blank(self) -> Style:
        return Style(bgcolor=self.rich_style.bgcolor)

    def _draw(self, width: int, height: int) -> list[Strip]:
        """Header's layout: the icon docked left in 8 cells (its character after a cell of padding), the clock's 10
        blank cells docked right, the title centred in what is between."""
        base = self.rich_style
        blank = self._blank
        icon_style = base
        if self._hover_icon:
            icon_style = self.get_component_rich_style("title-bar--icon-hover")
        middle = (height - 1) // 2
        room = max(0, width - ICON_WIDTH - CLOCK_WIDTH)
        lines = []
        for y in range(height):
            icon_blank = Style(bgcolor=icon_style.bgcolor)
            # As Textual draws Header's parts: padding in the background alone, a content area (and what aligning
            # the content leaves of it) in the full style. The icon sits on the middle line, the title on the first
            # (the title's own height is one line), the clock's space shows its content area below the first.
            glyph = self.icon if y == middle else ""
            icon = Strip(
                [
                    Segment(" ", icon_blank),
                    Segment(glyph, icon_style),
                    Segment(" " * max(0, ICON_WIDTH - 2 - cell_len(glyph)), icon_style + _PAD),
                    Segment(" ", icon_blank),
                ]
            )
            if y == 0:
                title = self.title
                if title.cell_length > room:
                    title = title.truncate(room, ellipsis=True)
                left = (room - title.cell_length) // 2
                segments = [Segment(" " * left, base + _PAD)] if left else []
                segments += title.render_segments(self.visual_style)
                middle_strip = Strip(segments).crop_extend(0, room, base + _PAD)
                # (the clock's space renders "": an empty segment in the full style, which a screenshot shows)
                clock = Strip([Segment(" ", blank), Segment("", base), Segment(" " * (CLOCK_WIDTH - 1), blank)])
            else:
                middle_strip = Strip.blank(room, blank)
                clock = Strip([Segment(" ", blank), Segment(" " * (CLOCK_WIDTH - 2), base), Segment(" ", blank)])
            lines.append(Strip.join([icon, middle_strip, clock]).crop(0, width))
        return lines

    # -- the mouse ----------------------------------------------------------------------------------------------

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._set_hover(event.x < ICON_WIDTH)

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(False)

    def _set_hover(self, on_icon: bool) -> None:
        if on_icon != self._hover_icon:
            self._hover_icon = on_icon
            self.tooltip = "Open the command palette" if on_icon and self.app.ENABLE_COMMAND_PALETTE else None
            self._lines = None
            self.refresh()

    async def on_click(self, event: events.Click) -> None:
        event.stop()
        if event.x < ICON_WIDTH and self.app.ENABLE_COMMAND_PALETTE:
            await self.run_action("app.command_palette")
        else:
            self.toggle_class("-tall")
            self._lines = None
