"""The results filter's outcome toggles are one widget (OutcomeBar) drawn as the row of compact Buttons they were:
the same cells in the same styles, plain, selected, hovered and pressed; a click on a toggle chooses its outcome,
a click between toggles nothing. The error type box stands in for its Select, drawn as the compact Select with
nothing chosen."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Select

from batchtui.tui.widgets.filter_bar import ERROR_TYPE_PROMPT, OUTCOMES, ErrorTypeBox, OutcomeBar

COUNTS: dict[str | None, int | None] = {None: 1234, "succeeded": 1100, "errored": 120, "canceled": 14, "expired": 0}


class Toggle(Button, can_focus=False):
    """The Button each outcome was, with the filter bar's rules for it."""

    def __init__(self, outcome: str | None, n: int | None) -> None:
        super().__init__(OutcomeBar.label(outcome, n), compact=True, id=f"outcome-{outcome or 'all'}")
        self.outcome = outcome


class Row(Horizontal):
    """The toggles' container, with the rules the filter bar had for them (default CSS, as theirs was: a Button's
    hover rule outranks the selected one)."""

    DEFAULT_CSS = """
    Row {
        height: 1;
        Toggle { margin-right: 1; min-width: 0; }
        Toggle.-selected { background: $primary; color: $text; text-style: bold; }
    }
    """


class Both(App[None]):
    chosen: ClassVar[list[str | None]] = []

    def __init__(self, counts: dict[str | None, int | None], selected: str | None) -> None:
        super().__init__()
        self.counts, self.selected = counts, selected

    def compose(self) -> ComposeResult:
        with Row(id="buttons"):
            for outcome in OUTCOMES:
                yield Toggle(outcome, self.counts[outcome]).set_class(outcome == self.selected, "-selected")
        yield OutcomeBar(id="bar")

    def on_mount(self) -> None:
        bar = self.query_one(OutcomeBar)
        bar.set_counts(self.counts)
        bar.select(self.selected)

    def on_outcome_bar_chosen(self, message: OutcomeBar.Chosen) -> None:
        self.chosen.append(message.outcome)


def cells(app: App[None], y: int) -> list[tuple[str, str]]:
    strip = app.screen._compositor.render_strips()[y]
    return [(char, str(segment.style)) for segment in strip for char in segment.text]


async def test_drawn_as_the_buttons_were_plain_selected_and_hovered():
    for counts, selected in ((COUNTS, None), (COUNTS, "errored"), (dict.fromkeys(OUTCOMES), "expired")):
        app = Both(counts, selected)
        async with app.run_test(size=(100, 4)) as pilot:
            await pilot.pause()
            assert cells(app, 1) == cells(app, 0)
            assert "".join(c for c, _ in cells(app, 1)).startswith(f" {OutcomeBar.label(None, counts[None])} ")
            bar = app.query_one(OutcomeBar)
            for outcome in (None, "errored", "canceled"):
                await pilot.hover(f"#outcome-{outcome or 'all'}")
                await pilot.pause()
                buttons = cells(app, 0)
                await pilot.hover(bar, offset=(bar.offset_of(outcome), 0))
                await pilot.pause()
                assert cells(app, 1) == buttons
                assert cells(app, 1) != cells(app, 0)  # the hovered toggle is drawn apart


async def test_pressed_looks_as_a_pressed_button():
    app = Both(COUNTS, None)
    async with app.run_test(size=(100, 4)) as pilot:
        await pilot.pause()
        toggle = app.query_one("#outcome-canceled", Button)
        toggle.active_effect_duration = 60  # long enough to compare
        toggle.press()
        bar = app.query_one(OutcomeBar)
        bar.ACTIVE_EFFECT = 60
        await pilot.click(bar, offset=(bar.offset_of("canceled") + 2, 0))
        await pilot.hover(bar, offset=(99 - bar.region.x, 0))  # away from both
        await pilot.pause()
        assert bar._active == "canceled"
        assert cells(app, 1) == cells(app, 0)


async def test_click_on_a_toggle_chooses_it_and_between_toggles_nothing():
    Both.chosen.clear()
    app = Both(COUNTS, None)
    async with app.run_test(size=(100, 4)) as pilot:
        await pilot.pause()
        bar = app.query_one(OutcomeBar)
        spans = bar.spans()
        assert [o for o, _, _ in spans] == list(OUTCOMES)
        for outcome, start, width in spans:
            assert bar.outcome_at(start) == outcome and bar.outcome_at(start + width - 1) == outcome
            assert bar.outcome_at(start + width) is False  # the cell between toggles
        await pilot.click(bar, offset=(bar.offset_of("errored") + 3, 0))
        await pilot.click(bar, offset=(spans[0][2], 0))  # the gap after "all"
        await pilot.click(bar, offset=(bar.offset_of(None), 0))
        await pilot.pause()
        assert Both.chosen == ["errored", None]
        assert bar.size.width == spans[-1][1] + spans[-1][2] + 1


class Boxes(App[None]):
    CSS = "Select, ErrorTypeBox { width: 34; margin: 0 1; }"
    AUTO_FOCUS = None  # neither focused: a focused box makes its Select, and a focused Select is drawn apart

    def compose(self) -> ComposeResult:
        yield Select[str]([("invalid_request_error (4)", "x")], prompt=ERROR_TYPE_PROMPT, compact=True)
        yield ErrorTypeBox()


async def test_error_type_box_drawn_as_the_compact_select():
    app = Boxes()
    async with app.run_test(size=(60, 4)) as pilot:
        await pilot.pause()
        assert app.focused is None
        assert cells(app, 1) == cells(app, 0)
        assert "".join(c for c, _ in cells(app, 1)).strip() == f"{ERROR_TYPE_PROMPT}                  ▼"
