"""The results filter: outcome toggles (with counts), error type, custom_id substring and full-text search.

Owns the current `ResultFilter` and posts `FilterBar.Changed` whenever it changes. The custom_id box applies as
you type (debounced); the search box applies on Enter, since a search can take a moment on a big batch.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events, on
from textual.app import ComposeResult
from textual.color import Color
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Select

from batchtui.core import fmt
from batchtui.core.models import RESULT_TYPES, ResultFilter
from batchtui.tui.safe import as_content

CUSTOM_ID_DEBOUNCE = 0.25
OUTCOMES: tuple[str | None, ...] = (None, *RESULT_TYPES)  # None: all


def outcome_key(outcome: str | None) -> str:
    return str(OUTCOMES.index(outcome) + 1)


class OutcomeBar(Widget):
    """The outcome toggles, one line: `1 all 1,234`, `2 succeeded 1,100`… each drawn as a compact button (the number
    key shown selects it from anywhere on the screen; a click selects it too). One widget instead of a row of five
    Buttons in a container: building six widgets was a measurable part of the results view's first opening.
    The look is Button's compact style, from the component classes below (hovered and pressed as a Button is)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "outcome-bar--toggle",
        "outcome-bar--selected",
        "outcome-bar--hover",
        "outcome-bar--active",
    }

    DEFAULT_CSS = """
    OutcomeBar {
        width: auto;
        height: 1;
        pointer: pointer;
        & > .outcome-bar--toggle { text-style: bold; color: $button-foreground; background: $surface; }
        & > .outcome-bar--selected { background: $primary; color: $text; text-style: bold; }
        & > .outcome-bar--hover { background: $surface-darken-1; }
        & > .outcome-bar--active { background: $surface; tint: $background 30%; }
    }
    """

    ACTIVE_EFFECT = 0.2  # seconds a pressed toggle looks pressed (Button's active_effect_duration)

    class Chosen(Message):
        def __init__(self, outcome: str | None) -> None:
            super().__init__()
            self.outcome = outcome

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.selected: str | None = None
        self.counts: dict[str | None, int | None] = dict.fromkeys(OUTCOMES)
        self._hover: str | bool | None = False  # the toggle under the mouse (None: "all"; False: none)
        self._active: str | bool | None = False  # the toggle just pressed, for ACTIVE_EFFECT
        self._active_timer: Timer | None = None

    @staticmethod
    def label(outcome: str | None, n: int | None) -> str:
        return f"{outcome_key(outcome)} {outcome or 'all'}" + (f" {fmt.count(n)}" if n is not None else "")

    def spans(self) -> list[tuple[str | None, int, int]]:
        """(outcome, first cell, cells) of each toggle: its label with a cell of padding either side; a cell apart."""
        out: list[tuple[str | None, int, int]] = []
        x = 0
        for outcome in OUTCOMES:
            width = cell_len(self.label(outcome, self.counts[outcome])) + 2
            out.append((outcome, x, width))
            x += width + 1
        return out

    def outcome_at(self, x: int) -> str | bool | None:
        """The outcome whose toggle is at cell `x`; False: none (a gap, or past the last)."""
        for outcome, start, width in self.spans():
            if start <= x < start + width:
                return outcome
        return False

    def offset_of(self, outcome: str | None) -> int:
        """The first cell of `outcome`'s toggle (where a click selects it)."""
        return next(start for o, start, _ in self.spans() if o == outcome)

    def set_counts(self, counts: dict[str | None, int | None]) -> None:
        """Each outcome's count, shown on its toggle (None: not known, no number shown)."""
        if counts != self.counts:
            self.counts = dict(counts)
            self.refresh(layout=True)  # the width follows the labels

    def get_content_width(self, container: Size, viewport: Size) -> int:
        _, start, width = self.spans()[-1]
        return start + width + 1  # the last toggle's right margin too, as a Button's was

    def select(self, outcome: str | None) -> None:
        if outcome != self.selected:
            self.selected = outcome
            self.refresh()

    def toggle_style(self, outcome: str | None) -> RichStyle:
        """How `outcome`'s toggle is drawn now: selected, hovered, pressed or none of these."""
        classes = ["outcome-bar--toggle"]
        if outcome == self.selected:
            classes.append("outcome-bar--selected")
        if outcome == self._hover:
            classes.append("outcome-bar--hover")
        pressed = outcome == self._active
        if pressed:
            classes.append("outcome-bar--active")
        style = self.get_visual_style(*classes).rich_style
        tint = self.get_component_styles("outcome-bar--active").tint
        if pressed and tint.a:  # a Button's `tint` tints both colours of its drawing, as Textual's Tint filter does
            color = None if style.color is None else (Color.from_rich_color(style.color) + tint).rich_color
            bgcolor = None if style.bgcolor is None else (Color.from_rich_color(style.bgcolor) + tint).rich_color
            style += RichStyle(color=color, bgcolor=bgcolor)
        return style

    def render_line(self, y: int) -> Strip:
        # Between and after the toggles, only the background shows (as it did around a row of Buttons).
        width = self.size.width
        blank = RichStyle(bgcolor=self.visual_style.background.rich_color)
        if y:
            return Strip([Segment(" " * width, blank)], width)
        segments: list[Segment] = []
        for outcome in OUTCOMES:
            if segments:
                segments.append(Segment(" ", blank))
            segments.append(Segment(f" {self.label(outcome, self.counts[outcome])} ", self.toggle_style(outcome)))
        return Strip(segments).adjust_cell_length(width, blank)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._set_hover(self.outcome_at(event.x))

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(False)

    def _set_hover(self, outcome: str | bool | None) -> None:
        if outcome != self._hover:  # (None, "all", is not False, none)
            self._hover = outcome
            self.refresh()

    def on_click(self, event: events.Click) -> None:
        outcome = self.outcome_at(event.x)
        if outcome is False:
            return
        event.stop()
        assert not isinstance(outcome, bool)
        self._active = outcome
        if self._active_timer is not None:
            self._active_timer.stop()
        self._active_timer = self.set_timer(self.ACTIVE_EFFECT, self._end_active)
        self.refresh()
        self.post_message(self.Chosen(outcome))

    def _end_active(self) -> None:
        self._active = False
        self._active_timer = None
        self.refresh()


ERROR_TYPE_PROMPT = "any error type"


class ErrorTypeBox(Widget, can_focus=True):
    """Stands in for the error type Select until it is first used (focused, clicked, or `t`): drawn as the compact
    Select with nothing chosen (its prompt, dimmed, and its arrow), then replaced by one (see FilterBar.error_type).
    A Select is six widgets, an overlay list among them, that most openings of a results view never use."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"error-type-box--prompt"}

    DEFAULT_CSS = """
    ErrorTypeBox {
        height: 1;
        color: $foreground;
        background: $surface;
        pointer: pointer;
        & > .error-type-box--prompt { color: $foreground 50%; }
    }
    """

    class Used(Message):
        """The box was focused or clicked (`expand`: show the choices, as a click on a Select does)."""

        def __init__(self, expand: bool) -> None:
            super().__init__()
            self.expand = expand

    def render_line(self, y: int) -> Strip:
        # The compact Select: its prompt left in what the arrow (" ▼") and a cell of right padding leave.
        width = self.size.width
        blank = RichStyle(bgcolor=self.visual_style.background.rich_color)  # padding: the background alone
        if y:
            return Strip([Segment(" " * width, blank)], width)
        dim = self.get_visual_style("error-type-box--prompt").rich_style
        prompt = Strip([Segment(ERROR_TYPE_PROMPT, dim)]).adjust_cell_length(max(0, width - 3), blank)
        return Strip([*prompt, Segment(" ", blank), Segment("▼", dim), Segment(" ", blank)]).crop(0, width)

    def on_focus(self) -> None:
        self.post_message(self.Used(expand=False))

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Used(expand=True))


class FilterBar(Vertical):
    DEFAULT_CSS = """
    FilterBar {
        height: auto;
        padding: 0 1;
        #filter-inputs { height: 1; margin-top: 1; }
        #error-type, ErrorTypeBox { width: 34; margin-right: 1; }
        #custom-id { width: 1fr; margin-right: 1; }
        #search { width: 2fr; }
    }
    """

    class Changed(Message):
        def __init__(self, flt: ResultFilter) -> None:
            super().__init__()
            self.filter = flt

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.outcome: str | None = None
        self.filter = ResultFilter()
        self._debounce: Timer | None = None
        self._search = ""  # what the search box held at its last Enter
        self._error_options: list[tuple[Content, str]] = []  # the error type choices, whether shown yet or not

    def compose(self) -> ComposeResult:
        yield OutcomeBar(id="outcomes")
        with Horizontal(id="filter-inputs"):
            yield ErrorTypeBox()  # the Select, once used
            yield Input(placeholder="custom_id contains…", id="custom-id", compact=True)
            yield Input(placeholder="/ search prompts and answers (Enter)", id="search", compact=True)

    def on_mount(self) -> None:
        self.set_counts(None, None)
        self._show_outcome()

    # -- state in ------------------------------------------------------------------------------------------------

    def set_counts(self, type_counts: dict[str, int] | None, error_counts: dict[str, int] | None) -> None:
        """Counts per outcome (shown on the toggles) and per error type (the error type choices)."""
        if type_counts is None:
            counts: dict[str | None, int | None] = dict.fromkeys(OUTCOMES)
        else:
            counts = {o: sum(type_counts.values()) if o is None else type_counts.get(o, 0) for o in OUTCOMES}
        self.query_one(OutcomeBar).set_counts(counts)
        self._error_options = [(as_content(f"{t} ({fmt.count(n)})"), t) for t, n in (error_counts or {}).items()]
        select = self.error_select
        if select is None:
            return
        current = select.value
        with select.prevent(Select.Changed):
            select.set_options(self._error_options)
            if current is not Select.NULL and any(v == current for _, v in self._error_options):
                select.value = current

    def set_outcome(self, outcome: str | None) -> None:
        self.outcome = outcome
        self._show_outcome()
        self._apply()

    def clear(self) -> None:
        """Every filter off: all outcomes, any error type, both boxes empty."""
        self.outcome = None
        self._search = ""
        self._show_outcome()
        with self.prevent(Input.Changed, Select.Changed):
            self.query_one("#search", Input).value = ""
            self.query_one("#custom-id", Input).value = ""
            if (select := self.error_select) is not None:
                select.clear()
        self._apply()

    def reset(self) -> None:
        """Every filter off and no counts, without a Changed: the view switched to another batch."""
        self.filter = ResultFilter()  # so that clear() finds nothing changed
        self.clear()
        self.set_counts(None, None)

    @property
    def error_select(self) -> Select[str] | None:
        """The error type Select, if made yet (an ErrorTypeBox stands in for it until it is first used)."""
        return next(self.query("#error-type").results(Select), None)

    async def error_type(self) -> Select[str]:
        """The error type Select, made (with the current choices) in the place of its stand-in if not yet."""
        select = self.error_select
        if select is None:
            box = self.query_one(ErrorTypeBox)
            select = Select[str](self._error_options, prompt=ERROR_TYPE_PROMPT, id="error-type", compact=True)
            await self.query_one("#filter-inputs").mount(select, before=box)
            if box.has_focus:
                select.focus()
            await box.remove()
        return select

    async def focus_error_type(self, expand: bool = False) -> None:
        select = await self.error_type()
        select.focus()
        if expand:
            select.expanded = True  # what a click on the Select does

    @on(ErrorTypeBox.Used)
    async def _error_type_used(self, event: ErrorTypeBox.Used) -> None:
        event.stop()
        await self.focus_error_type(event.expand)

    def focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def focus_custom_id(self) -> None:
        self.query_one("#custom-id", Input).focus()

    def _show_outcome(self) -> None:
        self.query_one(OutcomeBar).select(self.outcome)

    # -- events --------------------------------------------------------------------------------------------------

    @on(OutcomeBar.Chosen)
    def _outcome_chosen(self, event: OutcomeBar.Chosen) -> None:
        event.stop()
        self.set_outcome(event.outcome)

    @on(Select.Changed, "#error-type")
    def _error_type_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._apply()

    @on(Input.Changed, "#custom-id")
    def _custom_id_typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(CUSTOM_ID_DEBOUNCE, self._apply)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        # Not stopped: the screen moves focus back to the rows.
        if event.input.id == "search":
            self._search = event.value.strip()
        self._apply()

    def _apply(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        select = self.error_select
        error_type = Select.NULL if select is None else select.value
        custom_id = self.query_one("#custom-id", Input).value.strip()
        flt = ResultFilter(
            types=frozenset({self.outcome}) if self.outcome else frozenset(),
            error_type=None if error_type is Select.NULL else str(error_type),
            custom_id=custom_id or None,
            search=self._search or None,
        )
        if flt != self.filter:
            self.filter = flt
            self.post_message(self.Changed(flt))
