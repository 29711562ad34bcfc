"""The key bar (one widget drawing one line) draws what Textual's Footer (a widget per key) draws, cell for cell:
keys, descriptions, greyed-out keys, the key under the mouse, the palette's key at the right edge; a click presses
a key as Footer's does; and it follows the screen's keys as they change.

No timing is asserted here: speed is measured by benchmarks/first_paint.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.strip import Strip
from textual.widgets import Footer, Static

from batchtui.tui.app import BatchTuiApp
from batchtui.tui.widgets.key_footer import KeyFooter
from tests.tui.app_support import settle
from tests.tui.test_batch_table_scale import wire

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class TwoFooters(App[None]):
    """Textual's Footer docked at the top, the key bar at the bottom, over the same keys."""

    CSS = "Footer { dock: top; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", tooltip="Open the thing"),
        Binding("n", "new", "New"),
        Binding("c", "cancel", "Cancel", tooltip="Only running things can be canceled"),
        Binding("space", "mark", "Mark"),
        Binding("x", "hidden", "Hidden", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pressed: list[str] = []
        self.bells = 0
        self.can_cancel = False

    def compose(self) -> ComposeResult:
        yield Footer()
        yield Static("body")
        yield KeyFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "cancel" and not self.can_cancel else True

    def action_open(self) -> None:
        self.pressed.append("open")

    def action_new(self) -> None:
        self.pressed.append("new")

    def action_cancel(self) -> None:
        self.pressed.append("cancel")

    def bell(self) -> None:
        self.bells += 1


def cells(strip: Strip) -> list[tuple[str, object, object, bool, bool]]:
    """Each cell of a line: its character, colours, bold and dim (how the segments are split aside)."""
    out = []
    for text, style, _ in Segment.filter_control(strip):
        for char in text:
            out.append(
                (char, style.color if style else None, style.bgcolor if style else None,
                 bool(style and style.bold), bool(style and style.dim))
            )  # fmt: skip
    return out


def top_and_bottom(app: App[None]) -> tuple[list[tuple[str, object, object, bool, bool]], ...]:
    lines = app.screen._compositor.render_strips()
    return cells(lines[0]), cells(lines[-1])


async def test_drawn_as_textual_footer_draws_it_greyed_out_hovered_and_narrow() -> None:
    app = TwoFooters()
    async with app.run_test(size=(100, 10)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyFooter)
        actions = ["open", "new", "cancel", "mark", "help", "quit", "command_palette"]
        assert [spec.action for spec in bar.shown] == actions
        assert [spec.disabled for spec in bar.shown][:3] == [False, False, True]
        theirs, ours = top_and_bottom(app)
        assert "".join(c[0] for c in ours).startswith(" ⏎ Open  n New  c Cancel ")
        assert ours == theirs
        for x in (1, 17, 70, 95):  # hovered: a key, the greyed-out key, the blank between, the palette's key
            await pilot.hover(Footer, offset=(x, 0))  # (one mouse: the footers are hovered in turn)
            await pilot.pause()
            theirs = top_and_bottom(app)[0]
            await pilot.hover(KeyFooter, offset=(x, 0))
            await pilot.pause()
            ours = top_and_bottom(app)[1]
            assert ours == theirs, x
            assert x == 70 or ours != top_and_bottom(app)[0]  # the hover shows
        await pilot.hover(Static, offset=(1, 1))
        await pilot.pause()
        app.can_cancel = True  # the key is ungreyed when the screen signals its bindings changed
        app.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        theirs, ours = top_and_bottom(app)
        assert not bar.shown[2].disabled and ours == theirs


async def test_the_key_under_the_mouse_shows_its_tooltip_and_a_click_presses_it() -> None:
    app = TwoFooters()
    async with app.run_test(size=(100, 10)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyFooter)
        await pilot.hover(KeyFooter, offset=(1, 0))
        assert bar.tooltip == "Open the thing"
        await pilot.hover(KeyFooter, offset=(9, 0))  # "n New": no tooltip of its own
        assert bar.tooltip is None
        await pilot.click(KeyFooter, offset=(9, 0))
        await pilot.click(KeyFooter, offset=(1, 0))
        await pilot.click(KeyFooter, offset=(17, 0))  # greyed out: the bell, no action
        await pilot.click(KeyFooter, offset=(70, 0))  # between the keys and the palette's: nothing
        await pilot.pause()
        assert app.pressed == ["new", "open"] and app.bells == 1


async def test_the_keys_follow_the_screen_and_fit_its_width(cache_store):
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
            assert footer.shown == footer.plan()
            drawn = "".join(c[0] for c in cells(footer.render_line(0)))
            assert all(f" {spec.display} {spec.description} " in drawn for spec in footer.shown if not spec.classes)
            seen.add(footer.shown)
        assert len(seen) > 1  # the keys did change along the way
        assert any(spec.disabled for spec in footer.plan())  # some are greyed out (offline)
        wide = footer.shown
        await pilot.resize_terminal(80, 24)  # fewer keys fit: the last ones give way, ? and q stay
        await settle(pilot, app)
        narrow = footer.shown
        assert narrow == footer.plan() and len(narrow) < len(wide)
        assert {"help", "quit"} <= {spec.action for spec in narrow}
        await pilot.resize_terminal(160, 40)
        await settle(pilot, app)
        assert footer.shown == footer.plan() == wide


async def test_a_pushed_screen_has_its_keys_when_it_is_mounted(cache_store):
    """A new screen's key bar has the screen's keys once the screen is mounted (drawn with its first layout), and
    then the keys the screen's focused widget gives."""
    from batchtui.tui.screens.stats import StatsScreen

    await cache_store.upsert_batches([wire(i) for i in range(5)], synced_at=START)
    app = BatchTuiApp(store=cache_store, api=None, engine=None, clock=lambda: START, poll=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        screen = StatsScreen()
        await app.push_screen(screen)
        footer = screen.query_one(KeyFooter)
        assert {"close", "help"} <= {spec.action for spec in footer.shown}
        await settle(pilot, app)
        assert footer.shown == footer.plan()
        assert {"close", "help"} <= {spec.action for spec in footer.plan()}
