"""A dialog's backdrop (the screen beneath, dimmed), each line of it tinted once and kept by its content.

Textual draws a modal screen's translucent background by re-rendering the screen beneath and tinting every segment
(`BackgroundScreen.process_segments`: the style stripped of links and meta, then its colours blended), then passing
the whole screen through Rich again (the dialog's style added to each segment, the lines split and cropped), on each
refresh of the dialog: two to six times as a dialog opens, with the lines beneath mostly unchanged. Here a line
seen before is looked up by its content; a new one is tinted style by style (each style's tint kept), each tint
computed by Textual's own code, so the backdrop looks exactly the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.color import Color
from textual.renderables.background_screen import BackgroundScreen
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.visual import Visual

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.css.styles import RulesMap
    from textual.screen import Screen
    from textual.style import Style
    from textual.visual import RenderOptions

Result = TypeVar("Result")
KEPT_STYLES = 8192  # per tint; past this the table starts again
KEPT_LINES = 1024  # per tint and dialog style: a few screens' worth of lines

_tinted: dict[Color, dict[RichStyle | None, RichStyle]] = {}
_lines: dict[tuple[Color, RichStyle], dict[tuple[Segment, ...], Strip]] = {}


class TintedBackdrop(BackgroundScreen):
    @classmethod
    def process_segments(cls, segments: Iterable[Segment], color: Color) -> Iterable[Segment]:
        if color.a == 0:  # Textual's special case: links and meta stripped, nothing tinted
            yield from BackgroundScreen.process_segments(segments, color)
            return
        tinted = _tinted.setdefault(color, {})
        for segment in segments:
            text, style, control = segment
            if control:
                yield segment
                continue
            new = tinted.get(style)
            if new is None:
                (probe,) = BackgroundScreen.process_segments([Segment(" ", style)], color)
                new = probe.style
                assert new is not None  # (Textual always gives a style)
                if len(tinted) >= KEPT_STYLES:
                    tinted.clear()
                tinted[style] = new
            yield Segment(text, new, control)


class Beneath(BackgroundScreen):
    """The screen beneath as Textual's BackgroundScreen reads it (lines of segments, each ended by a newline),
    untinted: Backdrop tints it line by line."""

    @classmethod
    def process_segments(cls, segments: Iterable[Segment], color: Color) -> Iterable[Segment]:
        return segments


class Backdrop(Visual):
    """The screen beneath as the dialog's background: what Textual's RichVisual makes of a BackgroundScreen (the
    dialog's own style under each tinted segment; links and meta gone), line by line from the kept lines."""

    def __init__(self, screen: Screen, color: Color) -> None:
        self.screen = screen
        self.color = color

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        base = style.rich_style
        kept = _lines.setdefault((self.color, base), {})
        strips: list[Strip] = []
        for line in self.lines(width):
            if height is not None and len(strips) == height:
                break
            key = tuple(line)
            strip = kept.get(key)
            if strip is None:
                strip = self.tint(line, width, base)
                if len(kept) >= KEPT_LINES:
                    kept.clear()
                kept[key] = strip
            strips.append(strip)
        return strips

    def lines(self, width: int) -> Iterable[list[Segment]]:
        app = self.screen.app
        line: list[Segment] = []
        for segment in app.console.render(Beneath(self.screen, self.color), app.console_options.update_width(width)):
            if segment.text == "\n" and segment.style is None:
                yield line
                line = []
            else:
                line.append(segment)

    def tint(self, line: list[Segment], width: int, base: RichStyle) -> Strip:
        segments = [
            Segment(text, base + style if style is not None else style, control)
            for text, style, control in TintedBackdrop.process_segments(line, self.color)
        ]
        return Strip(segments).crop(0, width)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return container_width

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.screen.size.height


class Dialog(ModalScreen[Result]):
    """A modal screen whose backdrop is drawn by Backdrop."""

    def render(self) -> RenderableType | Visual:
        drawn = super().render()
        if type(drawn) is BackgroundScreen:
            return Backdrop(drawn.screen, drawn.color)
        return drawn
