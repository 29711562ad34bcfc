"""The stats screen's period selector, drawn as Textual's Tabs draws it (the labels, the active one bright, and the
bar under them marking it, sliding to a new one) with the same keys (left/right when focused) and clicks, in one
widget: a Tabs is nine widgets (a container, two layouts, a Tab per label and the underline) to build, style and
lay out, about a sixth of what opening the stats screen cost.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.renderables.bar import Bar
from textual.strip import Strip
from textual.widget import Widget

PADDING = 1  # cells either side of a label, as a Tab's


class PeriodBar(Widget, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Previous tab", show=False),
        Binding("right", "move(1)", "Next tab", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "period-bar--tab",
        "period-bar--hover",
        "period-bar--active",
        "period-bar--underline",
    }
    # Tab's and Underline's rules, with Tabs' own for when it has focus.
    DEFAULT_CSS = """
    PeriodBar {
        width: 100%;
        height: 2;
        & > .period-bar--tab { color: $foreground 50%; }
        & > .period-bar--hover { color: $foreground; }
        & > .period-bar--active { color: $foreground; }
        & > .period-bar--underline { color: $block-cursor-background; background: $foreground 10%; }
        &:ansi {
            & > .period-bar--tab { text-style: dim; }
            & > .period-bar--hover { text-style: dim; }
            & > .period-bar--active { text-style: not dim bold; }
            & > .period-bar--underline { color: $block-cursor-background; background: $border-blurred; }
        }
        &:focus {
            & > .period-bar--underline { background: $foreground 30%; }
            & > .period-bar--active {
                text-style: $block-cursor-text-style;
                color: $block-cursor-foreground;
                background: $block-cursor-background;
            }
        }
    }
    """

    active: reactive[int] = reactive(0, init=False)
    hovered: reactive[int | None] = reactive(None)
    # The underline's highlighted cells, [start, end): animated between labels as Tabs' underline is.
    highlight_start: reactive[float] = reactive(0.0)
    highlight_end: reactive[float] = reactive(0.0)

    class Changed(Message):
        """The active label changed (by key, click or `active`)."""

        def __init__(self, bar: PeriodBar, index: int) -> None:
            super().__init__()
            self.bar = bar
            self.index = index

        @property
        def control(self) -> PeriodBar:
            return self.bar

    def __init__(self, labels: list[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.labels = labels
        self.spans: list[tuple[int, int]] = []  # each label's cells, padding included
        x = 0
        for label in labels:
            width = cell_len(label) + 2 * PADDING
            self.spans.append((x, x + width))
            x += width
        self.set_reactive(PeriodBar.highlight_start, float(self.spans[0][0] + PADDING))
        self.set_reactive(PeriodBar.highlight_end, float(self.spans[0][1] - PADDING))

    def render_line(self, y: int) -> Strip:
        """The labels (line 0) or the bar under them (line 1), in the segments Tabs' widgets come out as."""
        width = self.size.width
        base = Style.from_color(bgcolor=self.rich_style.bgcolor)  # (what a Tab's padding and the rest show)
        if y == 0:
            styles = [self.get_component_rich_style(f"period-bar--{name}") for name in ("tab", "hover", "active")]
            segments = []
            for i, label in enumerate(self.labels):
                style = styles[2] if i == self.active else styles[1] if i == self.hovered else styles[0]
                pad = Segment(" " * PADDING, Style.from_color(bgcolor=style.bgcolor))
                segments += [pad, Segment(label, style), pad]
            used = self.spans[-1][1] if self.spans else 0
            if width > used:
                segments.append(Segment(" " * (width - used), base))
            return Strip(segments).crop(0, width)
        if y == 1:
            bar = self.get_component_rich_style("period-bar--underline")
            underline = Bar(
                highlight_range=(self.highlight_start, self.highlight_end),
                highlight_style=Style.from_color(bar.color),
                background_style=Style.from_color(bar.bgcolor),
                width=width,
            )
            console = self.app.console
            segments = console.render(underline, console.options.update_width(width))
            return Strip(Segment.apply_style(segments, base), width).crop(0, width)
        return Strip.blank(width, base)

    def watch_active(self, active: int) -> None:
        start, end = self.spans[active]
        self.animate("highlight_start", float(start + PADDING), duration=0.3, level="basic")
        self.animate("highlight_end", float(end - PADDING), duration=0.3, level="basic")
        self.post_message(self.Changed(self, active))

    def action_move(self, step: int) -> None:
        self.active = (self.active + step) % len(self.labels)

    def label_at(self, x: int) -> int | None:
        return next((i for i, (start, end) in enumerate(self.spans) if start <= x < end), None)

    def on_click(self, event: events.Click) -> None:
        """A click on a label, or on the bar under it, makes it active (and gives the bar focus), as on Tabs."""
        event.stop()
        self.focus()
        if (index := self.label_at(event.x)) is not None:
            self.active = index

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hovered = self.label_at(event.x) if event.y == 0 else None

    def on_leave(self, _: events.Leave) -> None:
        self.hovered = None
