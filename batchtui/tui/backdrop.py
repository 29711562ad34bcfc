"""A dialog's backdrop (the screen beneath, dimmed) drawn with each style's tint worked out once.

Textual draws a modal screen's translucent background by re-rendering the screen beneath and tinting every segment
(`BackgroundScreen.process_segments`: the style stripped of links and meta, then its colours blended), on each
refresh of the dialog: a few thousand segments, each through colour arithmetic, two or three times as a dialog
opens. A screen has few distinct styles, so the tinted style of each is kept (per tint) and looked up; each one is
computed by Textual's own code, so the backdrop looks exactly the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.renderables.background_screen import BackgroundScreen
from textual.screen import ModalScreen

Result = TypeVar("Result")
KEPT_STYLES = 8192  # per tint; past this the table starts again

_tinted: dict[Color, dict[Style | None, Style]] = {}


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


class Dialog(ModalScreen[Result]):
    """A modal screen whose backdrop is drawn by TintedBackdrop."""

    def render(self) -> RenderableType:
        drawn = super().render()
        if type(drawn) is BackgroundScreen:
            return TintedBackdrop(drawn.screen, drawn.color)
        return drawn
