"""The title bar (one widget) draws what Textual's Header (four) draws, cell for cell: the icon hovered or not, the
title and sub-title centred, cut with an ellipsis when too long, the tall form; it follows title changes; a click on
the icon opens the command palette and elsewhere toggles the tall form, as Header's does."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Header, Static

from batchtui.tui.widgets.title_bar import TitleBar
from tests.tui.test_key_footer import cells


class TwoTitles(App[None]):
    """Textual's Header at the top, the title bar at the bottom, over the same titles."""

    CSS = "TitleBar { dock: bottom; } Header.-tall, TitleBar.-tall { height: 3; }"

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield Static("body")
        yield TitleBar(icon="≡")


def header_and_bar(app: App[None], height: int = 1):
    lines = app.screen._compositor.render_strips()
    return [cells(line) for line in lines[:height]], [cells(line) for line in lines[-height:]]


async def test_drawn_as_header_draws_it_with_titles_long_short_and_hovered() -> None:
    app = TwoTitles()
    async with app.run_test(size=(90, 12)) as pilot:
        app.title = "batchtui"
        for sub_title in ("", "demo · built-in emulator, no key needed", "x" * 200):
            app.sub_title = sub_title
            await pilot.pause()
            theirs, ours = header_and_bar(app)
            assert ours == theirs, sub_title
        text = "".join(c[0] for c in ours[0])
        assert text.startswith(" ≡ ") and "batchtui — " in text and "…" in text
        app.screen.sub_title = "the screen's own"
        await pilot.pause()
        theirs, ours = header_and_bar(app)
        assert ours == theirs and "the screen's own" in "".join(c[0] for c in ours[0])
        await pilot.hover(Header, offset=(2, 0))
        await pilot.pause()
        theirs = header_and_bar(app)[0]
        await pilot.hover(TitleBar, offset=(2, 0))
        await pilot.pause()
        ours = header_and_bar(app)[1]
        assert ours == theirs and ours != header_and_bar(app)[0]  # the icon is highlighted
        assert app.query_one(TitleBar).tooltip == "Open the command palette"


async def test_a_click_makes_it_tall_as_header_and_the_icon_opens_the_palette() -> None:
    from textual.command import CommandPalette

    app = TwoTitles()
    async with app.run_test(size=(90, 12)) as pilot:
        app.title = "batchtui"
        await pilot.click(Header, offset=(40, 0))
        await pilot.click(TitleBar, offset=(40, 0))
        await pilot.pause()
        theirs, ours = header_and_bar(app, 3)
        assert app.query_one(TitleBar).size.height == 3 and ours == theirs
        await pilot.click(TitleBar, offset=(40, 1))
        await pilot.pause()
        assert app.query_one(TitleBar).size.height == 1
        await pilot.click(TitleBar, offset=(1, 0))
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
