"""content_assemble hands Content the style Textual would draw: a style Textual cannot parse (Rich colour names
such as "dodger_blue1") is drawn unstyled, so the null style is given at once instead of a parse on every render."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.content import Content
from textual.visual import RenderOptions
from textual.widget import Widget

from batchtui.tui.safe import NULL_STYLE, _drawn_style, content_assemble

STYLES = ["dodger_blue1", "bold dodger_blue1", "dark_orange", "bold", "dim italic", "red", "bold green", "underline"]


@pytest.mark.parametrize("style", STYLES)
async def test_a_style_is_drawn_as_textual_would_draw_it(style):
    app = App()
    async with app.run_test():
        widget = Widget()
        await app.screen.mount(widget)
        drawn = _drawn_style(style)
        assert widget._get_style(drawn) == widget._get_style(style)
        assert (drawn is NULL_STYLE) == (widget._get_style(style) == NULL_STYLE)
        options = RenderOptions(widget._get_style, widget.styles)
        ours = content_assemble(("text", style)).render_strips(20, 1, widget.visual_style, options)
        textual = Content.assemble(("text", style)).render_strips(20, 1, widget.visual_style, options)
        assert ours == textual
